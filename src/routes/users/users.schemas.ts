/** Wire schemas for users, shared by /v1/users and /v1/me. */
import { z } from "@hono/zod-openapi";
import { PASSWORD_MAX_LENGTH, passwordProblems } from "../../lib/passwords";
import { ROLES } from "../../types";

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .email({ message: "Must be a valid email address" })
  .openapi({ description: "Email address; trimmed and lower-cased, unique across the service", example: "ada@example.com" });

export const PersonName = z.string().trim().min(1).max(200).openapi({ description: "Display name", example: "Ada Lovelace" });

export const RoleSchema = z.enum(ROLES).openapi({ description: "Role within the tenant", example: "reviewer" });

/** A new password: policy problems (length, common passwords) become per-field validation details. */
export const NewPassword = z
  .string()
  .max(PASSWORD_MAX_LENGTH)
  .superRefine((value, ctx) => {
    for (const message of passwordProblems(value)) ctx.addIssue({ code: "custom", message });
  })
  .openapi({ description: "At least 10 characters and not a common password", example: "correct horse battery staple" });

export const User = z
  .object({
    id: z.string().openapi({ example: "usr_0190f3a1b2c3d4e5f6a7b8c9d0e1" }),
    tenant_id: z.string(),
    email: z.string(),
    name: z.string(),
    role: RoleSchema,
    created_at: z.string().openapi({ description: "ISO 8601" }),
    updated_at: z.string().openapi({ description: "ISO 8601" }),
  })
  .openapi("User");

export const UserIdParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, description: "User id", example: "usr_0190f3a1b2c3d4e5f6a7b8c9d0e1" }),
});
