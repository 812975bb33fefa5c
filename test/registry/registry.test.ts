/**
 * The issuer registry end to end in workerd with the local D1: bulk import as JSON and CSV (all or nothing), the
 * admin's list, revoke and delete, the walls between tenants and between test and live, what is stored (a keyed
 * hash, an encrypted holder), and the D1 lookup the `registry` layer reads.
 */
import { SELF, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app/services";
import { registryLayer } from "../../src/pipeline/layers/registry";
import { decodeOnce } from "../../src/pipeline/images";
import type { DeclaredData } from "../../src/pipeline/types";
import { d1RegistryLookup } from "../../src/registry/lookup";
import { deleteRegistryDocument, listRegistryDocuments, registryModeOf } from "../../src/registry/registry";
import type { Principal } from "../../src/types";
import { expectErrorShape } from "../helpers/http";
import { bearer, createUserWithRole, registerTenant } from "../helpers/identity";
import type { TenantFixture } from "../helpers/identity";

async function api(path: string, init: RequestInit & { json?: unknown; csv?: string } = {}) {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  if (init.csv !== undefined) {
    headers.set("Content-Type", "text/csv; charset=utf-8");
    body = init.csv;
  }
  const res = await SELF.fetch(`https://api.test${path}`, { ...init, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, data: text ? JSON.parse(text) : undefined, text };
}

const record = (over: Record<string, unknown> = {}) => ({
  document_number: "C01X00T47",
  document_type: "id_card",
  issuing_country: "DEU",
  first_name: "Erika",
  last_name: "Mustermann",
  date_of_birth: "1984-08-12",
  issue_date: "2021-03-01",
  expiry_date: "2031-02-28",
  ...over,
});

const importJson = (t: TenantFixture, records: unknown[], mode?: "live" | "test") =>
  api(`/v1/registry/documents${mode ? `?mode=${mode}` : ""}`, { method: "POST", headers: bearer(t.accessToken), json: { records } });
const list = (t: TenantFixture, query = "") => api(`/v1/registry/documents${query}`, { headers: bearer(t.accessToken) });

const CSV_HEADER = "document_number,document_type,issuing_country,first_name,last_name,date_of_birth,issue_date,expiry_date,status";
const numbered = (i: number) => `N${i.toString().padStart(8, "0")}`;

const declared = (over: Partial<DeclaredData> = {}): DeclaredData => ({
  firstName: "Erika",
  lastName: "Mustermann",
  dateOfBirth: "1984-08-12",
  country: "DE",
  documentType: "id_card",
  documentNumber: "C01X00T47",
  documentIssuingCountry: "DE",
  documentExpiry: null,
  mrz: null,
  ...over,
});
const noMrz = { of: async () => ({ parsed: null, declaredParsed: null }) };

describe("/v1/registry/documents", () => {
  let t: TenantFixture;
  beforeAll(async () => {
    t = await registerTenant();
  });

  it("imports JSON, lists the records with the holder decrypted and never the number, and upserts on re-import", async () => {
    const first = await importJson(t, [record(), record({ document_number: "P1234567", document_type: "passport", status: "revoked" })]);
    expect(first.status, first.text).toBe(200);
    expect(first.data).toEqual({ imported: 2, updated: 0 });

    const listed = await list(t);
    expect(listed.status).toBe(200);
    expect(listed.data.data).toHaveLength(2);
    const card = listed.data.data.find((r: any) => r.document_type === "id_card");
    expect(card).toMatchObject({ mode: "live", issuing_country: "DE", status: "valid", issue_date: "2021-03-01", expiry_date: "2031-02-28", holder: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12" }, revoked_at: null });
    expect(card.id).toMatch(/^reg_/);
    expect(listed.data.data.find((r: any) => r.document_type === "passport")).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });
    expect(listed.text).not.toMatch(/C01X00T47|P1234567|hash|_enc/i);

    // Same number, type and country (written differently) → updated in place; a new number → imported.
    const again = await importJson(t, [record({ document_number: "c01x-00t 47", issuing_country: "DE", last_name: "Gabler" }), record({ document_number: "T22000129" })]);
    expect(again.data).toEqual({ imported: 1, updated: 1 });
    const found = await list(t, "?document_number=C01X00T47");
    expect(found.data.data).toHaveLength(1);
    expect(found.data.data[0]).toMatchObject({ id: card.id, holder: { last_name: "Gabler" } });
  });

  it("imports CSV (quoted cells, CRLF, optional columns left empty) and finds a record by its number", async () => {
    const u = await registerTenant();
    const csv = `${CSV_HEADER}\r\nX0000001,id_card,FR,"Anne, Marie","D'Arc",1990-01-06,,,\r\nX0000002,driving_licence,GB,John,Smith,1970-05-01,2015-01-01,2025-01-01,revoked\r\n`;
    const res = await api("/v1/registry/documents", { method: "POST", headers: bearer(u.accessToken), csv });
    expect(res.status, res.text).toBe(200);
    expect(res.data).toEqual({ imported: 2, updated: 0 });
    const found = await list(u, "?document_number=x0000001");
    expect(found.data.data).toEqual([expect.objectContaining({ issuing_country: "FR", status: "valid", issue_date: null, expiry_date: null, holder: { first_name: "Anne, Marie", last_name: "D'Arc", date_of_birth: "1990-01-06" } })]);
  });

  it("refuses an import with an invalid record, listing rows and fields, and writes nothing", async () => {
    const u = await registerTenant();
    const json = await importJson(u, [record(), record({ document_number: "A2", date_of_birth: "12/08/1984", issuing_country: "ZZ" }), record({ document_number: "A3", document_type: "visa" })]);
    const error = expectErrorShape(json, 400, "VALIDATION_ERROR");
    expect(error.message).toMatch(/2 records are invalid.*nothing was imported/);
    expect(error.details.rows).toEqual([
      { index: 1, fields: { date_of_birth: [expect.any(String)], issuing_country: [expect.any(String)] } },
      { index: 2, fields: { document_type: [expect.any(String)] } },
    ]);
    expect(Object.keys(error.details.fields)).toEqual(expect.arrayContaining(["records.1.date_of_birth", "records.2.document_type"]));

    const csv = await api("/v1/registry/documents", { method: "POST", headers: bearer(u.accessToken), csv: `${CSV_HEADER}\nA1,id_card,DE,Erika,Mustermann,1984-08-12,,,\nA2,id_card,DE,,Mustermann,1984-08-12,,,\n\nA3,id_card,DE,Erika,Mustermann,1984-08-12,2031-01-01,2021-01-01,\n` });
    const csvError = expectErrorShape(csv, 400, "VALIDATION_ERROR");
    expect(csvError.details.rows).toEqual([
      { index: 1, line: 3, fields: { first_name: ["required"] } },
      { index: 2, line: 5, fields: { expiry_date: ["must not be before issue_date"] } },
    ]);

    const twice = expectErrorShape(await importJson(u, [record(), record({ document_number: "C01X-00T47" })]), 400, "VALIDATION_ERROR");
    expect(twice.details.rows[0]).toMatchObject({ index: 1, fields: { document_number: [expect.stringMatching(/records\[0\]/)] } });

    expect((await list(u)).data.data).toEqual([]);
    const { results } = await env.DB.prepare("SELECT id FROM registry_documents WHERE tenant_id = ?").bind(u.tenantId).all();
    expect(results).toEqual([]);
  });

  it("takes 1,000 records in one call and refuses 1,001 (JSON or CSV) with the count, writing nothing", async () => {
    const u = await registerTenant();
    const thousand = Array.from({ length: 1000 }, (_, i) => record({ document_number: numbered(i) }));
    const started = Date.now();
    const ok = await importJson(u, thousand);
    const ms = Date.now() - started;
    expect(ok.status, ok.text.slice(0, 300)).toBe(200);
    expect(ok.data).toEqual({ imported: 1000, updated: 0 });
    console.log(`registry import: 1000 records in ${ms} ms`);

    const tooMany = expectErrorShape(await importJson(u, [...thousand, record({ document_number: "EXTRA1" })], "test"), 400, "VALIDATION_ERROR");
    expect(tooMany.message).toMatch(/At most 1,000 records per call; this one has 1,001/);
    expect(tooMany.details).toMatchObject({ max_records: 1000, records: 1001 });

    const rows = Array.from({ length: 1001 }, (_, i) => `${numbered(i)},id_card,DE,Erika,Mustermann,1984-08-12,,,`);
    const csv = await api("/v1/registry/documents?mode=test", { method: "POST", headers: bearer(u.accessToken), csv: `${CSV_HEADER}\n${rows.join("\n")}\n` });
    expect(expectErrorShape(csv, 400, "VALIDATION_ERROR").details).toMatchObject({ records: 1001 });
    expect((await list(u, "?mode=test")).data.data).toEqual([]);
  });

  it("refuses other roles with 403, other media types with 415, and a missing body with 400", async () => {
    const reviewer = await createUserWithRole(t.accessToken, "reviewer");
    expectErrorShape(await api("/v1/registry/documents", { method: "POST", headers: bearer(reviewer.accessToken), json: { records: [record()] } }), 403, "FORBIDDEN");
    expectErrorShape(await api("/v1/registry/documents", { headers: bearer(reviewer.accessToken) }), 403, "FORBIDDEN");
    expectErrorShape(await api("/v1/registry/documents", { method: "POST", headers: { ...bearer(t.accessToken), "Content-Type": "application/xml" }, body: "<records/>" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectErrorShape(await api("/v1/registry/documents", { method: "POST", headers: bearer(t.accessToken) }), 400, "VALIDATION_ERROR");
  });

  it("another tenant cannot list, revoke or delete the records (404), and they stay", async () => {
    const owner = await registerTenant();
    const other = await registerTenant();
    await importJson(owner, [record()]);
    const [mine] = (await list(owner)).data.data;
    expect((await list(other)).data.data).toEqual([]);
    expect((await list(other, "?document_number=C01X00T47")).data.data).toEqual([]);
    expectErrorShape(await api(`/v1/registry/documents/${mine.id}`, { method: "DELETE", headers: bearer(other.accessToken) }), 404, "NOT_FOUND");
    expectErrorShape(await api(`/v1/registry/documents/${mine.id}/revoke`, { method: "POST", headers: bearer(other.accessToken) }), 404, "NOT_FOUND");
    expect((await list(owner)).data.data).toEqual([expect.objectContaining({ id: mine.id, status: "valid" })]);
  });

  it("revokes and deletes a record, auditing each write without personal data", async () => {
    const u = await registerTenant();
    await importJson(u, [record()]);
    const [r] = (await list(u)).data.data;
    const revoked = await api(`/v1/registry/documents/${r.id}/revoke`, { method: "POST", headers: bearer(u.accessToken) });
    expect(revoked.status).toBe(200);
    expect(revoked.data).toMatchObject({ id: r.id, status: "revoked", revoked_at: expect.any(String) });
    expect((await api(`/v1/registry/documents/${r.id}/revoke`, { method: "POST", headers: bearer(u.accessToken) })).data.revoked_at).toBe(revoked.data.revoked_at);

    expect((await api(`/v1/registry/documents/${r.id}`, { method: "DELETE", headers: bearer(u.accessToken) })).status).toBe(204);
    expect((await list(u)).data.data).toEqual([]);
    expectErrorShape(await api(`/v1/registry/documents/${r.id}`, { method: "DELETE", headers: bearer(u.accessToken) }), 404, "NOT_FOUND");

    const { results } = await env.DB.prepare("SELECT action, target_id, metadata FROM audit_events WHERE tenant_id = ? AND action LIKE 'registry%' ORDER BY id").bind(u.tenantId).all<{ action: string; target_id: string | null; metadata: string }>();
    expect(results.map((e) => e.action)).toEqual(["registry.imported", "registry_document.revoked", "registry_document.deleted"]);
    expect(JSON.parse(results[0].metadata)).toEqual({ mode: "live", records: 1, revoked: 0 });
    expect(JSON.stringify(results)).not.toMatch(/C01X00T47|Erika|Mustermann|1984/i);
  });

  it("stores the number only as a keyed hash and the holder encrypted", async () => {
    const u = await registerTenant();
    await importJson(u, [record({ document_number: "Z9Y8X7W6" })]);
    const row = await env.DB.prepare("SELECT * FROM registry_documents WHERE tenant_id = ?").bind(u.tenantId).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    expect(row?.document_number_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.holder_enc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toMatch(/Z9Y8X7W6|Erika|Mustermann|1984-08-12/i);
    // Keyed per tenant: the same number in another tenant hashes differently.
    const v = await registerTenant();
    await importJson(v, [record({ document_number: "Z9Y8X7W6" })]);
    const other = await env.DB.prepare("SELECT document_number_hash FROM registry_documents WHERE tenant_id = ?").bind(v.tenantId).first<{ document_number_hash: string }>();
    expect(other?.document_number_hash).not.toBe(row?.document_number_hash);
  });
});

describe("the registry's OpenAPI contract", () => {
  it("documents the four operations, JSON and CSV bodies, admin security and the error responses", async () => {
    const doc = (await api("/openapi.json")).data;
    const ops = doc.paths["/v1/registry/documents"];
    expect(ops.post.operationId).toBe("importRegistryDocuments");
    expect(Object.keys(ops.post.requestBody.content)).toEqual(["application/json", "text/csv"]);
    expect(Object.keys(ops.post.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "413", "415"]));
    expect(ops.get.operationId).toBe("listRegistryDocuments");
    expect(doc.paths["/v1/registry/documents/{id}"].delete.operationId).toBe("deleteRegistryDocument");
    expect(doc.paths["/v1/registry/documents/{id}/revoke"].post.operationId).toBe("revokeRegistryDocument");
    for (const op of [ops.post, ops.get]) expect(op.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe("test and live registers", () => {
  it("are apart: a test import is invisible to the live list, the live lookup and a test-mode key", async () => {
    const u = await registerTenant();
    await importJson(u, [record({ document_number: "TESTONLY1" })], "test");
    await importJson(u, [record({ document_number: "LIVEONLY1" })]);
    expect((await list(u)).data.data).toHaveLength(1);
    const testList = await list(u, "?mode=test");
    expect(testList.data.data).toEqual([expect.objectContaining({ mode: "test" })]);

    const s = createServices(env);
    expect(await d1RegistryLookup(s, { tenantId: u.tenantId, mode: "live" })("TESTONLY1")).toEqual([]);
    expect(await d1RegistryLookup(s, { tenantId: u.tenantId, mode: "test" })("TESTONLY1")).toHaveLength(1);

    // An API key is pinned to its own register (the routes take admins only today; the domain is ready for keys).
    const testKey: Principal = { type: "api_key", tenantId: u.tenantId, keyId: "key_test", scopes: [], mode: "test" };
    const mode = registryModeOf(testKey, undefined);
    expect(mode).toBe("test");
    expect(() => registryModeOf(testKey, "live")).toThrow(/test register only/);
    const seen = await listRegistryDocuments(s, u.tenantId, mode, { limit: 50 });
    expect(seen.map((r) => r.mode)).toEqual(["test"]);
    const live = (await list(u)).data.data[0];
    await expect(deleteRegistryDocument(s, testKey, live.id, {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await list(u)).data.data).toHaveLength(1);
  });
});

describe("registry layer over D1", () => {
  const ctx = { clock: () => 0, today: "2026-12-03", images: decodeOnce() };
  const run = (tenantId: string, d: DeclaredData) =>
    registryLayer(d1RegistryLookup(createServices(env), { tenantId, mode: "live" }), noMrz).run({ verificationId: "ver_x", tenantId, declared: d, media: [], request: { country: null, ip: null } }, ctx);

  it("a registered document presented with another holder name → REGISTRY_MISMATCH; the same number in another tenant → no registry finding", async () => {
    const issuer = await registerTenant();
    const stranger = await registerTenant();
    await importJson(issuer, [record()]);

    const genuine = await run(issuer.tenantId, declared());
    expect(genuine.findings.map((f) => f.code)).toEqual(["REGISTRY_MATCH"]);

    const impostor = await run(issuer.tenantId, declared({ firstName: "Max" }));
    expect(impostor.status).toBe("failed");
    expect(impostor.findings).toEqual([expect.objectContaining({ code: "REGISTRY_MISMATCH", data: expect.objectContaining({ fields: ["first_name"] }) })]);

    const elsewhere = await run(stranger.tenantId, declared({ firstName: "Max" }));
    expect(elsewhere.status).toBe("skipped");
    expect(elsewhere.findings.map((f) => f.code)).toEqual(["REGISTRY_NOT_FOUND"]);
  });
});
