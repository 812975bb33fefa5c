/**
 * Per-client-IP rate limit for unauthenticated endpoints that cost us PBKDF2 work or create accounts
 * (login, register): one RATE_LIMITER object per `ip:<action>:<ip>`. Keyed on CF-Connecting-IP, which Cloudflare
 * always sets in production; without it (local tools, tests that do not opt in) there is no trustworthy client
 * address, so no limit is applied rather than throttling every such caller as one.
 */
import type { MiddlewareHandler } from "hono";
import { rateLimitHeaders, rateLimitedError, takeRateLimit } from "../identity/rate-limit";
import type { AppEnv } from "../app/context";

export function ipRateLimit(action: string, perMinute: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ip = c.req.header("CF-Connecting-IP")?.trim();
    if (!ip) return next();
    const result = await takeRateLimit(c.var.services.rateLimits, `ip:${action}:${ip}`, perMinute);
    if (!result.allowed) throw rateLimitedError(result);
    await next();
    for (const [name, value] of Object.entries(rateLimitHeaders(result))) c.header(name, value);
  };
}
