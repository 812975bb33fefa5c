/**
 * When each user of a tenant last signed in, read from the refresh-token families: every sign-in (API or console)
 * starts a family, and its first token's creation time is the sign-in. Refreshes add tokens to a family, so they
 * do not count. A user whose tokens were all erased has no known sign-in.
 */
import { eq, min } from "drizzle-orm";
import type { Db } from "../db/client";
import { refreshTokens } from "../db/schema";

/**
 * The latest sign-in time (epoch ms) of every user of the tenant who has one.
 *
 * @example
 * const seen = await lastSignIns(s.db, tenantId);
 * seen.get(user.id); // 1764800000000, or undefined when never signed in
 */
export async function lastSignIns(db: Db, tenantId: string): Promise<Map<string, number>> {
  const families = await db
    .select({ userId: refreshTokens.userId, startedAt: min(refreshTokens.createdAt) })
    .from(refreshTokens)
    .where(eq(refreshTokens.tenantId, tenantId))
    .groupBy(refreshTokens.userId, refreshTokens.familyId);
  return latestPerUser(families);
}

/**
 * The newest `startedAt` per user.
 *
 * @example
 * latestPerUser([{ userId: "u1", startedAt: 5 }, { userId: "u1", startedAt: 9 }]).get("u1"); // 9
 */
export function latestPerUser(families: { userId: string; startedAt: number | null }[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const { userId, startedAt } of families) {
    if (startedAt === null) continue;
    if (startedAt > (latest.get(userId) ?? -Infinity)) latest.set(userId, startedAt);
  }
  return latest;
}
