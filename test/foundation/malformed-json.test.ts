/**
 * Every JSON route listed in /openapi.json, called by a tenant admin (so authorisation lets it through) with a
 * malformed JSON body, answers 400 MALFORMED_JSON in the one error shape, with request_id = X-Request-Id.
 */
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { bearer, registerTenant } from "../helpers/identity";

describe("malformed JSON on every JSON route", () => {
  it("is refused with 400 MALFORMED_JSON before anything runs", async () => {
    const admin = await registerTenant();
    const spec = (await call("/openapi.json")).data;
    const tried: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!op.requestBody?.content?.["application/json"]) continue;
        const url = path.replace(/\{[^}]+\}/g, "ver_000000000000000000000000");
        const res = await call(url, {
          method: method.toUpperCase(),
          headers: { ...bearer(admin.accessToken), "Content-Type": "application/json" },
          body: '{"unterminated": ',
        });
        expect(res.status, `${method.toUpperCase()} ${path}: ${JSON.stringify(res.data)}`).toBe(400);
        expectErrorShape(res, 400, "MALFORMED_JSON");
        tried.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(tried).toEqual(expect.arrayContaining(["POST /v1/auth/login", "POST /v1/verifications", "PATCH /v1/settings"]));
    expect(tried.length).toBeGreaterThanOrEqual(10);
  });
});
