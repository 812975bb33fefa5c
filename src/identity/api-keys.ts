/**
 * API keys: `ekyc_<mode>_<48 hex>`, returned once at creation and stored only as SHA-256 (a key is 192 random
 * bits, so a fast hash is enough and lookup is a single indexed equality). Lists show the visible prefix.
 * Revocation takes effect on the next request: authentication reads the row every time.
 */
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiKeys } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { toHex } from "../lib/encoding";
import { newId } from "../lib/ids";
import type { Scope } from "../types";

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

/** Revokes a key of the tenant. `revoked` is false when it was already revoked; undefined when not found. */
export async function revokeApiKey(db: Db, tenantId: string, id: string, nowMs: number): Promise<{ revoked: boolean } | undefined> {
  const changed = await db
    .update(apiKeys)
    .set({ revokedAt: nowMs })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (changed.length) return { revoked: true };
  const [exists] = await db.select({ id: apiKeys.id }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id))).limit(1);
  return exists ? { revoked: false } : undefined;
}

export type KeyLookup = { ok: true; key: ApiKeyRow } | { ok: false; reason: "malformed" | "unknown" | "revoked" };

/** Finds the active key for a presented secret; the reason is for logs only. */
export async function authenticateApiKey(db: Db, presented: string): Promise<KeyLookup> {
  if (!KEY_PATTERN.test(presented)) return { ok: false, reason: "malformed" };
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, await sha256Hex(presented))).limit(1);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
  return { ok: true, key: row };
}

/** Records use, unless it was recorded within the last minute (keeps the hot path free of writes). */
export async function touchApiKey(db: Db, key: ApiKeyRow, nowMs: number): Promise<void> {
  if (key.lastUsedAt !== null && nowMs - key.lastUsedAt < LAST_USED_GRANULARITY_MS) return;
  await db.update(apiKeys).set({ lastUsedAt: nowMs }).where(eq(apiKeys.id, key.id));
}

/** One key of the tenant (revoked or not), or undefined. */
export async function getApiKey(db: Db, tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id))).limit(1);
  return row;
}
