/** HTTP handlers of /v1/me: the caller's own profile; the audited operations live in src/identity/accounts.ts. */
import type { RouteHandler } from "@hono/zod-openapi";
import { unauthorized } from "../../lib/errors";
import { requestMeta } from "../../middleware/auth";
import type { Services } from "../../app/services";
import { removeUser, updateOwnProfile } from "../../identity/accounts";
import { getTenant } from "../../identity/tenants";
import { getUser, publicUser } from "../../identity/users";
import type { UserRow } from "../../identity/users";
import type { Principal } from "../../types";
import type { AppEnv } from "../../app/context";
import type { deleteMe, getMe, patchMe } from "./me.routes";

type UserPrincipal = Extract<Principal, { type: "user" }>;

function userPrincipal(p: Principal): UserPrincipal {
  if (p.type !== "user") throw unauthorized();
  return p;
}

async function withTenant(services: Services, user: UserRow) {
  const tenant = await getTenant(services.db, user.tenantId);
  return { ...publicUser(user), tenant };
}

export const getMeHandler: RouteHandler<typeof getMe, AppEnv> = async (c) => {
  const p = userPrincipal(c.var.principal);
  const user = await getUser(c.var.services.db, p.tenantId, p.userId);
  if (!user) throw unauthorized();
  return c.json(await withTenant(c.var.services, user), 200);
};

export const patchMeHandler: RouteHandler<typeof patchMe, AppEnv> = async (c) => {
  const updated = await updateOwnProfile(c.var.services, userPrincipal(c.var.principal), c.req.valid("json"), requestMeta(c));
  return c.json(await withTenant(c.var.services, updated), 200);
};

export const deleteMeHandler: RouteHandler<typeof deleteMe, AppEnv> = async (c) => {
  const p = userPrincipal(c.var.principal);
  await removeUser(c.var.services, p, p.userId, requestMeta(c), true);
  return c.body(null, 204);
};
