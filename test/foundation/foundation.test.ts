import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";

describe("health", () => {
  it("GET /health answers 200 with version and time, and an X-Request-Id", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(res.data.status).toBe("ok");
    expect(res.data.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(res.data.time)).not.toBeNaN();
    expect(res.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("GET /health/ready checks D1, R2, queues and Durable Objects", async () => {
    const res = await call("/health/ready");
    expect(res.status).toBe(200);
    expect(res.data.status).toBe("ready");
    for (const name of ["d1", "r2_media", "r2_models", "queue_verification_jobs", "queue_webhook_deliveries", "durable_object_rate_limiter", "durable_object_verification_events"]) {
      expect(res.data.checks[name], name).toMatchObject({ ok: true });
    }
  });

  it("sets security headers on responses", async () => {
    const res = await call("/health");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Strict-Transport-Security")).toBeTruthy();
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
  });

  it("keeps API responses out of caches unless the route allows it: personal data is never stored by a browser or proxy", async () => {
    const key = apiKeyHeader((await createApiKey((await registerTenant()).accessToken)).key);
    for (const res of [await call("/v1/verifications?limit=1", { headers: key }), await call("/v1/verifications/ver_x", { headers: key })]) {
      expect(res.headers.get("Cache-Control")).toBe("no-store");
    }
    const jwks = await call("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("Cache-Control")).toBe("public, max-age=300");
  });

  it("keeps a client-sent X-Request-Id so callers can correlate logs", async () => {
    const res = await call("/health", { headers: { "X-Request-Id": "client-abc-123" } });
    expect(res.headers.get("X-Request-Id")).toBe("client-abc-123");
  });
});

describe("CORS (CORS_ORIGINS = * in the test bindings)", () => {
  const origin = "https://app.example";

  it("answers a browser's preflight for an API-key call", async () => {
    const res = await call("/v1/verifications", {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-API-Key, Content-Type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Headers")).toContain("X-API-Key");
    expect(res.headers.get("Access-Control-Max-Age")).toBe("600");
  });

  it("a cross-origin response, an error one too, is readable with the headers a client needs", async () => {
    for (const res of [await call("/health", { headers: { Origin: origin } }), await call("/v1/verifications/ver_x", { headers: { Origin: origin } })]) {
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(res.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-Id");
      expect(res.headers.get("Access-Control-Expose-Headers")).toContain("RateLimit-Remaining");
    }
  });

  it("a server's call (no Origin) gets no CORS headers, says it varies by Origin, and keeps every other header", async () => {
    const key = apiKeyHeader((await createApiKey((await registerTenant()).accessToken)).key);
    const res = await call("/v1/verifications?limit=1", { headers: key });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(res.headers.get("Vary")).toContain("Origin");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Request-Id")).toBeTruthy();
    expect(res.headers.get("RateLimit-Limit")).toBeTruthy();
  });
});

describe("error contract", () => {
  it("an unknown path is a 404 in the error shape", async () => {
    const res = await call("/v1/does-not-exist");
    const error = expectErrorShape(res, 404, "NOT_FOUND");
    expect(error.message).toContain("/v1/does-not-exist");
  });

  it("never leaks a stack trace", async () => {
    const res = await call("/v1/does-not-exist");
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it("a body over the global limit is refused with 413", async () => {
    const big = new Uint8Array(33 * 1024 * 1024);
    const res = await call("/v1/auth/login", { method: "POST", body: big, headers: { "Content-Type": "application/json" } });
    expectErrorShape(res, 413, "PAYLOAD_TOO_LARGE");
  });
});

describe("OpenAPI", () => {
  it("serves a valid OpenAPI 3.1 document listing the routes", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.data.openapi).toBe("3.1.0");
    expect(res.data.info.title).toBe("edge-kyc");
    expect(Object.keys(res.data.paths)).toContain("/health/ready");
    for (const [path, ops] of Object.entries<any>(res.data.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect(op.responses, `${method} ${path}`).toBeTruthy();
      }
    }
    expect(res.data.components.schemas.Error).toBeTruthy();
  });

  it("serves a browsable /docs page that needs no network", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    expect(res.text).toContain("/openapi.json");
    expect(res.text).not.toMatch(/<script[^>]+src=["']https?:/);
  });
});
