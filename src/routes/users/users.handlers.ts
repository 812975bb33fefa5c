/** HTTP handlers of the tenant-user routes; the audited operations live in src/identity/accounts.ts. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app/context";
import { addUser, changeUser, removeUser } from "../../identity/accounts";
import { listUsers, publicUser } from "../../identity/users";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import type { createUserRoute, deleteUserRoute, listUsersRoute, updateUserRoute } from "./users.routes";

export const listUsersHandler: RouteHandler<typeof listUsersRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listUsers(c.var.services.db, c.var.principal.tenantId, limit, cursor);
  const { data, next_cursor } = page(rows, limit, (u) => u.id);
  return c.json({ data: data.map(publicUser), next_cursor }, 200);
};

export const createUserHandler: RouteHandler<typeof createUserRoute, AppEnv> = async (c) => {
  return c.json(publicUser(await addUser(c.var.services, c.var.principal, c.req.valid("json"), requestMeta(c))), 201);
};

export const updateUserHandler: RouteHandler<typeof updateUserRoute, AppEnv> = async (c) => {
  const user = await changeUser(c.var.services, c.var.principal, c.req.valid("param").id, c.req.valid("json"), requestMeta(c));
  return c.json(publicUser(user), 200);
};

export const deleteUserHandler: RouteHandler<typeof deleteUserRoute, AppEnv> = async (c) => {
  await removeUser(c.var.services, c.var.principal, c.req.valid("param").id, requestMeta(c));
  return c.body(null, 204);
};
