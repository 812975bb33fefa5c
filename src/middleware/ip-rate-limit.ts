/**
 * Per-client-address rate limits: one RATE_LIMITER object per `ip:<action>:<address>`, where an IPv6 address counts
 * by its /64 (`clientAddressKey`). For unauthenticated endpoints that cost us PBKDF2 work, create accounts or touch
 * sessions (login, register, refresh, logout), for the hosted capture page, and for every request carrying a
 * verification-session secret (taken before the secret is even looked up). Keyed on CF-Connecting-IP, which Cloudflare
 * always sets in production; without it (local tools, tests that do not opt in) there is no trustworthy client
 * address, so no limit is applied rather than throttling every such caller as one.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RateLimitResult } from "../ports";
import { clientAddressKey, rateLimitHeaders, rateLimitedError, takeRateLimit } from "../identity/rate-limit";
import type { AppEnv } from "../app/context";

/**
 * Takes one request from the caller's address budget for `action`; throws the 429 when it is spent. Returns the
 * result for the response headers, or null when the request has no client address.
 */
export async function takeAddressLimit(c: Context<AppEnv>, action: string, perMinute: number): Promise<RateLimitResult | null> {
  const ip = c.req.header("CF-Connecting-IP")?.trim();
  if (!ip) return null;
  const result = await takeRateLimit(c.var.services.rateLimits, `ip:${action}:${clientAddressKey(ip)}`, perMinute, "address");
  if (!result.allowed) throw rateLimitedError(result);
  return result;
}

export function ipRateLimit(action: string, perMinute: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const result = await takeAddressLimit(c, action, perMinute);
    await next();
    // A narrower limit taken inside the route (e.g. per account on login) already set its headers.
    if (!result || c.res.headers.has("RateLimit-Limit")) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(result))) c.header(name, value);
  };
}
