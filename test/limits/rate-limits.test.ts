/**
 * Rate limits for every caller: users as well as API keys, a tenant-wide bucket on top of each caller's, a lower
 * budget for expensive routes, login limited per account and per address (IPv6 per /64), refresh and logout
 * limited. 429s carry Retry-After and RateLimit-* headers and say which budget ran out.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { RateLimiter, declaredLimits, takeTokens } from "../../durable-objects/rate-limiter";
import { BUDGETS, callerBuckets, clientAddressKey } from "../../src/identity/rate-limit";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant, uniqueEmail } from "../helpers/identity";
import type { TenantFixture } from "../helpers/identity";

let tenant: TenantFixture;

beforeAll(async () => {
  tenant = await registerTenant({ tenantName: "Rates" });
});

const expectLimited = (res: Awaited<ReturnType<typeof call>>, budget: string, limit: number) => {
  const error = expectErrorShape(res, 429, "RATE_LIMITED");
  expect(error.details.budget).toBe(budget);
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  expect(res.headers.get("RateLimit-Limit")).toBe(String(limit));
  expect(res.headers.get("RateLimit-Remaining")).toBe("0");
};

describe("users are rate-limited like API keys", () => {
  it("100 rapid POST /v1/faces/detect with one user JWT: the expensive budget runs out and the rest get 429 with Retry-After", async () => {
    const reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
    // Not an image: each allowed call is a cheap 415, so the test measures the limiter, not the models.
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        call("/v1/faces/detect", { method: "POST", headers: { ...bearer(reviewer.accessToken), "Content-Type": "application/octet-stream" }, body: "not an image" }),
      ),
    );
    const limited = results.filter((r) => r.status === 429);
    const served = results.filter((r) => r.status !== 429);
    expect(served.length).toBeGreaterThanOrEqual(BUDGETS.expensiveCaller);
    expect(limited.length).toBeGreaterThanOrEqual(100 - BUDGETS.expensiveCaller - 10);
    for (const r of served) expect(r.status).toBe(415);
    for (const r of limited) expectLimited(r, "expensive_caller", BUDGETS.expensiveCaller);
  });

  it("a user's ordinary responses carry RateLimit-* headers of their own budget", async () => {
    const res = await call("/v1/me", { headers: bearer(tenant.accessToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Limit")).toBe(String(BUDGETS.user));
    expect(Number(res.headers.get("RateLimit-Remaining"))).toBeLessThan(BUDGETS.user);
  });

  it("the whole-chain audit check draws from the expensive budget too", async () => {
    const auditor = await createUserWithRole(tenant.accessToken, "auditor");
    const res = await call("/v1/audit/verify", { headers: bearer(auditor.accessToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Limit")).toBe(String(BUDGETS.expensiveCaller));
  });
});

describe("the tenant-wide bucket", () => {
  it("callers draw from their own bucket and the tenant's; a key with a higher limit lifts the tenant's to it", () => {
    const user = callerBuckets({ type: "user", tenantId: "t", userId: "u" }, false);
    expect(user).toEqual([
      { name: "user:u", limit: BUDGETS.user },
      { name: "tenant", limit: BUDGETS.tenant },
    ]);
    const bigKey = callerBuckets({ type: "api_key", tenantId: "t", keyId: "k", limit: 100_000 }, true).map((b) => b.name + "=" + b.limit);
    expect(bigKey).toEqual(["key:k=100000", "tenant=100000", `expensive:key:k=${BUDGETS.expensiveCaller}`, `expensive:tenant=${BUDGETS.expensiveTenant}`]);
  });

  it("is shared exactly under concurrency: of 40 concurrent requests from two callers against a tenant budget of 25, exactly 25 pass", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`test-tenant:${crypto.randomUUID()}`));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        stub.takeAll([
          { name: i % 2 ? "key:a" : "user:b", limit: 20 },
          { name: "tenant", limit: 25 },
        ]),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(25);
    const refused = results.filter((r) => !r.allowed);
    expect(refused.every((r) => r.bucket === "tenant" || r.bucket === "key:a" || r.bucket === "user:b")).toBe(true);
  });

  it("writes buckets behind: storage has them once the alarm ran, and a rebuilt object carries on from there", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`test-tenant:${crypto.randomUUID()}`));
    for (let i = 0; i < 3; i++) expect((await stub.takeAll([{ name: "tenant", limit: 4 }])).allowed).toBe(true);
    const stored = () => runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ tokens: number }>("SELECT tokens FROM buckets WHERE name = 'tenant'").toArray()[0]?.tokens);
    expect(await stored()).toBeUndefined(); // not yet written: the alarm is pending
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored()).toBeCloseTo(1, 0);
    // An object rebuilt from storage (as after eviction) sees the 1 token left, not a fresh bucket.
    const left = await runInDurableObject(stub, (_o, state) => new RateLimiter(state, env).takeAll([{ name: "tenant", limit: 4 }]));
    expect(left).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("keeps its size when a smaller caller comes by: a console user's request does not cut a 100,000/min key's budget", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`test-tenant:${crypto.randomUUID()}`));
    const bigKey = callerBuckets({ type: "api_key", tenantId: "t", keyId: "k", limit: 100_000 }, false);
    const user = callerBuckets({ type: "user", tenantId: "t", userId: "u" }, false);
    for (let i = 0; i < 3; i++) expect((await stub.takeAll(bigKey)).allowed).toBe(true);
    expect(await stub.takeAll(user)).toMatchObject({ allowed: true, bucket: "user:u", remaining: BUDGETS.user - 1 });
    // The tenant bucket still holds ~99,996 tokens (before, the user's call cut it to 3,000 and the key saw 2,998 left).
    const next = await stub.takeAll(bigKey);
    expect(next).toMatchObject({ allowed: true, limit: 100_000 });
    expect(next.remaining).toBeGreaterThan(99_990);
  });

  it("keeps that size across eviction: an object rebuilt from storage does not let a smaller caller cut the key's budget", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`test-tenant:${crypto.randomUUID()}`));
    const bigKey = callerBuckets({ type: "api_key", tenantId: "t", keyId: "k", limit: 100_000 }, false);
    const user = callerBuckets({ type: "user", tenantId: "t", userId: "u" }, false);
    for (let i = 0; i < 3; i++) expect((await stub.takeAll(bigKey)).allowed).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const next = await runInDurableObject(stub, async (_o, state) => {
      const rebuilt = new RateLimiter(state, env);
      expect(rebuilt.takeAll(user)).toMatchObject({ allowed: true, bucket: "user:u" });
      return rebuilt.takeAll(bigKey);
    });
    // Without the stored declaration the user's call sized the tenant bucket at its own limit and the key saw ~2,998 left.
    expect(next).toMatchObject({ allowed: true, limit: 100_000 });
    expect(next.remaining).toBeGreaterThan(99_990);
  });

  it("an object whose buckets were stored before declarations were gets the columns and keeps its tokens", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`test-tenant:${crypto.randomUUID()}`));
    const left = await runInDurableObject(stub, async (_o, state) => {
      state.storage.sql.exec("DROP TABLE buckets");
      state.storage.sql.exec("CREATE TABLE buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL)");
      state.storage.sql.exec("INSERT INTO buckets VALUES ('tenant', 2, ?)", Date.now());
      return new RateLimiter(state, env).takeAll([{ name: "tenant", limit: 4 }]);
    });
    expect(left).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("sizes a bucket by the highest limit declared within its window, which lapses when its caller stops", () => {
    const declared = new Map();
    const size = (limit: number, nowMs: number) => declaredLimits(declared, [{ name: "tenant", limit, windowMs: 60_000 }], nowMs)[0].limit;
    expect(size(100_000, 0)).toBe(100_000);
    expect(size(3_000, 1_000)).toBe(100_000); // a smaller caller within the window
    expect(size(100_000, 50_000)).toBe(100_000); // the larger caller again: its declaration is renewed
    expect(size(3_000, 100_000)).toBe(100_000); // 50 s after the renewal
    expect(size(3_000, 111_000)).toBe(3_000); // 61 s after it: lapsed
    expect(size(3_000, 112_000)).toBe(3_000);
  });

  it("takes from every bucket or from none: a refusal by one bucket leaves the others untouched", () => {
    const states = new Map([["tenant", { tokens: 0, updatedMs: 0 }]]);
    const step = takeTokens(states, [{ name: "key:a", limit: 5 }, { name: "tenant", limit: 5 }], 0);
    expect(step.result).toMatchObject({ allowed: false, bucket: "tenant" });
    expect(step.updates.size).toBe(0);
  });
});

describe("login, refresh and logout", () => {
  // Concurrent requests: each takes its token before any password work, so the bucket cannot refill in between.
  it("login is limited per account, whatever the address", async () => {
    const t = await registerTenant();
    const results = await Promise.all(
      Array.from({ length: BUDGETS.loginAccount + 5 }, (_, i) =>
        call("/v1/auth/login", { method: "POST", headers: { "CF-Connecting-IP": `192.0.2.${i + 1}` }, json: { email: t.email, password: "Wrong-password-123" } }),
      ),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(BUDGETS.loginAccount);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    for (const r of limited) expectLimited(r, "account", BUDGETS.loginAccount);
    // Another account from the same addresses is not affected.
    const other = await registerTenant();
    const res = await call("/v1/auth/login", { method: "POST", headers: { "CF-Connecting-IP": "192.0.2.1" }, json: { email: other.email, password: other.password } });
    expect(res.status).toBe(200);
  });

  it("login is limited per IPv6 /64: addresses in one /64 share a bucket, another /64 does not", async () => {
    const group = Math.floor(Math.random() * 0xfff0);
    const prefix = `2001:db8:77:${group.toString(16)}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call("/v1/auth/login", { method: "POST", headers: { "CF-Connecting-IP": `${prefix}:${(i + 1).toString(16)}::${i + 1}` }, json: { email: uniqueEmail(), password: "Wrong-password-123" } }),
      ),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(10);
    expect(results.filter((r) => r.status === 429)).toHaveLength(2);
    const elsewhere = await call("/v1/auth/login", {
      method: "POST",
      headers: { "CF-Connecting-IP": `2001:db8:77:${(group + 1).toString(16)}::1` },
      json: { email: uniqueEmail(), password: "Wrong-password-123" },
    });
    expect(elsewhere.status).toBe(401);
  });

  it("refresh and logout are limited per address", async () => {
    for (const [path, ok] of [["/v1/auth/refresh", 401], ["/v1/auth/logout", 204]] as const) {
      const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      const results = await Promise.all(
        Array.from({ length: 35 }, (_, i) => call(path, { method: "POST", headers: { "CF-Connecting-IP": ip }, json: { refresh_token: `bogus-${i}` } })),
      );
      expect(results.filter((r) => r.status === ok), path).toHaveLength(30);
      const limited = results.filter((r) => r.status === 429);
      expect(limited, path).toHaveLength(5);
      for (const r of limited) expectLimited(r, "client_address", 30);
    }
  });

  it("keys an address by IPv4, by IPv6 /64, and an IPv4-mapped address as IPv4", () => {
    expect(clientAddressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientAddressKey("2001:DB8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(clientAddressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("[2001:db8:1:2::1]")).toBe("2001:db8:1:2::/64");
  });
});

describe("API keys", () => {
  it("a key's 429 names its own budget", async () => {
    const { key } = await createApiKey(tenant.accessToken, { rate_limit_per_minute: 2 });
    const statuses: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < 3; i++) statuses.push(await call("/v1/verifications?limit=1", { headers: apiKeyHeader(key) }));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expectLimited(statuses[2], "api_key", 2);
  });
});
