/**
 * Console sessions, free of HTTP: the console's cookie holds a refresh token of our refresh-token family
 * (src/identity/sessions.ts). Resolving it never consumes it: the row must exist, be unused, unrevoked and
 * unexpired, and the user is re-read on every request so a role change or a deletion applies at once.
 * Signing out revokes the whole family, exactly as POST /v1/auth/logout does.
 */
import { eq } from "drizzle-orm";
import type { Services } from "../app/services";
import { refreshTokens } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { getUser } from "../identity/users";
import type { UserRow } from "../identity/users";

export interface ConsoleSession {
  user: UserRow;
  familyId: string;
}

export type SessionLookup = { ok: true; session: ConsoleSession } | { ok: false; reason: "missing" | "unknown" | "used" | "revoked" | "expired" | "no_user" };

/**
 * The signed-in user behind a console cookie, or why there is none.
 *
 * @example
 * const found = await resolveConsoleSession(services, cookieValue);
 * if (found.ok) found.session.user.role; // "reviewer"
 */
export async function resolveConsoleSession(s: Services, token: string | undefined): Promise<SessionLookup> {
  if (!token) return { ok: false, reason: "missing" };
  const [row] = await s.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, await sha256Hex(token))).limit(1);
  if (!row) return { ok: false, reason: "unknown" };
  // A used token means it was rotated through the API: the console's copy is stale, so sign in again.
  if (row.usedAt !== null) return { ok: false, reason: "used" };
  if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (row.expiresAt <= s.now()) return { ok: false, reason: "expired" };
  const user = await getUser(s.db, row.tenantId, row.userId);
  if (!user) return { ok: false, reason: "no_user" };
  return { ok: true, session: { user, familyId: row.familyId } };
}
