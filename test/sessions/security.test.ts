/**
 * The shared security suite on the four verification-session operations: create, read and cancel take an admin or an
 * API key with the verifications scope (another tenant's session is 404); the exchange takes only a session's client
 * secret, so every user and every API key is refused (403) — the session-specific refusals are in sessions.test.ts.
 */
import { call } from "../helpers/http";
import { bearer } from "../helpers/identity";
import { createBody } from "../helpers/verifications";
import { securitySuite } from "../security/suite";
import type { SuiteTenants } from "../security/suite";

async function ownSession({ owner }: SuiteTenants): Promise<{ sessionId: string }> {
  const res = await call("/v1/verification-sessions", { method: "POST", headers: bearer(owner.accessToken), json: createBody() });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${res.text}`);
  return { sessionId: res.data.id as string };
}

securitySuite({ name: "POST /v1/verification-sessions", method: "POST", path: () => "/v1/verification-sessions", body: () => createBody(), allowedRoles: ["admin"], scope: "verifications:write" });
securitySuite({
  name: "GET /v1/verification-sessions/{id}",
  method: "GET",
  setup: ownSession,
  path: (ctx) => `/v1/verification-sessions/${ctx.sessionId}`,
  allowedRoles: ["admin"],
  scope: "verifications:read",
  crossTenant: true,
});
securitySuite({
  name: "POST /v1/verification-sessions/{id}/cancel",
  method: "POST",
  setup: ownSession,
  path: (ctx) => `/v1/verification-sessions/${ctx.sessionId}/cancel`,
  allowedRoles: ["admin"],
  scope: "verifications:write",
  crossTenant: true,
  // The positive control would cancel the session; sessions.test.ts checks cancel itself.
  skipPositiveControl: true,
});
securitySuite({
  name: "POST /v1/verification-sessions/{id}/exchange",
  method: "POST",
  setup: ownSession,
  path: (ctx) => `/v1/verification-sessions/${ctx.sessionId}/exchange`,
  allowedRoles: [],
  // Only a client secret may call it; the suite has no such credential, so there is no positive control here.
  skipPositiveControl: true,
});
