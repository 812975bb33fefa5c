/** The shared security suite applied to every authenticated identity route. */
import { ROLES } from "../../src/types";
import { createApiKey, createUserWithRole } from "../helpers/identity";
import { securitySuite } from "../security/suite";

securitySuite({ name: "GET /v1/me", method: "GET", path: () => "/v1/me", allowedRoles: [...ROLES] });
securitySuite({ name: "PATCH /v1/me", method: "PATCH", path: () => "/v1/me", body: () => ({ name: "Renamed" }), allowedRoles: [...ROLES] });
securitySuite({ name: "DELETE /v1/me", method: "DELETE", path: () => "/v1/me", allowedRoles: [...ROLES] });

securitySuite({ name: "GET /v1/users", method: "GET", path: () => "/v1/users", allowedRoles: ["admin"] });
securitySuite({
  name: "POST /v1/users",
  method: "POST",
  path: () => "/v1/users",
  body: () => ({ email: `new-${crypto.randomUUID()}@test.edge-kyc.local`, name: "New", password: "A-long-enough-password", role: "user" }),
  allowedRoles: ["admin"],
});
securitySuite({
  name: "PATCH /v1/users/{id}",
  method: "PATCH",
  setup: async ({ owner }) => ({ targetUserId: (await createUserWithRole(owner.accessToken, "user")).userId }),
  path: (ctx) => `/v1/users/${ctx.targetUserId}`,
  body: () => ({ name: "Renamed" }),
  allowedRoles: ["admin"],
  crossTenant: true,
});
securitySuite({
  name: "DELETE /v1/users/{id}",
  method: "DELETE",
  setup: async ({ owner }) => ({ targetUserId: (await createUserWithRole(owner.accessToken, "user")).userId }),
  path: (ctx) => `/v1/users/${ctx.targetUserId}`,
  allowedRoles: ["admin"],
  crossTenant: true,
});

securitySuite({
  name: "POST /v1/api-keys",
  method: "POST",
  path: () => "/v1/api-keys",
  body: () => ({ name: "k", scopes: ["faces"], rate_limit_per_minute: 10, mode: "test" }),
  allowedRoles: ["admin"],
});
securitySuite({ name: "GET /v1/api-keys", method: "GET", path: () => "/v1/api-keys", allowedRoles: ["admin"] });
securitySuite({
  name: "DELETE /v1/api-keys/{id}",
  method: "DELETE",
  setup: async ({ owner }) => ({ keyId: (await createApiKey(owner.accessToken)).id }),
  path: (ctx) => `/v1/api-keys/${ctx.keyId}`,
  allowedRoles: ["admin"],
  crossTenant: true,
});

securitySuite({ name: "GET /v1/audit", method: "GET", path: () => "/v1/audit", allowedRoles: ["admin", "auditor"] });
securitySuite({ name: "GET /v1/audit/verify", method: "GET", path: () => "/v1/audit/verify", allowedRoles: ["admin", "auditor"] });
