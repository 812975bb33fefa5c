import type { RouteHandler } from "@hono/zod-openapi";
import { ApiError, unauthorized } from "../../lib/errors";
import { hashPassword, passwordProblems, verifyPassword } from "../../lib/passwords";
import { requestMeta } from "../../middleware/auth";
import type { Services } from "../../app/services";
import { revokeUserSessions } from "../../identity/sessions";
import { getTenant } from "../../identity/tenants";
import { deleteUser, getUser, lastAdminError, publicUser, updateUser } from "../../identity/users";
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
  const p = userPrincipal(c.var.principal);
  const body = c.req.valid("json");
  const services = c.var.services;
  const user = await getUser(services.db, p.tenantId, p.userId);
  if (!user) throw unauthorized();
  if (body.current_password !== undefined && !(await verifyPassword(body.current_password, user.passwordHash))) {
    throw new ApiError("VALIDATION_ERROR", "The request is invalid", { details: { target: "json", fields: { current_password: ["Incorrect password"] } } });
  }
  const emailProblems = body.password ? passwordProblems(body.password, body.email ?? user.email) : [];
  if (emailProblems.length) throw new ApiError("VALIDATION_ERROR", "The request is invalid", { details: { target: "json", fields: { password: emailProblems } } });
  const now = services.now();
  const { user: updated } = await updateUser(
    services.db,
    p.tenantId,
    p.userId,
    { name: body.name, email: body.email, passwordHash: body.password ? await hashPassword(body.password) : undefined },
    now,
  );
  if (!updated) throw unauthorized();
  if (body.password) {
    await revokeUserSessions(services.db, p.tenantId, p.userId, now);
    await services.audit.append(
      { tenantId: p.tenantId, actorType: "user", actorId: p.userId, action: "user.password_changed", targetType: "user", targetId: p.userId },
      requestMeta(c),
    );
  }
  if (body.email && body.email !== user.email) {
    await services.audit.append(
      { tenantId: p.tenantId, actorType: "user", actorId: p.userId, action: "user.email_changed", targetType: "user", targetId: p.userId },
      requestMeta(c),
    );
  }
  return c.json(await withTenant(services, updated), 200);
};

export const deleteMeHandler: RouteHandler<typeof deleteMe, AppEnv> = async (c) => {
  const p = userPrincipal(c.var.principal);
  const services = c.var.services;
  const { result, revokedKeys } = await deleteUser(services.db, p.tenantId, p.userId, services.now());
  if (result === "last_admin") throw lastAdminError();
  if (result === "not_found") throw unauthorized();
  await services.audit.append(
    {
      tenantId: p.tenantId,
      actorType: "user",
      actorId: p.userId,
      action: "user.deleted",
      targetType: "user",
      targetId: p.userId,
      metadata: { self: true, revoked_api_keys: revokedKeys },
    },
    requestMeta(c),
  );
  return c.body(null, 204);
};
