import type { RouteHandler } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import { deleteUser, getUser, insertUser, lastAdminError, listUsers, newUserRow, publicUser, updateUser } from "../../identity/users";
import type { AppEnv } from "../../app/context";
import type { createUserRoute, deleteUserRoute, listUsersRoute, updateUserRoute } from "./users.routes";

export const listUsersHandler: RouteHandler<typeof listUsersRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listUsers(c.var.services.db, c.var.principal.tenantId, limit, cursor);
  const { data, next_cursor } = page(rows, limit, (u) => u.id);
  return c.json({ data: data.map(publicUser), next_cursor }, 200);
};

export const createUserHandler: RouteHandler<typeof createUserRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const services = c.var.services;
  const actor = c.var.principal;
  const user = await insertUser(services.db, await newUserRow({ ...body, tenantId: actor.tenantId }, services.now()));
  await services.audit.append(
    {
      tenantId: actor.tenantId,
      actorType: "user",
      actorId: actor.type === "user" ? actor.userId : null,
      action: "user.created",
      targetType: "user",
      targetId: user.id,
      metadata: { role: user.role },
    },
    requestMeta(c),
  );
  return c.json(publicUser(user), 201);
};

export const updateUserHandler: RouteHandler<typeof updateUserRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const services = c.var.services;
  const actor = c.var.principal;
  const before = await getUser(services.db, actor.tenantId, id);
  if (!before) throw notFound("User");
  const { result, user } = await updateUser(services.db, actor.tenantId, id, { name: body.name, role: body.role }, services.now());
  if (result === "not_found" || !user) throw result === "last_admin" ? lastAdminError() : notFound("User");
  if (body.role && body.role !== before.role) {
    await services.audit.append(
      {
        tenantId: actor.tenantId,
        actorType: "user",
        actorId: actor.type === "user" ? actor.userId : null,
        action: "user.role_changed",
        targetType: "user",
        targetId: id,
        metadata: { from: before.role, to: body.role },
      },
      requestMeta(c),
    );
  }
  return c.json(publicUser(user), 200);
};

export const deleteUserHandler: RouteHandler<typeof deleteUserRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const services = c.var.services;
  const actor = c.var.principal;
  const { result, revokedKeys } = await deleteUser(services.db, actor.tenantId, id, services.now());
  if (result === "not_found") throw notFound("User");
  if (result === "last_admin") throw lastAdminError();
  await services.audit.append(
    {
      tenantId: actor.tenantId,
      actorType: "user",
      actorId: actor.type === "user" ? actor.userId : null,
      action: "user.deleted",
      targetType: "user",
      targetId: id,
      metadata: { self: actor.type === "user" && actor.userId === id, revoked_api_keys: revokedKeys },
    },
    requestMeta(c),
  );
  return c.body(null, 204);
};
