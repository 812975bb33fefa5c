/**
 * API keys: `ekyc_<mode>_<48 hex>`, returned once at creation and stored only as SHA-256 (a key is 192 random
 * bits, so a fast hash is enough and lookup is a single indexed equality). Lists show the visible prefix.
 *
 * Authentication reads the row once per isolate: a key's tenant, scopes, mode and limit never change, so an isolate
 * keeps the rows of keys it saw unrevoked (`activeKeys`, bounded, five minutes). Revocation takes effect on the next
 * request everywhere all the same: it is first recorded in the tenant's RateLimiter object, which every authenticated
 * request calls anyway for its rate limit and which refuses a revoked key in that same call, and then in D1, which
 * a cold isolate reads.
 */
import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { preparedQuery } from "../db/prepared";
import { apiKeys } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { toHex } from "../lib/encoding";
import { newId } from "../lib/ids";
import type { RateLimits } from "../ports";
import type { Scope } from "../types";
import { tenantSubject } from "./rate-limit";

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type KeyMode = "live" | "test";

const KEY_PATTERN = /^ekyc_(live|test)_[0-9a-f]{48}$/;
/** `ekyc_live_` plus 6 secret characters: enough to tell keys apart, far too few to guess the rest. */
const PREFIX_LENGTH = 16;
/** last_used_at is a hint, not an access log: written at most once a minute per key. */
export const LAST_USED_GRANULARITY_MS = 60_000;

export function generateApiKey(mode: KeyMode): string {
  return `ekyc_${mode}_${toHex(crypto.getRandomValues(new Uint8Array(24)))}`;
}

export function publicApiKey(k: ApiKeyRow) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes as Scope[],
    rate_limit_per_minute: k.rateLimitPerMinute,
    mode: k.mode,
    created_at: new Date(k.createdAt).toISOString(),
    last_used_at: k.lastUsedAt === null ? null : new Date(k.lastUsedAt).toISOString(),
    revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  };
}

export async function createApiKey(
  db: Db,
  input: { tenantId: string; name: string; scopes: Scope[]; rateLimitPerMinute: number; mode: KeyMode; createdBy: string | null },
  nowMs: number,
): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey(input.mode);
  const row: ApiKeyRow = {
    id: newId("key", nowMs),
    tenantId: input.tenantId,
    name: input.name,
    prefix: key.slice(0, PREFIX_LENGTH),
    keyHash: await sha256Hex(key),
    scopes: [...new Set(input.scopes)],
    rateLimitPerMinute: input.rateLimitPerMinute,
    mode: input.mode,
    createdBy: input.createdBy,
    createdAt: nowMs,
    lastUsedAt: null,
    revokedAt: null,
  };
  await db.insert(apiKeys).values(row);
  return { row, key };
}

export async function listApiKeys(db: Db, tenantId: string, limit: number, cursor?: string): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), cursor ? lt(apiKeys.id, cursor) : undefined))
    .orderBy(desc(apiKeys.id))
    .limit(limit + 1);
}

/**
 * Revokes a key of the tenant. `revoked` is false when it was already revoked; undefined when not found. The tenant's
 * limiter object learns of it first, so isolates that cached the key refuse it from the next request on; should the
 * D1 write then fail, the key stays refused and a retry completes the revocation.
 */
export async function revokeApiKey(db: Db, limits: RateLimits, tenantId: string, id: string, nowMs: number): Promise<{ revoked: boolean } | undefined> {
  const [key] = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id))).limit(1);
  if (!key) return undefined;
  return { revoked: (await revokeKeys(db, limits, tenantId, [id], nowMs)) > 0 };
}

/** Revokes every active key of the tenant (its last user was erased), limiter object first as in `revokeApiKey`. */
export async function revokeTenantKeys(db: Db, limits: RateLimits, tenantId: string, nowMs: number): Promise<number> {
  const active = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)));
  return active.length ? revokeKeys(db, limits, tenantId, active.map((k) => k.id), nowMs) : 0;
}

/** The limiter object, then D1, then this isolate's cache; returns how many keys D1 newly marked revoked. */
async function revokeKeys(db: Db, limits: RateLimits, tenantId: string, ids: string[], nowMs: number): Promise<number> {
  await limits.revoke(tenantSubject(tenantId), ids);
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: nowMs })
    .where(and(eq(apiKeys.tenantId, tenantId), inArray(apiKeys.id, ids), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  forgetKeys((row) => ids.includes(row.id));
  return revoked.length;
}

/** Rows of keys this isolate saw unrevoked, by key hash (see the module comment). */
const activeKeys = new Map<string, { row: ApiKeyRow; until: number }>();
const ACTIVE_KEYS_MAX = 1_000;
const ACTIVE_KEY_TTL_MS = 5 * 60_000;

function forgetKeys(match: (row: ApiKeyRow) => boolean) {
  for (const [hash, entry] of activeKeys) if (match(entry.row)) activeKeys.delete(hash);
}

/** Drops a key this isolate cached, once the limiter object said it was revoked. */
export function forgetApiKey(id: string) {
  forgetKeys((row) => row.id === id);
}

const keyByHash = preparedQuery("api_key_by_hash", (db) =>
  db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, sql.placeholder("hash")))
    .limit(1)
    .prepare(),
);

export type KeyLookup = { ok: true; key: ApiKeyRow } | { ok: false; reason: "malformed" | "unknown" | "revoked" };

/**
 * Finds the key for a presented secret: from this isolate's cache, or D1. A key found here may still have been
 * revoked since it was cached; the caller's rate-limit call with the key's id refuses it then (src/middleware/auth.ts).
 * The reason is for logs only.
 */
export async function authenticateApiKey(db: Db, presented: string, nowMs: number): Promise<KeyLookup> {
  if (!KEY_PATTERN.test(presented)) return { ok: false, reason: "malformed" };
  const hash = await sha256Hex(presented);
  const cached = activeKeys.get(hash);
  if (cached && cached.until > nowMs) return { ok: true, key: cached.row };
  const [row] = await keyByHash(db).all({ hash });
  if (!row) return { ok: false, reason: "unknown" };
  if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (activeKeys.size >= ACTIVE_KEYS_MAX) activeKeys.delete(activeKeys.keys().next().value!);
  activeKeys.set(hash, { row, until: nowMs + ACTIVE_KEY_TTL_MS });
  return { ok: true, key: row };
}

/**
 * Records use, unless it was recorded within the last minute (keeps the hot path free of writes): the write, for the
 * caller to run after its response, or null when none is due (most requests, which then schedule nothing).
 */
export function touchApiKey(db: Db, key: ApiKeyRow, nowMs: number): Promise<void> | null {
  if (key.lastUsedAt !== null && nowMs - key.lastUsedAt < LAST_USED_GRANULARITY_MS) return null;
  key.lastUsedAt = nowMs; // the cached row too, so this isolate writes again only after a minute
  return db
    .update(apiKeys)
    .set({ lastUsedAt: nowMs })
    .where(eq(apiKeys.id, key.id))
    .then(() => undefined);
}

/** One key of the tenant (revoked or not), or undefined. */
export async function getApiKey(db: Db, tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id))).limit(1);
  return row;
}
