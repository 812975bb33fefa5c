/**
 * Tenants: registration creates the tenant and its first admin in one D1 batch (never a tenant without its
 * admin), audited; lookups by id.
 */
import { eq } from "drizzle-orm";
import type { Services } from "../app/services";
import type { Db } from "../db/client";
import { tenants, users } from "../db/schema";
import { newId } from "../lib/ids";
import { isUniqueViolation } from "../lib/pagination";
import { emailTaken, findUserByEmail, newUserRow } from "./users";
import type { UserRow } from "./users";

export type TenantRow = typeof tenants.$inferSelect;

export async function registerTenant(s: Services, input: { email: string; password: string; name: string; tenant_name: string }, meta: { ip?: string | null }): Promise<{ tenant: TenantRow; user: UserRow }> {
  const now = s.now();
  if (await findUserByEmail(s.db, input.email)) throw emailTaken();
  const tenant = { id: newId("ten", now), name: input.tenant_name, createdAt: now };
  const user = await newUserRow({ tenantId: tenant.id, email: input.email, name: input.name, password: input.password, role: "admin" }, now);
  try {
    await s.db.batch([s.db.insert(tenants).values(tenant), s.db.insert(users).values(user)]);
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  await s.audit.append({ tenantId: tenant.id, actorType: "user", actorId: user.id, action: "auth.register", targetType: "tenant", targetId: tenant.id }, meta);
  return { tenant, user };
}

/** A tenant's public fields; an id that does not exist is an invariant broken (a user always has its tenant). */
export async function getTenant(db: Db, id: string): Promise<Pick<TenantRow, "id" | "name">> {
  const [tenant] = await db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(eq(tenants.id, id)).limit(1);
  if (!tenant) throw new Error(`tenant ${id} missing`);
  return tenant;
}
