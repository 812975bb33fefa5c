import type { RouteHandler } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import { createApiKey, listApiKeys, publicApiKey, revokeApiKey } from "../../identity/api-keys";
import type { Principal } from "../../types";
import type { AppEnv } from "../../app/context";
import type { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from "./api-keys.routes";

const actorOf = (p: Principal) => (p.type === "user" ? { actorType: "user" as const, actorId: p.userId } : { actorType: "api_key" as const, actorId: p.keyId });

export const createApiKeyHandler: RouteHandler<typeof createApiKeyRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const services = c.var.services;
  const p = c.var.principal;
  const { row, key } = await createApiKey(
    services.db,
    {
      tenantId: p.tenantId,
      name: body.name,
      scopes: body.scopes,
      rateLimitPerMinute: body.rate_limit_per_minute,
      mode: body.mode,
      createdBy: p.type === "user" ? p.userId : null,
    },
    services.now(),
  );
  await services.audit.append(
    {
      tenantId: p.tenantId,
      ...actorOf(p),
      action: "api_key.created",
      targetType: "api_key",
      targetId: row.id,
      metadata: { prefix: row.prefix, scopes: row.scopes, mode: row.mode, rate_limit_per_minute: row.rateLimitPerMinute },
    },
    requestMeta(c),
  );
  return c.json({ ...publicApiKey(row), key }, 201);
};

export const listApiKeysHandler: RouteHandler<typeof listApiKeysRoute, AppEnv> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listApiKeys(c.var.services.db, c.var.principal.tenantId, limit, cursor);
  const { data, next_cursor } = page(rows, limit, (k) => k.id);
  return c.json({ data: data.map(publicApiKey), next_cursor }, 200);
};

export const revokeApiKeyHandler: RouteHandler<typeof revokeApiKeyRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const services = c.var.services;
  const p = c.var.principal;
  const outcome = await revokeApiKey(services.db, p.tenantId, id, services.now());
  if (!outcome) throw notFound("API key");
  if (outcome.revoked) {
    await services.audit.append({ tenantId: p.tenantId, ...actorOf(p), action: "api_key.revoked", targetType: "api_key", targetId: id }, requestMeta(c));
  }
  return c.body(null, 204);
};
