import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sample1, sample3 } from "../face/fixtures";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant } from "../helpers/identity";
import { flatJpeg, forgedPngHeader, texturedJpeg } from "../helpers/images";
import { createBody, createVerification, storedFor, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

describe("create → upload → submit → decision", () => {
  it("runs a real JPEG document and selfie through the queue to a final state with steps, timings and reasons", async () => {
    const { id, status } = await createVerification(key);
    expect(status).toBe("created");
    const doc = await upload(key, id, "document_front", sample1());
    expect(doc.status).toBe(201);
    expect(doc.data).toMatchObject({ kind: "document_front", content_type: "image/jpeg" });
    expect(doc.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.data.width).toBeGreaterThan(100);
    expect((await upload(key, id, "selfie", sample3())).status).toBe(201);

    const submitted = await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key });
    expect(submitted.status).toBe(202);
    expect(submitted.data.status).toBe("submitted");

    const v = await waitForFinal(key, id);
    expect(["verified", "manual_review", "not_verified"]).toContain(v.status);
    expect(v.decision).toBe(v.status);
    expect(v.progress).toBe(100);
    expect(typeof v.risk_score).toBe("number");
    expect(Array.isArray(v.reasons)).toBe(true);
    expect(v.steps.map((s: { name: string }) => s.name)).toContain("intake");
    for (const step of v.steps) expect(["passed", "warning", "failed", "skipped"]).toContain(step.status);
    expect(v.layers.intake.findings.length).toBeGreaterThan(0);
    expect(v.timings.processing_ms).toBeGreaterThanOrEqual(0);
    expect(v.timings.total_ms).toBeGreaterThanOrEqual(v.timings.processing_ms);
    expect(v.history.map((h: { to: string }) => h.to)).toEqual(["submitted", "processing", v.status]);
    expect(v.applicant).toMatchObject({ first_name: "Erika", last_name: "Mustermann" });
    expect(v.document.number_masked).toBe("•••••0129");
  });

  it("a uniform grey 'photo' is flagged by intake and not verified outright", async () => {
    const { id } = await createVerification(key);
    await upload(key, id, "document_front", flatJpeg());
    await upload(key, id, "selfie", flatJpeg());
    await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key });
    const v = await waitForFinal(key, id);
    expect(v.layers.intake.status).toBe("warning");
    expect(v.layers.intake.findings.map((f: { code: string }) => f.code)).toContain("BLURRY");
  });

  it("one multipart call creates, uploads and submits", async () => {
    const form = new FormData();
    form.set("data", JSON.stringify(createBody()));
    form.set("document_front", new File([texturedJpeg(800, 600, 7)], "front.jpg", { type: "image/jpeg" }));
    form.set("selfie", new File([texturedJpeg(640, 640, 8)], "selfie.jpg", { type: "image/jpeg" }));
    form.set("submit", "true");
    const res = await call("/v1/verifications", { method: "POST", headers: key, body: form });
    expect(res.status).toBe(201);
    expect(res.data.status).toBe("submitted");
    expect(res.data.media).toHaveLength(2);
    const v = await waitForFinal(key, res.data.id);
    expect(v.media.map((m: { kind: string }) => m.kind).sort()).toEqual(["document_front", "selfie"]);
  });

  it("a logged-in user creates a verification for themself; another plain user cannot see it", async () => {
    const alice = await createUserWithRole(tenant.accessToken, "user");
    const bob = await createUserWithRole(tenant.accessToken, "user");
    const { id } = await createVerification(bearer(alice.accessToken));
    expect((await call(`/v1/verifications/${id}`, { headers: bearer(alice.accessToken) })).status).toBe(200);
    expectErrorShape(await call(`/v1/verifications/${id}`, { headers: bearer(bob.accessToken) }), 404, "NOT_FOUND");
    expect((await call(`/v1/verifications/${id}`, { headers: bearer(tenant.accessToken) })).status).toBe(200);
  });
});

