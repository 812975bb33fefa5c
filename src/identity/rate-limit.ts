/**
 * Client side of the RATE_LIMITER Durable Object, and the budgets.
 *
 * - Authenticated callers: one object per tenant (`tenant:<id>`) holds the caller's bucket (`key:<id>` at the
 *   key's `rate_limit_per_minute`, or `user:<id>` at `USER_PER_MINUTE`), the tenant-wide bucket, and for
 *   expensive routes (face models, whole-chain audit check, re-decision) a lower per-caller and per-tenant
 *   budget; one `takeAll` counts a request against all of them exactly.
 * - Unauthenticated routes: one object per client address (`ip:<action>:<address>`, IPv6 per /64) and, for
 *   login, one per account (`account:login:<sha256 of the email>`).
 * `rateLimitHeaders` gives the IETF draft `RateLimit-*` headers (plus `Retry-After` when refused).
 */
import type { BucketRequest, RateLimitResult, RateLimits } from "../ports";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";

export const RATE_WINDOW_MS = 60_000;

/** Requests per minute. */
export const BUDGETS = {
  /** Each signed-in user. */
  user: 600,
  /**
   * Everything a tenant's keys and users send together, or more when one of its keys has a higher limit: the bucket
   * is sized by the highest limit declared for it in the last minute (durable-objects/rate-limiter.ts).
   */
  tenant: 3_000,
  /** Expensive routes, per caller (key or user). */
  expensiveCaller: 60,
  /** Expensive routes, per tenant. */
  expensiveTenant: 300,
  /** Login attempts per account, from anywhere (per client address: `LOGIN_PER_MINUTE` in auth.routes.ts). */
  loginAccount: 20,
} as const;

export type Caller = { type: "api_key"; tenantId: string; keyId: string; limit: number } | { type: "user"; tenantId: string; userId: string };

/** One token from the bucket `bucket` of the object for `subject`. */
export async function takeRateLimit(limits: RateLimits, subject: string, limit: number, bucket = "", windowMs = RATE_WINDOW_MS): Promise<RateLimitResult> {
  return limits.takeAll(subject, [{ name: bucket, limit, windowMs }]);
}

/** The buckets one request of `caller` draws from (all in the tenant's object). */
export function callerBuckets(caller: Caller, expensive: boolean): BucketRequest[] {
  const own = caller.type === "api_key" ? { name: `key:${caller.keyId}`, limit: caller.limit } : { name: `user:${caller.userId}`, limit: BUDGETS.user };
  const buckets: BucketRequest[] = [own, { name: "tenant", limit: Math.max(BUDGETS.tenant, own.limit) }];
  if (expensive) buckets.push({ name: `expensive:${own.name}`, limit: BUDGETS.expensiveCaller }, { name: "expensive:tenant", limit: BUDGETS.expensiveTenant });
  return buckets;
}

/** The tenant's limiter object: its buckets, and the revocations of its API keys. */
export const tenantSubject = (tenantId: string) => `tenant:${tenantId}`;

/**
 * Takes one token from each of the caller's buckets (or none, when any is empty). With `apiKeyId`, the same call
 * refuses a key revoked since this isolate cached it (`revoked: true`, see src/identity/api-keys.ts).
 */
export async function takeCallerLimit(limits: RateLimits, caller: Caller, expensive = false, apiKeyId?: string): Promise<RateLimitResult> {
  const buckets = callerBuckets(caller, expensive).map((b) => ({ ...b, windowMs: RATE_WINDOW_MS }));
  return limits.takeAll(tenantSubject(caller.tenantId), buckets, apiKeyId);
}

/** Login attempts against one account, whatever address they come from. */
export async function takeAccountLimit(limits: RateLimits, action: string, email: string, limit: number): Promise<RateLimitResult> {
  return takeRateLimit(limits, `account:${action}:${await sha256Hex(email.trim().toLowerCase())}`, limit, "account");
}

function expandIpv6(ip: string): number[] | null {
  const [head, tail, ...rest] = ip.split("::");
  if (rest.length) return null;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const left = parse(head);
  const right = parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? left.length !== 8 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  const values = groups.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  return values.some(Number.isNaN) ? null : values;
}

/**
 * The address a limit is keyed on: IPv4 as is; IPv6 by its /64 prefix (one subscriber usually holds a whole /64,
 * so per-address limits would be walked around); an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function clientAddressKey(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(":")) return address;
  const groups = expandIpv6(address);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  return {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(result.remaining),
    "RateLimit-Reset": String(result.resetSeconds),
    ...(result.allowed ? {} : { "Retry-After": String(result.retryAfterSeconds) }),
  };
}

/** Which budget ran out, named for the client: the code in `details.budget` and words for the message. */
function budgetOf(bucket: string | undefined): { code: string; words: string } {
  if (bucket === "tenant") return { code: "tenant", words: "the tenant-wide limit" };
  if (bucket === "expensive:tenant") return { code: "expensive_tenant", words: "the tenant's limit for expensive operations (faces, audit verify, redecide)" };
  if (bucket?.startsWith("expensive:")) return { code: "expensive_caller", words: "this caller's limit for expensive operations (faces, audit verify, redecide)" };
  if (bucket?.startsWith("key:")) return { code: "api_key", words: "this API key's limit" };
  if (bucket?.startsWith("user:")) return { code: "user", words: "this user's limit" };
  if (bucket === "account") return { code: "account", words: "this account's limit of sign-in attempts" };
  if (bucket === "address") return { code: "client_address", words: "this client address's limit" };
  return { code: "client", words: "the limit" };
}

export function rateLimitedError(result: RateLimitResult): ApiError {
  const budget = budgetOf(result.bucket);
  return new ApiError("RATE_LIMITED", `Too many requests: ${budget.words} of ${result.limit} per minute is used up; retry after ${result.retryAfterSeconds} s`, {
    headers: rateLimitHeaders(result),
    details: { limit: result.limit, retry_after_seconds: result.retryAfterSeconds, budget: budget.code },
  });
}
