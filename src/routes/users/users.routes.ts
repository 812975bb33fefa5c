/** Contracts of /v1/users: an admin manages the users and roles of their tenant. */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { requireAuth } from "../../middleware/auth";
import { Email, NewPassword, PersonName, RoleSchema, User, UserIdParam } from "./users.schemas";

const adminOnly = requireAuth({ roles: ["admin"] });
const security = [{ bearerAuth: [] }];

export const listUsersRoute = createRoute({
  method: "get",
  path: "/v1/users",
  operationId: "listUsers",
  tags: ["Users"],
  summary: "List the tenant's users",
  description: "Newest first, cursor-paginated.",
  middleware: [adminOnly] as const,
  security,
  request: { query: PageQuery },
  responses: { 200: jsonContent(pageOf(User), "A page of users"), ...errorResponses(400, 401, 403) },
});

/** A new user's fields; the console's add-user form is checked against the same schema. */
export const NewUserBody = z.object({ email: Email, name: PersonName, password: NewPassword, role: RoleSchema });

export const createUserRoute = createRoute({
  method: "post",
  path: "/v1/users",
  operationId: "createUser",
  tags: ["Users"],
  summary: "Add a user to the tenant",
  description: "The admin sets an initial password and hands it over out of band; the user can change it with PATCH /v1/me.",
  middleware: [adminOnly] as const,
  security,
  request: { body: jsonBody(NewUserBody) },
  responses: { 201: jsonContent(User, "User created"), ...errorResponses(400, 401, 403, 409) },
});

export const updateUserRoute = createRoute({
  method: "patch",
  path: "/v1/users/{id}",
  operationId: "updateUser",
  tags: ["Users"],
  summary: "Change a user's name or role",
  description: "Demoting the tenant's last admin while other users remain is refused with 409.",
  middleware: [adminOnly] as const,
  security,
  request: {
    params: UserIdParam,
    body: jsonBody(
      z
        .object({ name: PersonName.optional(), role: RoleSchema.optional() })
        .refine((b) => b.name !== undefined || b.role !== undefined, { message: "Nothing to update", path: ["(body)"] }),
    ),
  },
  responses: { 200: jsonContent(User, "Updated user"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const deleteUserRoute = createRoute({
  method: "delete",
  path: "/v1/users/{id}",
  operationId: "deleteUser",
  tags: ["Users"],
  summary: "Remove a user and erase their personal data",
  description: "Same erasure and last-admin rule as DELETE /v1/me.",
  middleware: [adminOnly] as const,
  security,
  request: { params: UserIdParam },
  responses: { 204: { description: "User removed" }, ...errorResponses(401, 403, 404, 409) },
});
