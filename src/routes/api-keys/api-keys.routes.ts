/** Contracts of /v1/api-keys: an admin creates, lists and revokes the tenant's API keys. */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { requireAuth } from "../../middleware/auth";
import { SCOPES } from "../../types";

const adminOnly = requireAuth({ roles: ["admin"] });
const security = [{ bearerAuth: [] }];

export const ApiKey = z
  .object({
    id: z.string().openapi({ example: "key_0190f3a1b2c3d4e5f6a7b8c9d0e1" }),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to recognise it", example: "ekyc_live_3fa91c" }),
    scopes: z.array(z.enum(SCOPES)),
    rate_limit_per_minute: z.number().int(),
    mode: z.enum(["live", "test"]),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

const KeyIdParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, description: "API key id", example: "key_0190f3a1b2c3d4e5f6a7b8c9d0e1" }),
});

/** A new key's fields; the console's create form is checked against the same schema. */
export const NewApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100).openapi({ description: "What the key is for", example: "production back end" }),
  scopes: z.array(z.enum(SCOPES)).min(1).openapi({ description: "What the key may do", example: ["verifications:write", "verifications:read"] }),
  rate_limit_per_minute: z.number().int().min(1).max(100_000).default(600).openapi({ description: "Token-bucket size and refill per minute", example: 600 }),
  mode: z.enum(["live", "test"]).default("live").openapi({ description: "`test` keys run the sandbox" }),
});

export const createApiKeyRoute = createRoute({
  method: "post",
  path: "/v1/api-keys",
  operationId: "createApiKey",
  tags: ["API keys"],
  summary: "Create an API key",
  description: "The key is in the response once and never again (we store only its SHA-256). Test-mode keys (`ekyc_test_…`) run the sandbox.",
  middleware: [adminOnly] as const,
  security,
  request: {
    body: jsonBody(NewApiKeyBody),
  },
  responses: {
    201: jsonContent(
      ApiKey.extend({ key: z.string().openapi({ description: "The secret; shown only in this response", example: "ekyc_live_3fa91c…" }) }).openapi("NewApiKey"),
      "Key created",
    ),
    ...errorResponses(400, 401, 403),
  },
});

export const listApiKeysRoute = createRoute({
  method: "get",
  path: "/v1/api-keys",
  operationId: "listApiKeys",
  tags: ["API keys"],
  summary: "List the tenant's API keys",
  description: "Newest first, cursor-paginated; includes revoked keys (with `revoked_at`). Never the secret.",
  middleware: [adminOnly] as const,
  security,
  request: { query: PageQuery },
  responses: { 200: jsonContent(pageOf(ApiKey), "A page of keys"), ...errorResponses(400, 401, 403) },
});

export const revokeApiKeyRoute = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  operationId: "revokeApiKey",
  tags: ["API keys"],
  summary: "Revoke an API key",
  description: "Takes effect on the next request made with the key. Revoking an already revoked key answers 204.",
  middleware: [adminOnly] as const,
  security,
  request: { params: KeyIdParam },
  responses: { 204: { description: "Key revoked" }, ...errorResponses(401, 403, 404) },
});
