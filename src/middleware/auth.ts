/**
 * Authentication and authorisation for routes.
 *
 * `requireAuth(rule)` accepts either credential:
 * - `Authorization: Bearer <JWT>` (users): the ES256 access token is verified (algorithm, issuer, audience,
 *   expiry pinned) and the user is re-read from D1, so a deleted user is refused at once and a role change
 *   applies to the next request. Allowed iff `rule.roles` includes the user's current role.
 * - `X-API-Key: <key>` (tenant back ends): allowed iff `rule.scope` is set and the key has that scope. Every
 *   key request first takes a token from the key's bucket in the RATE_LIMITER Durable Object
 *   (`rate_limit_per_minute`); the response carries `RateLimit-*` headers, and a refusal is 429 with `Retry-After`.
 *
 * Missing or invalid credentials → 401 with one generic message (the reason goes to the log only);
 * authenticated but not allowed → 403. On success `c.var.principal` is set.
 *
 * @example
 * createRoute({ method: "get", path: "/v1/verifications/{id}", middleware: [requireAuth({ roles: ["admin", "reviewer"], scope: "verifications:read" })] as const, ... })
 */
import type { Context, MiddlewareHandler } from "hono";
import { ApiError, forbidden, unauthorized } from "../lib/errors";
import { log } from "../lib/log";
import { authenticateApiKey, touchApiKey } from "../identity/api-keys";
import { rateLimitHeaders, rateLimitedError, takeRateLimit } from "../identity/rate-limit";
import { getUser } from "../identity/users";
import type { Principal, RequestMeta, Role, Scope } from "../types";
import type { AppEnv } from "../app/context";

export interface AccessRule {
  /** Roles of users allowed; omit to refuse every user token. */
  roles?: Role[];
  /** The scope an API key must hold; omit to refuse every API key. */
  scope?: Scope;
}

const GENERIC_401 = "Missing or invalid credentials";

function refuse(c: Context<AppEnv>, reason: string): never {
  log.info("auth_refused", { request_id: c.get("requestId"), path: c.req.path, reason });
  throw unauthorized(GENERIC_401);
}

async function authenticateUser(c: Context<AppEnv>, header: string): Promise<Principal> {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  if (!match) refuse(c, "malformed authorization header");
  const { tokens, db, now } = c.var.services;
  const verified = await tokens.verifyAccessToken(match[1], now());
  if (!verified.ok) refuse(c, `jwt: ${verified.reason}`);
  const user = await getUser(db, verified.claims.tid, verified.claims.sub);
  if (!user) refuse(c, "jwt subject no longer exists");
  return { type: "user", tenantId: user.tenantId, userId: user.id, role: user.role };
}

function waitUntil(c: Context<AppEnv>, work: Promise<unknown>) {
  const logged = work.catch((err) => log.warn("background_task_failed", { request_id: c.get("requestId"), error: err }));
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    // No execution context (e.g. app.request in a unit test): the promise still runs, just unattended.
  }
}

export function requireAuth(rule: AccessRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const authorization = c.req.header("Authorization");
    const presentedKey = c.req.header("X-API-Key");

    if (authorization) {
      const principal = await authenticateUser(c, authorization);
      if (principal.type !== "user" || !rule.roles?.includes(principal.role)) throw forbidden();
      c.set("principal", principal);
      return next();
    }

    if (!presentedKey) refuse(c, "no credentials");
    const services = c.var.services;
    const found = await authenticateApiKey(services.db, presentedKey.trim());
    if (!found.ok) refuse(c, `api key ${found.reason}`);
    const key = found.key;

    const limit = await takeRateLimit(services.rateLimits, `key:${key.id}`, key.rateLimitPerMinute);
    if (!limit.allowed) throw rateLimitedError(limit);
    waitUntil(c, touchApiKey(services.db, key, services.now()));

    const scopes = key.scopes as Scope[];
    const headers = rateLimitHeaders(limit);
    if (!rule.scope || !scopes.includes(rule.scope)) {
      throw new ApiError("FORBIDDEN", "The API key lacks the scope this operation requires", { headers });
    }
    c.set("principal", { type: "api_key", tenantId: key.tenantId, keyId: key.id, scopes, mode: key.mode });
    await next();
    // After next(): errors inside the route were already turned into c.res, so every response gets the headers.
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
  };
}

/** Where a request came from, for the audit log: Cloudflare's client IP header and `cf` properties. */
export function requestMeta(c: Context): RequestMeta {
  const cf = c.req.raw.cf as { country?: unknown } | undefined;
  return {
    ip: c.req.header("CF-Connecting-IP") ?? null,
    userAgent: c.req.header("User-Agent") ?? null,
    country: typeof cf?.country === "string" ? cf.country : null,
  };
}
