/** HTTP handlers of the API-key routes; the audited operations live in src/identity/accounts.ts. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app/context";
import { issueApiKey, revokeKey } from "../../identity/accounts";
import { listApiKeys, publicApiKey } from "../../identity/api-keys";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import type { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from "./api-keys.routes";

export const createApiKeyHandler: RouteHandler<typeof createApiKeyRoute, AppEnv> = async (c) => {
  const { row, key } = await issueApiKey(c.var.services, c.var.principal, c.req.valid("json"), requestMeta(c));
  return c.json({ ...publicApiKey(row), key }, 201);
};

export const listApiKeysHandler: RouteHandler<typeof listApiKeysRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listApiKeys(c.var.services.db, c.var.principal.tenantId, limit, cursor);
  const { data, next_cursor } = page(rows, limit, (k) => k.id);
  return c.json({ data: data.map(publicApiKey), next_cursor }, 200);
};

export const revokeApiKeyHandler: RouteHandler<typeof revokeApiKeyRoute, AppEnv> = async (c) => {
  await revokeKey(c.var.services, c.var.principal, c.req.valid("param").id, requestMeta(c));
  return c.body(null, 204);
};
