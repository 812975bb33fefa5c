/** The shared security suite on every verification, review and settings route, plus cross-tenant API keys. */
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { createBody, createVerification } from "../helpers/verifications";
import { securitySuite } from "../security/suite";
import type { SuiteTenants } from "../security/suite";

const ownVerification = async ({ owner }: SuiteTenants) => {
  const key = apiKeyHeader((await createApiKey(owner.accessToken)).key);
  return { verificationId: (await createVerification(key)).id };
};

securitySuite({ name: "POST /v1/verifications", method: "POST", path: () => "/v1/verifications", body: () => createBody(), allowedRoles: ["user", "admin"], scope: "verifications:write" });
securitySuite({ name: "GET /v1/verifications", method: "GET", path: () => "/v1/verifications", allowedRoles: ["admin", "reviewer", "auditor"], scope: "verifications:read" });
securitySuite({
  name: "GET /v1/verifications/{id}",
  method: "GET",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}`,
  // A plain user is let through to their own verifications only, so for this one (an API key's) they get 404.
  allowedRoles: ["admin", "reviewer", "auditor", "user"],
  scope: "verifications:read",
  crossTenant: true,
});
securitySuite({
  name: "PUT /v1/verifications/{id}/media/{kind}",
  method: "PUT",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/media/selfie`,
  allowedRoles: ["admin", "user"],
  scope: "verifications:write",
  crossTenant: true,
});
securitySuite({
  name: "POST /v1/verifications/{id}/submit",
  method: "POST",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/submit`,
  allowedRoles: ["admin", "user"],
  scope: "verifications:write",
  crossTenant: true,
});
securitySuite({
  name: "GET /v1/verifications/{id}/receipt",
  method: "GET",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/receipt`,
  allowedRoles: ["admin", "reviewer", "user"],
  scope: "verifications:read",
  crossTenant: true,
});
securitySuite({
  name: "DELETE /v1/verifications/{id}",
  method: "DELETE",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}`,
  allowedRoles: ["admin"],
  scope: "verifications:write",
  crossTenant: true,
  skipPositiveControl: true,
});
securitySuite({
  name: "POST /v1/verifications/{id}/redecide",
  method: "POST",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/redecide`,
  allowedRoles: ["admin"],
  crossTenant: true,
});
securitySuite({
  name: "POST /v1/verifications/{id}/review",
  method: "POST",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/review`,
  body: () => ({ decision: "approve", reason: "looks right" }),
  allowedRoles: ["reviewer", "admin"],
  crossTenant: true,
});
securitySuite({ name: "GET /v1/review/queue", method: "GET", path: () => "/v1/review/queue", allowedRoles: ["reviewer", "admin"] });
securitySuite({ name: "GET /v1/settings", method: "GET", path: () => "/v1/settings", allowedRoles: ["admin", "auditor"] });
securitySuite({ name: "PATCH /v1/settings", method: "PATCH", path: () => "/v1/settings", body: () => ({ retention_days: 30 }), allowedRoles: ["admin"] });

describe("API keys of another tenant", () => {
  it("see none of this tenant's verifications: every route answers 404 and changes nothing", async () => {
    const [a, b] = await Promise.all([registerTenant(), registerTenant()]);
    const keyA = apiKeyHeader((await createApiKey(a.accessToken)).key);
    const keyB = apiKeyHeader((await createApiKey(b.accessToken)).key);
    const { id } = await createVerification(keyA);
    const attempts = [
      call(`/v1/verifications/${id}`, { headers: keyB }),
      call(`/v1/verifications/${id}/media/selfie`, { method: "PUT", headers: { ...keyB, "Content-Type": "image/jpeg" }, body: new Uint8Array([0xff, 0xd8, 0xff]) }),
      call(`/v1/verifications/${id}/submit`, { method: "POST", headers: keyB }),
      call(`/v1/verifications/${id}/receipt`, { headers: keyB }),
      call(`/v1/verifications/${id}/events`, { headers: keyB }),
      call(`/v1/verifications/${id}`, { method: "DELETE", headers: keyB }),
    ];
    for (const res of await Promise.all(attempts)) expectErrorShape(res, 404, "NOT_FOUND");
    const list = await call("/v1/verifications", { headers: keyB });
    expect(list.data.data).toEqual([]);
    const still = await call(`/v1/verifications/${id}`, { headers: keyA });
    expect(still.data).toMatchObject({ status: "created", erased: false });
    expect(still.data.applicant.first_name).toBe("Erika");
  });
});
securitySuite({
  name: "GET /v1/verifications/{id}/export",
  method: "GET",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/export`,
  allowedRoles: ["admin"],
  scope: "verifications:read",
  crossTenant: true,
});
securitySuite({
  name: "GET /v1/verifications/{id}/evidence/{name}",
  method: "GET",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/evidence/face_selfie`,
  allowedRoles: ["admin", "reviewer"],
  crossTenant: true,
  // The verification has no evidence yet (404 for an allowed caller); test/core/evidence-files.test.ts serves real files.
  skipPositiveControl: true,
});
