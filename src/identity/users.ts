/**
 * Users of a tenant: lookups, creation, role changes and erasure. Every query filters on the tenant id, so a
 * user of another tenant is simply "not found". The last-admin rule: a tenant that has other users always
 * keeps at least one admin (checked inside the same SQL statement as the change, so concurrent requests
 * cannot both remove "the other" admin).
 */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { refreshTokens, users } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { isUniqueViolation } from "../lib/pagination";
import { hashPassword } from "../lib/passwords";
import type { RateLimits } from "../ports";
import type { Role } from "../types";
import { revokeTenantKeys } from "./api-keys";

export type UserRow = typeof users.$inferSelect;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The wire form of a user: never the password hash. */
export function publicUser(u: UserRow) {
  return {
    id: u.id,
    tenant_id: u.tenantId,
    email: u.email,
    name: u.name,
    role: u.role,
    created_at: new Date(u.createdAt).toISOString(),
    updated_at: new Date(u.updatedAt).toISOString(),
  };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normaliseEmail(email))).limit(1);
  return row;
}

export async function getUser(db: Db, tenantId: string, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, id))).limit(1);
  return row;
}

export async function listUsers(db: Db, tenantId: string, limit: number, cursor?: string): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), cursor ? lt(users.id, cursor) : undefined))
    .orderBy(desc(users.id))
    .limit(limit + 1);
}

export const emailTaken = () => new ApiError("CONFLICT", "An account with this email already exists", { details: { field: "email" } });

/** Builds a user row with a fresh id and password hash (not yet inserted: registration batches it with its tenant). */
export async function newUserRow(input: { tenantId: string; email: string; name: string; password: string; role: Role }, nowMs: number): Promise<UserRow> {
  return {
    id: newId("usr", nowMs),
    tenantId: input.tenantId,
    email: normaliseEmail(input.email),
    name: input.name,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    createdAt: nowMs,
    updatedAt: nowMs,
  };
}

export async function insertUser(db: Db, row: UserRow): Promise<UserRow> {
  if (await findUserByEmail(db, row.email)) throw emailTaken();
  try {
    await db.insert(users).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  return row;
}

/** SQL guard: true unless `users.id` is the tenant's last admin while other users remain (or the change keeps it admin). */
const keepsAnAdmin = (tenantId: string) => sql`(
  ${users.role} <> 'admin'
  OR (SELECT count(*) FROM users u WHERE u.tenant_id = ${tenantId} AND u.role = 'admin') > 1
)`;

export type GuardedResult = "ok" | "not_found" | "last_admin";

export async function updateUser(
  db: Db,
  tenantId: string,
  id: string,
  patch: { name?: string; role?: Role; email?: string; passwordHash?: string },
  nowMs: number,
): Promise<{ result: GuardedResult; user?: UserRow }> {
  const demoting = patch.role !== undefined && patch.role !== "admin";
  let updated: UserRow[];
  try {
    updated = await db
      .update(users)
      .set({ ...patch, ...(patch.email ? { email: normaliseEmail(patch.email) } : {}), updatedAt: nowMs })
      .where(and(eq(users.tenantId, tenantId), eq(users.id, id), demoting ? keepsAnAdmin(tenantId) : undefined))
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  if (updated[0]) return { result: "ok", user: updated[0] };
  return { result: (await getUser(db, tenantId, id)) ? "last_admin" : "not_found" };
}

/**
 * Erases a user: the row (email, name, password hash) and their refresh tokens. The last admin of a tenant with
 * other users cannot be erased (promote someone first). When the sole user of a tenant is erased, the tenant's
 * API keys are revoked too, since nobody would be left to manage or revoke them.
 */
export async function deleteUser(db: Db, limits: RateLimits, tenantId: string, id: string, nowMs: number): Promise<{ result: GuardedResult; revokedKeys: number }> {
  const soleUser = sql`(SELECT count(*) FROM users u WHERE u.tenant_id = ${tenantId}) = 1`;
  const [target] = await db.select({ id: users.id }).from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, id))).limit(1);
  if (!target) return { result: "not_found", revokedKeys: 0 };
  const wasSole = (await db.select({ n: sql<number>`count(*)` }).from(users).where(eq(users.tenantId, tenantId)))[0].n === 1;
  const deleted = await db
    .delete(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, id), sql`(${keepsAnAdmin(tenantId)} OR ${soleUser})`))
    .returning({ id: users.id });
  if (!deleted.length) return { result: "last_admin", revokedKeys: 0 };
  // The foreign key cascades in D1; deleting explicitly keeps erasure complete wherever foreign keys are off.
  await db.delete(refreshTokens).where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.userId, id)));
  const revokedKeys = wasSole ? await revokeTenantKeys(db, limits, tenantId, nowMs) : 0;
  return { result: "ok", revokedKeys };
}

export const lastAdminError = () =>
  new ApiError("CONFLICT", "The tenant's last admin cannot be removed or demoted while other users remain; make another user admin first");
