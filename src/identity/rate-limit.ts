/**
 * Client side of the RATE_LIMITER Durable Object: one object per limited subject (`key:<api key id>`,
 * `ip:login:<ip>`, `ip:register:<ip>`), so each subject's bucket is counted exactly by a single-threaded object.
 * `rateLimitHeaders` gives the IETF draft `RateLimit-*` headers (plus `Retry-After` when refused).
 */
import { ApiError } from "../lib/errors";
import type { RateLimitResult, RateLimits } from "../ports";

export const RATE_WINDOW_MS = 60_000;

export function takeRateLimit(limits: RateLimits, subject: string, limit: number, windowMs = RATE_WINDOW_MS): Promise<RateLimitResult> {
  return limits.take(subject, limit, windowMs);
}

export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  return {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining),
    "RateLimit-Reset": String(result.resetSeconds),
    ...(result.allowed ? {} : { "Retry-After": String(result.retryAfterSeconds) }),
  };
}

export function rateLimitedError(result: RateLimitResult): ApiError {
  return new ApiError("RATE_LIMITED", `Too many requests; retry after ${result.retryAfterSeconds} s`, {
    headers: rateLimitHeaders(result),
    details: { limit: result.limit, retry_after_seconds: result.retryAfterSeconds },
  });
}
