/**
 * Live events, signed receipts, erasure, retention, re-decisions and the review queue.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { compactVerify, createLocalJWKSet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { documentPortrait, selfiePortrait } from "../helpers/portraits";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";
import { READING_LAYERS } from "../../src/verifications/retention";
import { SELF } from "cloudflare:test";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

async function decided(body = createBody(), headers = key) {
  const { id } = await createVerification(headers, body);
  await upload(headers, id, "document_front", texturedJpeg(640, 480, 21));
  await upload(headers, id, "selfie", texturedJpeg(480, 480, 22));
  await call(`/v1/verifications/${id}/submit`, { method: "POST", headers });
  return waitForFinal(headers, id);
}

async function verifyReceipt(jws: string) {
  const jwks = (await call("/.well-known/jwks.json")).data;
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks));
  return { payload: JSON.parse(new TextDecoder().decode(payload)), header: protectedHeader };
}

describe("live status events", () => {
  it("streams every transition in order as server-sent events, then ends", async () => {
    const { id } = await createVerification(key);
    await upload(key, id, "document_front", texturedJpeg());
    await upload(key, id, "selfie", texturedJpeg(400, 400, 4));
    const res = await SELF.fetch(`https://api.test/v1/verifications/${id}/events`, { headers: key });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key });
    const text = await res.text(); // the stream closes after the final status
    const events = text
      .split("\n\n")
      .filter((chunk) => chunk.includes("data: "))
      .map((chunk) => JSON.parse(chunk.split("data: ")[1]));
    expect(events.map((e) => e.status)).toEqual(["created", "submitted", "processing", events[3].status]);
    expect(["verified", "not_verified", "manual_review"]).toContain(events[3].status);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it("a late subscriber gets the backlog after Last-Event-ID", async () => {
    const v = await decided();
    const res = await SELF.fetch(`https://api.test/v1/verifications/${v.id}/events`, { headers: { ...key, "Last-Event-ID": "2" } });
    const statuses = (await res.text()).split("\n\n").filter((c) => c.includes("data: ")).map((c) => JSON.parse(c.split("data: ")[1]).status);
    expect(statuses).toEqual(["processing", v.status]);
  });
});

describe("signed receipts", () => {
  it("the result receipt verifies against /.well-known/jwks.json and commits to the decision and image hashes", async () => {
    const v = await decided();
    const res = await call(`/v1/verifications/${v.id}/receipt`, { headers: key });
    expect(res.status).toBe(200);
    const { payload, header } = await verifyReceipt(res.data.receipt);
    expect(header.alg).toBe("ES256");
    expect(payload).toMatchObject({ typ: "verification_result", verification_id: v.id, status: v.status, risk_score: v.risk_score });
    expect(payload.media.map((m: { sha256: string }) => m.sha256).sort()).toEqual(v.media.map((m: { sha256: string }) => m.sha256).sort());
    expect(JSON.stringify(payload)).not.toContain("Mustermann");
  });

  it("a tampered receipt does not verify", async () => {
    const v = await decided();
    const { receipt } = (await call(`/v1/verifications/${v.id}/receipt`, { headers: key })).data;
    const [h, p, sig] = receipt.split(".");
    const forged = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
    forged.status = forged.status === "verified" ? "not_verified" : "verified";
    forged.risk_score = 100 - forged.risk_score;
    const p2 = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    await expect(verifyReceipt(`${h}.${p2}.${sig}`)).rejects.toThrow();
  });

  it("no receipt before a decision → 409", async () => {
    const { id } = await createVerification(key);
    expectErrorShape(await call(`/v1/verifications/${id}/receipt`, { headers: key }), 409, "CONFLICT");
  });
});

describe("erasure", () => {
  it("DELETE removes every personal field and every R2 object, and returns a verifiable deletion receipt", async () => {
    const v = await decided(createBody({ applicant: { first_name: "Zebulon", last_name: "Quixotic", date_of_birth: "1971-03-04", country: "FR", email: "zq@example.org" }, document: { type: "passport", number: "ZQ7654321" } }));
    // The two uploads and the ELA heatmap of the document.
    expect((await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/verifications/${v.id}/` })).objects.length).toBe(3);

    const res = await call(`/v1/verifications/${v.id}`, { method: "DELETE", headers: key });
    expect(res.status).toBe(200);
    const { payload } = await verifyReceipt(res.data.receipt);
    expect(payload).toMatchObject({ typ: "deletion_receipt", verification_id: v.id, r2_objects_deleted: 3, evidence_files_deleted: 1 });

    expect((await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/verifications/${v.id}/` })).objects).toHaveLength(0);
    const row = await env.DB.prepare("SELECT * FROM verifications WHERE id = ?").bind(v.id).first<Record<string, unknown>>();
    for (const column of ["applicant_enc", "document_number_enc", "document_number_hash", "mrz_enc", "request_ip_enc"]) expect(row?.[column], column).toBeNull();

    // No table holds the name, birth date or number in clear, and no ciphertext of this verification is left to decrypt.
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'").all<{ name: string }>();
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
      const dump = JSON.stringify(rows.results);
      for (const secret of ["Zebulon", "Quixotic", "1971-03-04", "ZQ7654321", "zq@example.org"]) expect(dump, `${name} holds ${secret}`).not.toContain(secret);
      for (const r of rows.results) {
        if (!JSON.stringify(r).includes(v.id)) continue;
        for (const [column, value] of Object.entries(r)) {
          if (column.endsWith("_enc")) expect(value, `${name}.${column}`).toBeNull();
        }
      }
    }
    const after = await call(`/v1/verifications/${v.id}`, { headers: key });
    expect(after.data.erased).toBe(true);
    expect(after.data.applicant).toBeNull();
    expect(after.data.media).toEqual([]);
  });
});

describe("retention", () => {
  it("the daily job deletes raw media and evidence files past the tenant's retention and keeps the result", async () => {
    const v = await decided();
    await env.DB.prepare("UPDATE media SET created_at = ? WHERE verification_id = ?").bind(Date.now() - 31 * 86_400_000, v.id).run();
    await env.DB.prepare("UPDATE artifacts SET created_at = ? WHERE verification_id = ?").bind(Date.now() - 31 * 86_400_000, v.id).run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "0 3 * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/verifications/${v.id}/` })).objects).toHaveLength(0);
    const after = (await call(`/v1/verifications/${v.id}`, { headers: key })).data;
    expect(after.media.every((m: { purged: boolean }) => m.purged)).toBe(true);
    expect(after.status).toBe(v.status);
    // The results stay; only what the reading layers quoted from the document (their findings' data) goes with the media.
    const withoutReadings = (layers: Record<string, { findings: { data?: unknown }[] }>) =>
      Object.fromEntries(Object.entries(layers).map(([name, l]) => [name, READING_LAYERS.includes(name as never) ? { ...l, findings: l.findings.map(({ data: _data, ...f }) => f) } : l]));
    expect(after.layers).toEqual(withoutReadings(v.layers));
    for (const name of READING_LAYERS) for (const f of after.layers[name]?.findings ?? []) expect(f.data).toBeUndefined();
  });
});

describe("settings, re-decision and review", () => {
  it("re-deciding under stricter settings changes the decision without re-running layers, and records the settings version", async () => {
    const admin = await registerTenant();
    const adminKey = apiKeyHeader((await createApiKey(admin.accessToken)).key);
    const { id } = await createVerification(adminKey);
    await upload(adminKey, id, "document_front", documentPortrait());
    await upload(adminKey, id, "selfie", selfiePortrait());
    await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: adminKey });
    const v = await waitForFinal(adminKey, id);
    expect(v.status).toBe("verified");
    expect(v.risk_score).toBeGreaterThan(0.5);
    const layerMs = v.layers.intake.ms;
    const inconsistent = await call("/v1/settings", { method: "PATCH", headers: bearer(admin.accessToken), json: { thresholds: { verified_max: 80, reject_min: 20 } } });
    expectErrorShape(inconsistent, 400, "VALIDATION_ERROR");
    expect((await call("/v1/settings", { headers: bearer(admin.accessToken) })).data.version).toBe(0);
    const strict = await call("/v1/settings", { method: "PATCH", headers: bearer(admin.accessToken), json: { thresholds: { verified_max: 0, reject_min: 0.5 } } });
    expect(strict.status).toBe(200);
    expect(strict.data.version).toBe(1);
    const re = await call(`/v1/verifications/${v.id}/redecide`, { method: "POST", headers: bearer(admin.accessToken) });
    expect(re.status).toBe(200);
    expect(re.data.status).toBe("not_verified");
    expect(re.data.reasons[0]).toBe("RISK_SCORE_HIGH");
    expect(re.data.settings_version).toBe(1);
    expect(re.data.layers.intake.ms).toBe(layerMs);
  });

  it("a reviewer settles a manual_review case from the queue", async () => {
    const reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
    const testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
    const v = await decided(createBody({ applicant: { first_name: "Ann", last_name: "REVIEW", date_of_birth: "1990-02-02", country: "NL" } }), testKey);
    expect(v.status).toBe("manual_review");
    const queue = await call("/v1/review/queue", { headers: bearer(reviewer.accessToken) });
    expect(queue.data.data.map((r: { id: string }) => r.id)).toContain(v.id);
    const res = await call(`/v1/verifications/${v.id}/review`, { method: "POST", headers: bearer(reviewer.accessToken), json: { decision: "approve", reason: "Document checked by hand" } });
    expect(res.status).toBe(200);
    expect(res.data.status).toBe("verified");
    expect(res.data.review).toMatchObject({ decision: "approve", reviewer_id: reviewer.userId });
    expectErrorShape(await call(`/v1/verifications/${v.id}/review`, { method: "POST", headers: bearer(reviewer.accessToken), json: { decision: "reject", reason: "again" } }), 409, "INVALID_TRANSITION");
  });

  it("the list filters by status and paginates with a cursor", async () => {
    const own = await registerTenant();
    const ownKey = apiKeyHeader((await createApiKey(own.accessToken)).key);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createVerification(ownKey)).id);
    const first = await call("/v1/verifications?limit=2&status=created", { headers: ownKey });
    expect(first.data.data.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const second = await call(`/v1/verifications?limit=2&status=created&cursor=${first.data.next_cursor}`, { headers: ownKey });
    expect(second.data.data.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(second.data.next_cursor).toBeNull();
    expect((await call("/v1/verifications?status=verified", { headers: ownKey })).data.data).toEqual([]);
  });
});
