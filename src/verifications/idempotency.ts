/**
 * `Idempotency-Key` for POSTs that create things. The first request with a key reserves it (with a keyed hash of
 * the request body: HMAC with the tenant's key, so the stored hash reveals nothing about the personal data in it);
 * its response is stored with the id of what it created. The same key with the same body replays that response;
 * with a different body → 422 IDEMPOTENCY_KEY_REUSED; while the first is still running → 409. A request that fails
 * releases the key so the client can retry. Records expire after 24 h (an expired one is replaced, and the cron
 * deletes them), and erasing a verification deletes the records that point at it. Keys are per tenant and operation.
 *
 * Under storage failures (measured with the faults bench): once the work has committed, storing its response is
 * retried, and the key is never released, since a released key would let the client's retry create a second
 * resource; a reservation left without a response (its request died, or every store failed) is taken over after
 * STALE_RESERVATION_MS instead of answering 409 for 24 hours.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { log } from "../lib/log";
import type { Services } from "../app/services";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "../lib/errors";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A reservation without a response this old belongs to a request that died: the next one takes it over. */
export const STALE_RESERVATION_MS = 60 * 1000;
/** Attempts at storing a committed request's response. */
const STORE_ATTEMPTS = 3;

export interface StoredResponse {
  status: number;
  body: unknown;
  /** The id of what the request created (erasure deletes the record with it). */
  resourceId?: string;
}

export async function withIdempotency(
  s: Services,
  opts: { tenantId: string; scope: string; key: string | undefined; request: string },
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!opts.key) return { ...(await run()), replayed: false };
  if (opts.key.length > 255) throw new ApiError("VALIDATION_ERROR", "Idempotency-Key is at most 255 characters");
  const db = s.db;
  const now = s.now();
  const requestHash = await s.crypto.blindIndex(opts.tenantId, `idempotency:${opts.scope}:${opts.request}`);
  const where = and(eq(idempotencyKeys.tenantId, opts.tenantId), eq(idempotencyKeys.scope, opts.scope), eq(idempotencyKeys.key, opts.key));
  await db
    .delete(idempotencyKeys)
    .where(and(where, or(lt(idempotencyKeys.expiresAt, now), and(isNull(idempotencyKeys.responseStatus), lt(idempotencyKeys.createdAt, now - STALE_RESERVATION_MS)))));
  const reserved = await db
    .insert(idempotencyKeys)
    .values({ tenantId: opts.tenantId, scope: opts.scope, key: opts.key, requestHash, createdAt: now, expiresAt: now + IDEMPOTENCY_TTL_MS })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (reserved.length === 0) {
    const [existing] = await db.select().from(idempotencyKeys).where(where).limit(1);
    if (!existing) throw new ApiError("CONFLICT", "The Idempotency-Key is being released; retry");
    if (existing.requestHash !== requestHash) {
      throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request body");
    }
    if (existing.responseStatus === null) throw new ApiError("CONFLICT", "A request with this Idempotency-Key is still in progress");
    return { status: existing.responseStatus, body: JSON.parse(existing.responseBody ?? "null"), replayed: true };
  }
  let response: StoredResponse;
  try {
    response = await run();
  } catch (err) {
    // Nothing was created: release the key so the client can retry (if this fails too, the reservation goes stale).
    await db
      .delete(idempotencyKeys)
      .where(where)
      .catch((releaseErr) => log.warn("idempotency_release_failed", { scope: opts.scope, error: releaseErr }));
    throw err;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await db
        .update(idempotencyKeys)
        .set({ responseStatus: response.status, responseBody: JSON.stringify(response.body), resourceId: response.resourceId ?? null })
        .where(where);
      return { ...response, replayed: false };
    } catch (err) {
      // The work has committed: keep the reservation (a released key would let a retry create a second resource).
      if (attempt >= STORE_ATTEMPTS) {
        log.warn("idempotency_store_failed", { scope: opts.scope, resource_id: response.resourceId ?? null, error: err });
        throw err;
      }
    }
  }
}

/** Deletes expired records (cron). */
export async function purgeExpiredIdempotency(s: Services): Promise<number> {
  const gone = await s.db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, s.now())).returning({ key: idempotencyKeys.key });
  return gone.length;
}
