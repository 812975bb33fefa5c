/**
 * `Idempotency-Key` for POSTs that create things. The first request with a key reserves it (with a keyed hash of
 * the request body: HMAC with the tenant's key, so the stored hash reveals nothing about the personal data in it);
 * its response is stored with the id of what it created. The same key with the same body replays that response;
 * with a different body → 422 IDEMPOTENCY_KEY_REUSED; while the first is still running → 409. A request that fails
 * releases the key so the client can retry. Records expire after 24 h (an expired one is replaced, and the cron
 * deletes them), and erasing a verification deletes the records that point at it. Keys are per tenant and operation.
 */
import { and, eq, lt } from "drizzle-orm";
import type { Services } from "../app/services";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "../lib/errors";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

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
  await db.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.expiresAt, now)));
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
  try {
    const response = await run();
    await db
      .update(idempotencyKeys)
      .set({ responseStatus: response.status, responseBody: JSON.stringify(response.body), resourceId: response.resourceId ?? null })
      .where(where);
    return { ...response, replayed: false };
  } catch (err) {
    await db.delete(idempotencyKeys).where(where);
    throw err;
  }
}

/** Deletes expired records (cron). */
export async function purgeExpiredIdempotency(s: Services): Promise<number> {
  const gone = await s.db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, s.now())).returning({ key: idempotencyKeys.key });
  return gone.length;
}
