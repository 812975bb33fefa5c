/**
 * The OpenAPI document a client generator or a linter reads: an operationId on every operation, `security: []`
 * on public ones, 429 and 500 documented, and the response headers the API really sends (checked against a
 * real response).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import { bearer, registerTenant } from "../helpers/identity";

let spec: any;
const operations: { method: string; path: string; op: any }[] = [];

beforeAll(async () => {
  spec = (await call("/openapi.json")).data;
  for (const [path, ops] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) operations.push({ method, path, op });
  }
});

describe("/openapi.json", () => {
  it("gives every operation a unique operationId", () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(operations.filter((o) => !o.op.operationId).map((o) => `${o.method} ${o.path}`)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.length).toBeGreaterThanOrEqual(35);
  });

  it("states security on every operation: `security: []` exactly on the public ones", () => {
    const missing = operations.filter((o) => !Array.isArray(o.op.security)).map((o) => `${o.method} ${o.path}`);
    expect(missing).toEqual([]);
    const publicOps = operations.filter((o) => o.op.security.length === 0).map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(publicOps.sort()).toEqual(
      ["GET /.well-known/jwks.json", "GET /health", "GET /health/ready", "POST /v1/auth/login", "POST /v1/auth/logout", "POST /v1/auth/refresh", "POST /v1/auth/register"].sort(),
    );
  });

  it("documents 429 (with Retry-After and RateLimit-*) on every authenticated operation, and 500 on all", () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      expect(op.responses["500"], where).toBeTruthy();
      if (op.security.length === 0 && !path.startsWith("/v1/auth/")) continue;
      const limited = op.responses["429"];
      expect(limited, where).toBeTruthy();
      expect(Object.keys(limited.headers), where).toEqual(expect.arrayContaining(["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]));
      if (op.security.length) expect(op.responses["401"]?.headers?.["WWW-Authenticate"], where).toBeTruthy();
    }
  });

  it("documents X-Request-Id on every response and Idempotent-Replayed where Idempotency-Key is honoured", () => {
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries<any>(op.responses)) expect(response.headers?.["X-Request-Id"], `${method} ${path} ${status}`).toBeTruthy();
    }
    const create = operations.find((o) => o.op.operationId === "createVerification");
    expect(create?.op.responses["201"].headers["Idempotent-Replayed"]).toBeTruthy();
    expect(Object.keys(spec.components.headers)).toEqual(
      expect.arrayContaining(["X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "WWW-Authenticate", "Idempotent-Replayed"]),
    );
  });

  it("the documented headers are the ones a real response carries", async () => {
    const admin = await registerTenant();
    const res = await call("/v1/me", { headers: bearer(admin.accessToken) });
    for (const name of ["X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]) expect(res.headers.get(name), name).toBeTruthy();
    const refused = await call("/v1/me");
    expect(refused.headers.get("WWW-Authenticate")).toBeTruthy();
  });
});
