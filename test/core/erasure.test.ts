/**
 * Erasure that leaves nothing behind, an export that is the signed counterpart of the deletion receipt, and a
 * one-call create that stores nothing when refused.
 */
import { env } from "cloudflare:test";
import { compactVerify, createLocalJWKSet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app/services";
import { processJob } from "../../src/verifications/processing";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { documentPortrait, selfiePortrait } from "../helpers/portraits";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

const MARK = {
  first: "Wilhelmina",
  last: "Vergessenwerden",
  dob: "1979-03-14",
  number: "ERASE0042X",
  email: "wilhelmina.vergessen@example.org",
  ip: "203.0.113.77",
  ua: "MarkerAgent/9.9 (erasure-test)",
};
const body = () =>
  createBody({
    applicant: { first_name: MARK.first, last_name: MARK.last, date_of_birth: MARK.dob, country: "DE", email: MARK.email },
    document: { type: "id_card", number: MARK.number, issuing_country: "DE" },
    external_ref: "crm-erasure-42",
  });

async function verifyJws(jws: string) {
  const jwks = (await call("/.well-known/jwks.json")).data;
  const { payload } = await compactVerify(jws, createLocalJWKSet(jwks));
  return JSON.parse(new TextDecoder().decode(payload));
}

/** Every row of every D1 table, as text, to search for personal data. */
async function everyRow(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'").all<{ name: string }>();
  const dumps = await Promise.all(tables.results.map(async (t) => JSON.stringify((await env.DB.prepare(`SELECT * FROM "${t.name}"`).all()).results)));
  return dumps.join("\n");
}

describe("erasure", () => {
  it("a DELETE while the job runs wins: nothing personal survives anywhere and the receipt lists only what was erased", async () => {
    const headers = { ...key, "CF-Connecting-IP": MARK.ip, "User-Agent": MARK.ua, "Idempotency-Key": `erase-${Date.now()}` };
    const res = await call("/v1/verifications", { method: "POST", headers, json: body() });
    expect(res.status).toBe(201);
    const id = res.data.id as string;
    await upload(key, id, "document_front", documentPortrait());
    await upload(key, id, "selfie", selfiePortrait());
    // Submitted but not enqueued, so this test runs the job itself and erases in the middle of it.
    await env.DB.prepare("UPDATE verifications SET status = 'submitted', submitted_at = ? WHERE id = ?").bind(Date.now(), id).run();

    const s = createServices(env);
    let receipt: { receipt: string; payload: Record<string, unknown> } | undefined;
    // The erasure lands after the pipeline ran (it reads the settings to decide) and before the job commits.
    const settings = {
      ...s.settings,
      async get(tenantId: string) {
        const del = await call(`/v1/verifications/${id}`, { method: "DELETE", headers: key });
        expect(del.status).toBe(200);
        receipt = del.data;
        return s.settings.get(tenantId);
      },
    };
    const outcome = await processJob({ ...s, settings }, { verification_id: id, tenant_id: tenant.tenantId, enqueued_at: Date.now() }, { engine: s.faceEngine(), clock: () => performance.now() });
    expect(outcome).toBe("erased");

    const dump = await everyRow();
    for (const value of Object.values(MARK)) expect(dump).not.toContain(value);
    expect(dump).not.toContain("crm-erasure-42");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM face_embeddings WHERE verification_id = ?").bind(id).first<{ n: number }>())?.n).toBe(0);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM layer_results WHERE verification_id = ?").bind(id).first<{ n: number }>())?.n).toBe(0);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM idempotency_keys WHERE resource_id = ?").bind(id).first<{ n: number }>())?.n).toBe(0);
    expect((await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/verifications/${id}/` })).objects).toHaveLength(0);
    expect(await env.VERIFICATION_EVENTS.get(env.VERIFICATION_EVENTS.idFromName(id)).list(0)).toEqual([]);

    const signed = await verifyJws(receipt!.receipt);
    expect(signed.erased_fields).toEqual(["applicant.first_name", "applicant.last_name", "applicant.date_of_birth", "applicant.email", "document.number", "request.ip", "external_ref"]);
    expect(signed.r2_objects_deleted).toBe(2);
    expect(signed.media_rows_deleted).toBe(2);

    const view = await call(`/v1/verifications/${id}`, { headers: key });
    expect(view.data.erased).toBe(true);
    expect(view.data.applicant).toBeNull();
    expect((await call("/v1/audit/verify", { headers: { Authorization: `Bearer ${tenant.accessToken}` } })).data.valid).toBe(true);
  });
});

describe("export (access request)", () => {
  it("is a JWS verifiable with the JWKS holding the declared data, and 404 after erasure", async () => {
    const { id } = await createVerification(key, body());
    const res = await call(`/v1/verifications/${id}/export`, { headers: key });
    expect(res.status).toBe(200);
    const payload = await verifyJws(res.data.export);
    expect(payload.verification_id).toBe(id);
    expect(payload.declared.applicant).toMatchObject({ first_name: MARK.first, last_name: MARK.last, date_of_birth: MARK.dob });
    expect(payload.declared.document.number).toBe(MARK.number);
    expect(payload.history).toEqual([]);

    expect((await call(`/v1/verifications/${id}`, { method: "DELETE", headers: key })).status).toBe(200);
    expectErrorShape(await call(`/v1/verifications/${id}/export`, { headers: key }), 404, "NOT_FOUND");
  });
});

describe("one-call create", () => {
  it("submit=true without a selfie → 422 and nothing stored; the same Idempotency-Key with a complete body → 201", async () => {
    const idem = `multi-${Date.now()}`;
    const before = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenant.tenantId).first<{ n: number }>();
    const objectsBefore = (await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/` })).objects.length;
    const form = (withSelfie: boolean) => {
      const f = new FormData();
      f.set("data", JSON.stringify(createBody()));
      f.set("submit", "true");
      f.set("document_front", new File([documentPortrait()], "front.jpg", { type: "image/jpeg" }));
      if (withSelfie) f.set("selfie", new File([selfiePortrait()], "selfie.jpg", { type: "image/jpeg" }));
      return f;
    };
    const refused = await call("/v1/verifications", { method: "POST", headers: { ...key, "Idempotency-Key": idem }, body: form(false) });
    expectErrorShape(refused, 422, "MEDIA_MISSING");
    const after = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenant.tenantId).first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
    expect((await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/` })).objects.length).toBe(objectsBefore);

    const ok = await call("/v1/verifications", { method: "POST", headers: { ...key, "Idempotency-Key": idem }, body: form(true) });
    expect(ok.status).toBe(201);
    expect(ok.data.status).toBe("submitted");
    expect(["verified", "not_verified", "manual_review"]).toContain((await waitForFinal(key, ok.data.id, 60_000)).status);
  });
});
