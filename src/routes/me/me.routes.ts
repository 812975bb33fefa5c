/** Contracts of /v1/me: the signed-in user's own account. */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { ROLES } from "../../types";
import { Email, NewPassword, PersonName, User } from "../users/users.schemas";

const anyUser = requireAuth({ roles: [...ROLES] });
const security = [{ bearerAuth: [] }];

export const Me = User.extend({ tenant: z.object({ id: z.string(), name: z.string() }) }).openapi("Me");

export const getMe = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  tags: ["Me"],
  summary: "The signed-in user's profile",
  middleware: [anyUser] as const,
  security,
  responses: { 200: jsonContent(Me, "Profile"), ...errorResponses(401) },
});

export const patchMe = createRoute({
  method: "patch",
  path: "/v1/me",
  operationId: "updateMe",
  tags: ["Me"],
  summary: "Update the signed-in user's name, email or password",
  description: "Changing the email or password needs `current_password`; a password change ends every other session (refresh tokens are revoked).",
  middleware: [anyUser] as const,
  security,
  request: {
    body: jsonBody(
      z
        .object({
          name: PersonName.optional(),
          email: Email.optional(),
          password: NewPassword.optional(),
          current_password: z.string().min(1).max(1024).optional().openapi({ description: "Required to change email or password" }),
        })
        .refine((b) => b.name !== undefined || b.email !== undefined || b.password !== undefined, { message: "Nothing to update", path: ["(body)"] })
        .refine((b) => (b.email === undefined && b.password === undefined) || b.current_password !== undefined, {
          message: "Required to change email or password",
          path: ["current_password"],
        }),
    ),
  },
  responses: { 200: jsonContent(Me, "Updated profile"), ...errorResponses(400, 401, 409) },
});

export const deleteMe = createRoute({
  method: "delete",
  path: "/v1/me",
  operationId: "deleteMe",
  tags: ["Me"],
  summary: "Erase the signed-in user's account",
  description:
    "Deletes the user's personal data (email, name, password hash) and sessions. The audit log keeps only the opaque user id. " +
    "The last admin of a tenant that has other users gets 409 (make another user admin first); when the sole user of a tenant " +
    "erases their account, the tenant's API keys are revoked, since nobody would be left to manage them.",
  middleware: [anyUser] as const,
  security,
  responses: { 204: { description: "Account erased" }, ...errorResponses(401, 409) },
});
