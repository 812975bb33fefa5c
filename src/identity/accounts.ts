/**
 * Audited identity operations, free of HTTP, shared by the API and the console: tenant users (add, change,
 * remove), the caller's own profile, and API keys (issue, revoke). Each change is written, then audited by the
 * principal who made it (codes and ids only in the audit row, never an email or a name).
 */
import type { Services } from "../app/services";
import { ApiError, notFound, unauthorized } from "../lib/errors";
import { hashPassword, passwordProblems, verifyPassword } from "../lib/passwords";
import type { AuditMetadata } from "../audit/types";
import type { Principal, Role, Scope } from "../types";
import { actorOf } from "../types";
import type { ApiKeyRow, KeyMode } from "./api-keys";
import { createApiKey, revokeApiKey } from "./api-keys";
import { revokeUserSessions } from "./sessions";
import type { UserRow } from "./users";
import { deleteUser, getUser, insertUser, lastAdminError, newUserRow, updateUser } from "./users";

type Meta = { ip?: string | null };

/** Appends an audit event on behalf of `principal`. */
export function auditBy(s: Services, principal: Principal, e: { action: string; targetType: string; targetId: string; metadata?: AuditMetadata }, meta: Meta) {
  const actor = actorOf(principal);
  return s.audit.append({ tenantId: principal.tenantId, actorType: actor.type, actorId: actor.id, ...e }, meta);
}

export async function addUser(s: Services, p: Principal, input: { email: string; name: string; password: string; role: Role }, meta: Meta): Promise<UserRow> {
  const user = await insertUser(s.db, await newUserRow({ ...input, tenantId: p.tenantId }, s.now()));
  await auditBy(s, p, { action: "user.created", targetType: "user", targetId: user.id, metadata: { role: user.role } }, meta);
  return user;
}

export async function changeUser(s: Services, p: Principal, id: string, patch: { name?: string; role?: Role }, meta: Meta): Promise<UserRow> {
  const before = await getUser(s.db, p.tenantId, id);
  if (!before) throw notFound("User");
  const { result, user } = await updateUser(s.db, p.tenantId, id, { name: patch.name, role: patch.role }, s.now());
  if (result === "not_found" || !user) throw result === "last_admin" ? lastAdminError() : notFound("User");
  if (patch.role && patch.role !== before.role) {
    await auditBy(s, p, { action: "user.role_changed", targetType: "user", targetId: id, metadata: { from: before.role, to: patch.role } }, meta);
  }
  return user;
}

/** Removes a user (or, with `self`, the caller's own account); the tenant keeps at least one admin. */
export async function removeUser(s: Services, p: Principal, id: string, meta: Meta, self = false): Promise<void> {
  const { result, revokedKeys } = await deleteUser(s.db, s.rateLimits, p.tenantId, id, s.now());
  if (result === "last_admin") throw lastAdminError();
  if (result === "not_found") throw self ? unauthorized() : notFound("User");
  await auditBy(s, p, { action: "user.deleted", targetType: "user", targetId: id, metadata: { self: p.type === "user" && p.userId === id, revoked_api_keys: revokedKeys } }, meta);
}

/** The caller changes their own name, email or password (the current password is checked when given). */
export async function updateOwnProfile(s: Services, p: Extract<Principal, { type: "user" }>, body: { name?: string; email?: string; password?: string; current_password?: string }, meta: Meta): Promise<UserRow> {
  const user = await getUser(s.db, p.tenantId, p.userId);
  if (!user) throw unauthorized();
  if (body.current_password !== undefined && !(await verifyPassword(body.current_password, user.passwordHash))) {
    throw new ApiError("VALIDATION_ERROR", "The request is invalid", { details: { target: "json", fields: { current_password: ["Incorrect password"] } } });
  }
  const problems = body.password ? passwordProblems(body.password, body.email ?? user.email) : [];
  if (problems.length) throw new ApiError("VALIDATION_ERROR", "The request is invalid", { details: { target: "json", fields: { password: problems } } });
  const now = s.now();
  const { user: updated } = await updateUser(s.db, p.tenantId, p.userId, { name: body.name, email: body.email, passwordHash: body.password ? await hashPassword(body.password) : undefined }, now);
  if (!updated) throw unauthorized();
  if (body.password) {
    await revokeUserSessions(s.db, p.tenantId, p.userId, now);
    await auditBy(s, p, { action: "user.password_changed", targetType: "user", targetId: p.userId }, meta);
  }
  if (body.email && body.email !== user.email) await auditBy(s, p, { action: "user.email_changed", targetType: "user", targetId: p.userId }, meta);
  return updated;
}

export async function issueApiKey(s: Services, p: Principal, input: { name: string; scopes: Scope[]; rate_limit_per_minute: number; mode: KeyMode }, meta: Meta): Promise<{ row: ApiKeyRow; key: string }> {
  const created = await createApiKey(
    s.db,
    { tenantId: p.tenantId, name: input.name, scopes: input.scopes, rateLimitPerMinute: input.rate_limit_per_minute, mode: input.mode, createdBy: p.type === "user" ? p.userId : null },
    s.now(),
  );
  const { row } = created;
  await auditBy(s, p, { action: "api_key.created", targetType: "api_key", targetId: row.id, metadata: { prefix: row.prefix, scopes: row.scopes, mode: row.mode, rate_limit_per_minute: row.rateLimitPerMinute } }, meta);
  return created;
}

export async function revokeKey(s: Services, p: Principal, id: string, meta: Meta): Promise<void> {
  const outcome = await revokeApiKey(s.db, s.rateLimits, p.tenantId, id, s.now());
  if (!outcome) throw notFound("API key");
  if (outcome.revoked) await auditBy(s, p, { action: "api_key.revoked", targetType: "api_key", targetId: id }, meta);
}
