/**
 * Per-client-address rate limit for unauthenticated endpoints that cost us PBKDF2 work, create accounts or touch
 * sessions (login, register, refresh, logout): one RATE_LIMITER object per `ip:<action>:<address>`, where an
 * IPv6 address counts by its /64 (`clientAddressKey`). Keyed on CF-Connecting-IP, which Cloudflare
 * always sets in production; without it (local tools, tests that do not opt in) there is no trustworthy client
 * address, so no limit is applied rather than throttling every such caller as one.
 */
import type { MiddlewareHandler } from "hono";
import { clientAddressKey, rateLimitHeaders, rateLimitedError, takeRateLimit } from "../identity/rate-limit";
import type { AppEnv } from "../app/context";

export function ipRateLimit(action: string, perMinute: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ip = c.req.header("CF-Connecting-IP")?.trim();
    if (!ip) return next();
    const result = await takeRateLimit(c.var.services.rateLimits, `ip:${action}:${clientAddressKey(ip)}`, perMinute, "address");
    if (!result.allowed) throw rateLimitedError(result);
    await next();
    // A narrower limit taken inside the route (e.g. per account on login) already set its headers.
    if (c.res.headers.has("RateLimit-Limit")) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(result))) c.header(name, value);
  };
}