describe("input is refused cleanly and stores nothing", () => {
  const cases: [string, () => Uint8Array, number, string][] = [
    ["a non-image", () => new TextEncoder().encode("%PDF-1.7\nnot an image at all"), 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["a truncated JPEG", () => sample1().slice(0, 40_000), 422, "IMAGE_INVALID"],
    ["0 bytes", () => new Uint8Array(), 422, "IMAGE_INVALID"],
    ["an 11 MB file", () => { const b = new Uint8Array(11 * 1024 * 1024); b.set(sample1()); return b; }, 413, "PAYLOAD_TOO_LARGE"],
    ["a PNG whose header claims 20000×20000", () => forgedPngHeader(20000, 20000), 422, "IMAGE_INVALID"],
  ];
  for (const [name, bytes, status, code] of cases) {
    it(`${name} → ${status} ${code}, no R2 object, no D1 row`, async () => {
      const { id } = await createVerification(key);
      const res = await upload(key, id, "document_front", bytes(), "image/jpeg");
      expectErrorShape(res, status, code);
      expect(await storedFor(tenant.tenantId, id)).toEqual({ objects: 0, mediaRows: 0 });
    });
  }

  it("a multipart create with one bad file creates no verification at all", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenant.tenantId).first<{ n: number }>();
    const form = new FormData();
    form.set("data", JSON.stringify(createBody()));
    form.set("document_front", new File([texturedJpeg()], "front.jpg"));
    form.set("selfie", new File([new TextEncoder().encode("GIF89a-nope")], "selfie.gif"));
    form.set("submit", "true");
    expectErrorShape(await call("/v1/verifications", { method: "POST", headers: key, body: form }), 415, "UNSUPPORTED_MEDIA_TYPE");
    const after = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenant.tenantId).first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("consent not granted → 422 CONSENT_REQUIRED and nothing created", async () => {
    const res = await call("/v1/verifications", { method: "POST", headers: key, json: createBody({ consent: { granted: false, text_version: "2026-01" } }) });
    expectErrorShape(res, 422, "CONSENT_REQUIRED");
  });

  it("wrong types → 400 VALIDATION_ERROR naming each field", async () => {
    const res = await call("/v1/verifications", {
      method: "POST",
      headers: key,
      json: { applicant: { first_name: 42, last_name: "X", date_of_birth: "yesterday", country: "Germany" }, document: { type: "napkin" }, consent: { granted: "yes" } },
    });
    const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
    for (const field of ["applicant.first_name", "applicant.date_of_birth", "applicant.country", "document.type", "consent.granted"]) {
      expect(Object.keys(error.details.fields)).toContain(field);
    }
  });

  it("malformed JSON → 400 MALFORMED_JSON with the request id", async () => {
    const res = await call("/v1/verifications", { method: "POST", headers: { ...key, "Content-Type": "application/json" }, body: '{"applicant": {' });
    expectErrorShape(res, 400, "MALFORMED_JSON");
  });

  it("submit without a selfie → 422 MEDIA_MISSING; a second submit → 409", async () => {
    const { id } = await createVerification(key);
    await upload(key, id, "document_front", texturedJpeg());
    const missing = expectErrorShape(await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key }), 422, "MEDIA_MISSING");
    expect(missing.details.missing).toEqual(["selfie"]);
    await upload(key, id, "selfie", texturedJpeg(640, 480, 3));
    expect((await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key })).status).toBe(202);
    expectErrorShape(await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key }), 409, "INVALID_TRANSITION");
    expectErrorShape(await upload(key, id, "selfie", texturedJpeg()), 409, "INVALID_TRANSITION");
  });
});

describe("Idempotency-Key", () => {
  it("same key and body → the same verification; same key, different body → 422", async () => {
    const headers = { ...key, "Idempotency-Key": `idem-${crypto.randomUUID()}` };
    const first = await call("/v1/verifications", { method: "POST", headers, json: createBody() });
    const again = await call("/v1/verifications", { method: "POST", headers, json: createBody() });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.data.id).toBe(first.data.id);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    const changed = await call("/v1/verifications", { method: "POST", headers, json: createBody({ external_ref: "other" }) });
    expectErrorShape(changed, 422, "IDEMPOTENCY_KEY_REUSED");
    const count = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE id = ?").bind(first.data.id).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });
});

describe("test-mode sandbox", () => {
  const outcomes: [string, string][] = [["VERIFIED", "verified"], ["REJECTED", "not_verified"], ["REVIEW", "manual_review"], ["ERROR", "error"]];
  for (const [lastName, expected] of outcomes) {
    it(`last name ${lastName} → ${expected} without running models`, async () => {
      const testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
      const { id, mode } = await createVerification(testKey, createBody({ applicant: { first_name: "Test", last_name: lastName, date_of_birth: "1990-01-01", country: "GB" } }));
      expect(mode).toBe("test");
      await upload(testKey, id, "document_front", texturedJpeg());
      await upload(testKey, id, "selfie", texturedJpeg());
      await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: testKey });
      const v = await waitForFinal(testKey, id);
      expect(v.status).toBe(expected);
      expect(Object.keys(v.layers)).toEqual(["sandbox"]);
    });
  }
});
