/**
 * Sessions: a 15-minute access JWT plus a 30-day refresh token. Refresh tokens are random, stored only as
 * SHA-256, and single-use: each refresh marks the presented token used and issues a successor in the same
 * family. Presenting a used token means it leaked (or a client raced itself), so the whole family is revoked
 * and the legitimate holder must log in again. Logout revokes the family.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { refreshTokens } from "../db/schema";
import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { Services } from "../app/services";
import { ACCESS_TOKEN_TTL_SECONDS } from "./tokens";
import type { UserRow } from "./users";

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** Issues an access token and a refresh token (a new family unless `familyId` continues one). */
export async function issueSession(services: Services, user: Pick<UserRow, "id" | "tenantId" | "role">, familyId?: string): Promise<TokenPair> {
  const now = services.now();
  const refresh = `rt_${randomToken(32)}`;
  await services.db.insert(refreshTokens).values({
    id: newId("rtk", now),
    tenantId: user.tenantId,
    userId: user.id,
    familyId: familyId ?? newId("rtk", now),
    tokenHash: await sha256Hex(refresh),
    createdAt: now,
    expiresAt: now + REFRESH_TOKEN_TTL_MS,
    usedAt: null,
    revokedAt: null,
  });
  const access = await services.tokens.signAccessToken({ sub: user.id, tid: user.tenantId, role: user.role }, now);
  return { access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECONDS };
}

export type RotateResult =
  | { ok: true; row: typeof refreshTokens.$inferSelect }
  | { ok: false; reason: "unknown" | "revoked" | "expired" }
  | { ok: false; reason: "reused"; row: typeof refreshTokens.$inferSelect };

/**
 * Consumes a refresh token. On reuse the family is revoked here; the caller audits it. The "mark used" update is
 * conditional, so of two concurrent refreshes with one token exactly one wins and the other counts as reuse.
 */
export async function consumeRefreshToken(db: Db, presented: string, nowMs: number): Promise<RotateResult> {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, await sha256Hex(presented))).limit(1);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.usedAt !== null) {
    await revokeFamily(db, row.familyId, nowMs);
    return { ok: false, reason: "reused", row };
  }
  if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (row.expiresAt <= nowMs) return { ok: false, reason: "expired" };
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: nowMs })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  if (!claimed.length) {
    await revokeFamily(db, row.familyId, nowMs);
    return { ok: false, reason: "reused", row };
  }
  return { ok: true, row };
}

export async function revokeFamily(db: Db, familyId: string, nowMs: number): Promise<number> {
  const revoked = await db
    .update(refreshTokens)
    .set({ revokedAt: nowMs })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return revoked.length;
}

/** Logout: revokes the family of a presented token; unknown tokens are ignored (logout is idempotent). */
export async function revokeByToken(db: Db, presented: string, nowMs: number): Promise<{ tenantId: string; userId: string } | undefined> {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, await sha256Hex(presented))).limit(1);
  if (!row) return undefined;
  await revokeFamily(db, row.familyId, nowMs);
  return { tenantId: row.tenantId, userId: row.userId };
}

/** Ends every session of a user (password change). */
export async function revokeUserSessions(db: Db, tenantId: string, userId: string, nowMs: number): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: nowMs })
    .where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
