import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, login, registerTenant, revokeApiKey } from "../helpers/identity";
import { probeApp } from "../helpers/probe-app";

const readVerifications = probeApp({ roles: ["admin"], scope: "verifications:read" });

describe("API keys", () => {
  it("register → login → create a key → a call with it succeeds; after revoking, the same call → 401", async () => {
    const t = await registerTenant();
    const { accessToken } = await login(t.email, t.password);
    const created = await call("/v1/api-keys", {
      method: "POST",
      headers: bearer(accessToken),
      json: { name: "back end", scopes: ["verifications:read", "verifications:write"], rate_limit_per_minute: 100, mode: "live" },
    });
    expect(created.status).toBe(201);
    expect(created.data.key).toMatch(/^ekyc_live_[0-9a-f]{48}$/);
    expect(created.data.key.startsWith(created.data.prefix)).toBe(true);

    const ok = await readVerifications(apiKeyHeader(created.data.key));
    expect(ok.status).toBe(200);
    expect(ok.data.principal).toEqual({ type: "api_key", tenantId: t.tenantId, keyId: created.data.id, scopes: ["verifications:read", "verifications:write"], mode: "live" });

    expect((await call(`/v1/api-keys/${created.data.id}`, { method: "DELETE", headers: bearer(accessToken) })).status).toBe(204);
    expect(expectErrorShape(await readVerifications(apiKeyHeader(created.data.key)), 401, "UNAUTHORIZED").details.reason).toBe("revoked");
  });

  it("a key this isolate has cached is refused on its next request once the tenant's limiter object knows it revoked, even while D1 does not", async () => {
    // Revocation is recorded in the tenant's RateLimiter object first, then in D1; this is the state between the two
    // (or after a failed D1 write): the isolate's cached row says active, and the one call every request makes refuses it.
    const t = await registerTenant();
    const { id, key } = await createApiKey(t.accessToken, { scopes: ["verifications:read"] });
    const warm = await call("/v1/verifications", { headers: apiKeyHeader(key) });
    expect(warm.status).toBe(200);
    await env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`tenant:${t.tenantId}`)).revoke([id]);
    const row = await env.DB.prepare("SELECT revoked_at FROM api_keys WHERE id = ?").bind(id).first<{ revoked_at: number | null }>();
    expect(row?.revoked_at).toBeNull();
    const refused = await call("/v1/verifications", { headers: apiKeyHeader(key) });
    expect(expectErrorShape(refused, 401, "UNAUTHORIZED").details.reason).toBe("revoked");
  });

  it("test-mode keys are ekyc_test_… and say so in the principal", async () => {
    const t = await registerTenant();
    const { key } = await createApiKey(t.accessToken, { mode: "test" });
    expect(key).toMatch(/^ekyc_test_/);
    expect((await readVerifications(apiKeyHeader(key))).data.principal.mode).toBe("test");
  });

  it("lists keys with their prefix only, never the secret or its hash", async () => {
    const t = await registerTenant();
    const a = await createApiKey(t.accessToken, { name: "a" });
    const b = await createApiKey(t.accessToken, { name: "b" });
    await revokeApiKey(t.accessToken, a.id);
    const res = await call("/v1/api-keys", { headers: bearer(t.accessToken) });
    expect(res.status).toBe(200);
    expect(res.data.data.map((k: any) => k.id)).toEqual([b.id, a.id]);
    expect(res.data.data[1].revoked_at).not.toBeNull();
    expect(res.text).not.toContain(a.key);
    expect(res.text).not.toContain(b.key);
    expect(res.text).not.toMatch(/hash/i);
    expect(res.data.data[0].prefix).toBe(b.key.slice(0, 16));
  });

  it("paginates the list with a cursor", async () => {
    const t = await registerTenant();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createApiKey(t.accessToken, { name: `k${i}` })).id);
    const first = await call("/v1/api-keys?limit=2", { headers: bearer(t.accessToken) });
    expect(first.data.data.map((k: any) => k.id)).toEqual([ids[2], ids[1]]);
    expect(first.data.next_cursor).toBeTruthy();
    const second = await call(`/v1/api-keys?limit=2&cursor=${first.data.next_cursor}`, { headers: bearer(t.accessToken) });
    expect(second.data.data.map((k: any) => k.id)).toEqual([ids[0]]);
    expect(second.data.next_cursor).toBeNull();
  });

  it("validates the body with per-field details", async () => {
    const t = await registerTenant();
    const res = await call("/v1/api-keys", { method: "POST", headers: bearer(t.accessToken), json: { name: "", scopes: ["everything"], rate_limit_per_minute: 0, mode: "prod" } });
    const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
    expect(Object.keys(error.details.fields).sort()).toEqual(["mode", "name", "rate_limit_per_minute", "scopes.0"]);
  });

  it("revoking another tenant's key answers 404 and leaves the key working", async () => {
    const a = await registerTenant();
    const b = await registerTenant();
    const key = await createApiKey(a.accessToken);
    expectErrorShape(await call(`/v1/api-keys/${key.id}`, { method: "DELETE", headers: bearer(b.accessToken) }), 404, "NOT_FOUND");
    expect((await readVerifications(apiKeyHeader(key.key))).status).toBe(200);
  });

  it("a key without the route's scope gets 403, with rate-limit headers", async () => {
    const t = await registerTenant();
    const { key } = await createApiKey(t.accessToken, { scopes: ["faces"] });
    const res = await readVerifications(apiKeyHeader(key));
    expectErrorShape(res, 403, "FORBIDDEN");
    expect(res.headers.get("RateLimit-Limit")).toBe("1000");
  });

  it("records last use", async () => {
    const t = await registerTenant();
    const { id, key } = await createApiKey(t.accessToken);
    await readVerifications(apiKeyHeader(key));
    const row = await env.DB.prepare("SELECT last_used_at FROM api_keys WHERE id = ?").bind(id).first<{ last_used_at: number | null }>();
    expect(row?.last_used_at).toBeGreaterThan(Date.now() - 60_000);
  });

  it("only admins manage keys", async () => {
    const t = await registerTenant();
    const reviewer = await createUserWithRole(t.accessToken, "reviewer");
    expectErrorShape(await call("/v1/api-keys", { headers: bearer(reviewer.accessToken) }), 403, "FORBIDDEN");
  });
});

