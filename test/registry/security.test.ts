/**
 * The shared security suite on every registry route (admins only; API keys refused; another tenant's record → 404).
 * Runs against the mounted API (src/routes/index.ts), like every other route's suite.
 */
import { call } from "../helpers/http";
import { bearer } from "../helpers/identity";
import { securitySuite } from "../security/suite";
import type { SuiteTenants } from "../security/suite";

const records = [{ document_number: "C01X00T47", document_type: "id_card", issuing_country: "DE", first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12" }];

const ownRecord = async ({ owner }: SuiteTenants) => {
  await call("/v1/registry/documents", { method: "POST", headers: bearer(owner.accessToken), json: { records } });
  const listed = await call("/v1/registry/documents", { headers: bearer(owner.accessToken) });
  return { recordId: listed.data.data[0].id as string };
};

securitySuite({ name: "POST /v1/registry/documents", method: "POST", path: () => "/v1/registry/documents", body: () => ({ records }), allowedRoles: ["admin"] });
securitySuite({ name: "GET /v1/registry/documents", method: "GET", path: () => "/v1/registry/documents", allowedRoles: ["admin"] });
securitySuite({ name: "POST /v1/registry/documents/{id}/revoke", method: "POST", setup: ownRecord, path: (ctx) => `/v1/registry/documents/${ctx.recordId}/revoke`, allowedRoles: ["admin"], crossTenant: true });
securitySuite({ name: "DELETE /v1/registry/documents/{id}", method: "DELETE", setup: ownRecord, path: (ctx) => `/v1/registry/documents/${ctx.recordId}`, allowedRoles: ["admin"], crossTenant: true });
