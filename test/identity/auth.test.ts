import { env } from "cloudflare:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { TEST_PASSWORD, bearer, login, registerTenant, uniqueEmail } from "../helpers/identity";

describe("register", () => {
  it("creates a tenant and its first admin, signed in, with 201", async () => {
    const email = uniqueEmail();
    const res = await call("/v1/auth/register", { method: "POST", json: { email: `  ${email.toUpperCase()} `, password: TEST_PASSWORD, name: "Ada", tenant_name: "Acme" } });
    expect(res.status).toBe(201);
    expect(res.data.user).toMatchObject({ email, name: "Ada", role: "admin", tenant_id: res.data.tenant.id });
    expect(res.data.tenant.name).toBe("Acme");
    expect(res.data.token_type).toBe("Bearer");
    expect(res.data.expires_in).toBe(900);
    expect(res.data.user.password_hash).toBeUndefined();
    const claims = decodeJwt(res.data.access_token);
    expect(claims).toMatchObject({ sub: res.data.user.id, tid: res.data.tenant.id, role: "admin", iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect(decodeProtectedHeader(res.data.access_token)).toMatchObject({ alg: "ES256", kid: JSON.parse(env.JWT_PRIVATE_KEY).kid });
  });

  it("refuses an email that is already registered, whatever its case, with 409", async () => {
    const t = await registerTenant();
    const res = await call("/v1/auth/register", { method: "POST", json: { email: t.email.toUpperCase(), password: TEST_PASSWORD, name: "B", tenant_name: "B" } });
    expectErrorShape(res, 409, "CONFLICT");
  });

  it("refuses short and common passwords with per-field details", async () => {
    for (const password of ["short", "password123", "aaaaaaaaaaaa"]) {
      const res = await call("/v1/auth/register", { method: "POST", json: { email: uniqueEmail(), password, name: "A", tenant_name: "T" } });
      const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
      expect(error.details.fields.password.length, password).toBeGreaterThan(0);
    }
  });

  it("reports every invalid field", async () => {
    const res = await call("/v1/auth/register", { method: "POST", json: { email: "not-an-email", password: TEST_PASSWORD, name: "", tenant_name: 5 } });
    const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
    expect(Object.keys(error.details.fields).sort()).toEqual(["email", "name", "tenant_name"]);
  });
});

describe("login", () => {
  it("returns an access token and a refresh token", async () => {
    const t = await registerTenant();
    const res = await call("/v1/auth/login", { method: "POST", json: { email: ` ${t.email.toUpperCase()}`, password: t.password } });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    expect(typeof res.data.access_token).toBe("string");
    expect(typeof res.data.refresh_token).toBe("string");
    const me = await call("/v1/me", { headers: bearer(res.data.access_token) });
    expect(me.status).toBe(200);
    expect(me.data.email).toBe(t.email);
  });

  it("answers a wrong password and an unknown email with the same 401 message", async () => {
    const t = await registerTenant();
    const wrong = await call("/v1/auth/login", { method: "POST", json: { email: t.email, password: "Wrong-password-123" } });
    const unknown = await call("/v1/auth/login", { method: "POST", json: { email: uniqueEmail(), password: "Wrong-password-123" } });
    const a = expectErrorShape(wrong, 401, "UNAUTHORIZED");
    const b = expectErrorShape(unknown, 401, "UNAUTHORIZED");
    expect(a.message).toBe(b.message);
  });

  it("answers malformed JSON with 400 MALFORMED_JSON carrying the request id", async () => {
    const res = await call("/v1/auth/login", { method: "POST", body: '{"email": "a@b.c", "password":', headers: { "Content-Type": "application/json" } });
    const error = expectErrorShape(res, 400, "MALFORMED_JSON");
    expect(error.request_id).toBe(res.headers.get("X-Request-Id"));
  });

  it("answers missing fields with 400 VALIDATION_ERROR and per-field details", async () => {
    const res = await call("/v1/auth/login", { method: "POST", json: { email: "nobody" } });
    const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
    expect(error.details.fields.email).toBeTruthy();
    expect(error.details.fields.password).toBeTruthy();
  });

  it("limits attempts per client IP with 429, Retry-After and RateLimit headers", async () => {
    const t = await registerTenant();
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 15 }, () => call("/v1/auth/login", { method: "POST", headers: { "CF-Connecting-IP": ip }, json: { email: t.email, password: "Wrong-password-123" } })),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(10);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    for (const r of limited) {
      expectErrorShape(r, 429, "RATE_LIMITED");
      expect(Number(r.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get("RateLimit-Limit")).toBe("10");
      expect(r.headers.get("RateLimit-Remaining")).toBe("0");
    }
    // Another IP is not affected.
    const elsewhere = await call("/v1/auth/login", { method: "POST", headers: { "CF-Connecting-IP": `${ip}-other` }, json: { email: t.email, password: t.password } });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers.get("RateLimit-Limit")).toBe("10");
  });

  it("limits registrations per client IP", async () => {
    const ip = `203.0.113.${crypto.randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call("/v1/auth/register", { method: "POST", headers: { "CF-Connecting-IP": ip }, json: { email: uniqueEmail(), password: TEST_PASSWORD, name: "A", tenant_name: "T" } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });
});

describe("refresh and logout", () => {
  it("rotates the refresh token on every use", async () => {
    const t = await registerTenant();
    const first = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.data.refresh_token).not.toBe(t.refreshToken);
    const me = await call("/v1/me", { headers: bearer(first.data.access_token) });
    expect(me.status).toBe(200);
    const second = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: first.data.refresh_token } });
    expect(second.status).toBe(200);
  });

  it("reusing a rotated refresh token answers 401 and revokes the token that replaced it", async () => {
    const t = await registerTenant();
    const rotated = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } });
    expect(rotated.status).toBe(200);
    const reuse = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } });
    expectErrorShape(reuse, 401, "UNAUTHORIZED");
    const replacement = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: rotated.data.refresh_token } });
    expectErrorShape(replacement, 401, "UNAUTHORIZED");
    const audit = await call("/v1/audit?action=auth.refresh_reuse", { headers: bearer(rotated.data.access_token) });
    expect(audit.status).toBe(200);
    expect(audit.data.data).toHaveLength(1);
    expect(audit.data.data[0]).toMatchObject({ target_type: "user", target_id: t.userId });
  });

  it("other sessions of the same user survive a reuse in one family", async () => {
    const t = await registerTenant();
    const other = await login(t.email, t.password);
    await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } });
    await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } });
    const res = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: other.refreshToken } });
    expect(res.status).toBe(200);
  });

  it("of two concurrent refreshes with one token, exactly one succeeds", async () => {
    const t = await registerTenant();
    const results = await Promise.all([1, 2, 3].map(() => call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("logout revokes the session's refresh tokens and is idempotent", async () => {
    const t = await registerTenant();
    const rotated = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } });
    const out = await call("/v1/auth/logout", { method: "POST", json: { refresh_token: rotated.data.refresh_token } });
    expect(out.status).toBe(204);
    expectErrorShape(await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: rotated.data.refresh_token } }), 401, "UNAUTHORIZED");
    expect((await call("/v1/auth/logout", { method: "POST", json: { refresh_token: rotated.data.refresh_token } })).status).toBe(204);
    expect((await call("/v1/auth/logout", { method: "POST", json: { refresh_token: "rt_unknown" } })).status).toBe(204);
  });

  it("an unknown refresh token answers 401", async () => {
    expectErrorShape(await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: "rt_nope" } }), 401, "UNAUTHORIZED");
  });
});

describe("JWKS", () => {
  it("publishes the public key that verifies access tokens, without the private part", async () => {
    const res = await call("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const kid = JSON.parse(env.JWT_PRIVATE_KEY).kid;
    expect(res.data.keys).toHaveLength(1);
    expect(res.data.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", kid, alg: "ES256", use: "sig" });
    expect(res.data.keys[0].d).toBeUndefined();
    const t = await registerTenant();
    const { createLocalJWKSet, jwtVerify } = await import("jose");
    const { payload } = await jwtVerify(t.accessToken, createLocalJWKSet(res.data), { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE });
    expect(payload.sub).toBe(t.userId);
  });
});