describe("per-key rate limit", () => {
  it("with rate_limit_per_minute 10, of 30 concurrent requests exactly 10 succeed and 20 get 429 with Retry-After", async () => {
    const t = await registerTenant();
    const { key } = await createApiKey(t.accessToken, { rate_limit_per_minute: 10 });
    const results = await Promise.all(Array.from({ length: 30 }, () => readVerifications(apiKeyHeader(key))));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(20);
    for (const r of limited) {
      expectErrorShape(r, 429, "RATE_LIMITED");
      expect(Number(r.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get("RateLimit-Limit")).toBe("10");
      expect(r.headers.get("RateLimit-Remaining")).toBe("0");
      expect(Number(r.headers.get("RateLimit-Reset"))).toBeGreaterThan(0);
    }
    for (const r of ok) {
      expect(r.headers.get("RateLimit-Limit")).toBe("10");
      expect(Number(r.headers.get("RateLimit-Remaining"))).toBeLessThan(10);
    }
    expect(new Set(ok.map((r) => r.headers.get("RateLimit-Remaining"))).size).toBe(10);
  });

  it("keys have separate buckets", async () => {
    const t = await registerTenant();
    const a = await createApiKey(t.accessToken, { rate_limit_per_minute: 2 });
    const b = await createApiKey(t.accessToken, { rate_limit_per_minute: 2 });
    const statuses = [];
    for (const k of [a, a, a, b]) statuses.push((await readVerifications(apiKeyHeader(k.key))).status);
    expect(statuses).toEqual([200, 200, 429, 200]);
  });
});
