import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";

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
  });

  it("keeps a client-sent X-Request-Id so callers can correlate logs", async () => {
    const res = await call("/health", { headers: { "X-Request-Id": "client-abc-123" } });
    expect(res.headers.get("X-Request-Id")).toBe("client-abc-123");
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
