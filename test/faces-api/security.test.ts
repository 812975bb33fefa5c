/** The shared security suite on both face routes, plus the scope check spelled out. */
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { securitySuite } from "../security/suite";

securitySuite({ name: "POST /v1/faces/detect", method: "POST", path: () => "/v1/faces/detect", allowedRoles: ["admin", "reviewer"], scope: "faces" });
securitySuite({ name: "POST /v1/faces/compare", method: "POST", path: () => "/v1/faces/compare", allowedRoles: ["admin", "reviewer"], scope: "faces" });

describe("faces scope", () => {
  it("an API key with every scope but `faces` → 403 FORBIDDEN on both routes; with `faces` it gets past authorisation", async () => {
    const tenant = await registerTenant();
    const without = apiKeyHeader((await createApiKey(tenant.accessToken, { scopes: ["verifications:read", "verifications:write", "webhooks"] })).key);
    const withFaces = apiKeyHeader((await createApiKey(tenant.accessToken, { scopes: ["faces"] })).key);
    for (const path of ["/v1/faces/detect", "/v1/faces/compare"]) {
      const refused = expectErrorShape(await call(path, { method: "POST", headers: without, body: new FormData() }), 403, "FORBIDDEN");
      expect(refused.message).toMatch(/scope/);
      // An empty form: refused for the input (400), not for the credentials.
      expect((await call(path, { method: "POST", headers: withFaces, body: new FormData() })).status).toBe(400);
    }
  });
});
