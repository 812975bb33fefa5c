/**
 * `Idempotency-Key` for POSTs that create things. The first request with a key reserves it (with a hash of the
 * request body); its response is stored. The same key with the same body replays that response; with a
 * different body → 422 IDEMPOTENCY_KEY_REUSED; while the first is still running → 409. A request that fails
 * releases the key so the client can retry. Keys are per tenant and per operation.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "../lib/errors";

export interface StoredResponse {
  status: number;
  body: unknown;
}

export async function withIdempotency(
  db: Db,
  opts: { tenantId: string; scope: string; key: string | undefined; requestHash: string; now: number },
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!opts.key) return { ...(await run()), replayed: false };
  if (opts.key.length > 255) throw new ApiError("VALIDATION_ERROR", "Idempotency-Key is at most 255 characters");
  const where = and(eq(idempotencyKeys.tenantId, opts.tenantId), eq(idempotencyKeys.scope, opts.scope), eq(idempotencyKeys.key, opts.key));
  const reserved = await db
    .insert(idempotencyKeys)
    .values({ tenantId: opts.tenantId, scope: opts.scope, key: opts.key, requestHash: opts.requestHash, createdAt: opts.now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (reserved.length === 0) {
    const [existing] = await db.select().from(idempotencyKeys).where(where).limit(1);
    if (!existing) throw new ApiError("CONFLICT", "The Idempotency-Key is being released; retry");
    if (existing.requestHash !== opts.requestHash) {
      throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request body");
    }
    if (existing.responseStatus === null) throw new ApiError("CONFLICT", "A request with this Idempotency-Key is still in progress");
    return { status: existing.responseStatus, body: JSON.parse(existing.responseBody ?? "null"), replayed: true };
  }
  try {
    const response = await run();
    await db.update(idempotencyKeys).set({ responseStatus: response.status, responseBody: JSON.stringify(response.body) }).where(where);
    return { ...response, replayed: false };
  } catch (err) {
    await db.delete(idempotencyKeys).where(where);
    throw err;
  }
}
