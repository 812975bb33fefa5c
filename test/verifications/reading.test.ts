/**
 * Reading the document through the API, on generated passports (scripts/docgen via the DOCGEN binding: OCR-B
 * machine-readable zone with ICAO check digits, photographed like a phone) whose portrait is the selfie's person.
 * The MRZ is read from the image by the PP-OCR models in workerd and checked against the declared data; a forger who
 * edits a printed field but not the MRZ, or declares another number, does not pass. Without an AI binding the vision
 * layer is skipped with its reason; a stand-in for the binding (test/helpers/ai-stand-in.ts) stands for a model that
 * reads another printed name. The tenant's registry contradicts a presented document with another holder, and never
 * answers for another tenant.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { workersAiVision } from "../../src/adapters/ai/workers-ai-vision";
import { createServices } from "../../src/app/services";
import { processJob } from "../../src/verifications/processing";
import { aiStandIn } from "../helpers/ai-stand-in";
import { generatedDocument } from "../helpers/documents";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { documentPortrait, selfiePortrait } from "../helpers/portraits";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

interface Holder {
  surname: string;
  givenNames: string;
  nationality: string;
  issuingState: string;
  birthDate: string;
  expiryDate: string;
  documentNumber: string;
}
type Finding = { code: string; severity: string; message: string; data?: Record<string, unknown> };
type Result = { id: string; status: string; decision: string | null; reasons: string[]; layers: Record<string, { status: string; findings: Finding[] }> };

const codes = (r: Result, layer: string) => r.layers[layer]?.findings.map((f) => f.code) ?? [];
const finding = (r: Result, layer: string, code: string) => r.layers[layer]?.findings.find((f) => f.code === code);

/** Five years from the day the test runs: the generated passports must not expire under the test. */
const EXPIRY = `${new Date().getUTCFullYear() + 5}-06-30`;

/** A generated passport (seeded, valid for years) with its truth: the holder and the MRZ lines printed on it. */
async function passport(path: string) {
  const doc = await generatedDocument(`${path}&expiry=${EXPIRY}`);
  const truth = doc.truth as unknown as { holder: Holder; mrz: string[]; text?: { field: string; from: string; to: string } };
  // A tampered document's truth is the edit; the holder and the MRZ are the genuine document's.
  const genuine = (doc.genuine ?? truth) as unknown as { holder: Holder; mrz: string[] };
  return { bytes: doc.bytes, holder: genuine.holder, mrz: genuine.mrz, text: truth.text };
}

/** The declared data as the holder's own, with overrides (what a forger would type in). */
function declared(h: Holder, over: { dateOfBirth?: string; number?: string; lastName?: string; mrz?: string[] } = {}) {
  return createBody({
    applicant: { first_name: h.givenNames, last_name: over.lastName ?? h.surname, date_of_birth: over.dateOfBirth ?? h.birthDate, country: h.nationality },
    document: { type: "passport", number: over.number ?? h.documentNumber, issuing_country: h.issuingState, expiry_date: h.expiryDate, ...(over.mrz ? { mrz: over.mrz } : {}) },
  });
}

async function verify(body: unknown, document: Uint8Array, headers = key): Promise<Result> {
  const { id } = await createVerification(headers, body);
  await upload(headers, id, "document_front", document);
  await upload(headers, id, "selfie", selfiePortrait());
  const submitted = await call(`/v1/verifications/${id}/submit`, { method: "POST", headers });
  expect(submitted.status).toBe(202);
  return (await waitForFinal(headers, id, 120_000)) as Result;
}

describe("the MRZ read from the image", () => {
  it("reads a genuine passport's zone exactly, agrees with the declared data, and completes with vision skipped for want of an AI binding", async () => {
    const doc = await passport("/genuine?seed=3&kind=td3");
    const r = await verify(declared(doc.holder), doc.bytes);
    expect(r.layers.mrz?.status, JSON.stringify(r.layers.mrz)).toBe("passed");
    const valid = finding(r, "mrz", "MRZ_VALID");
    expect(valid?.data?.source).toBe("image");
    expect((valid?.data?.read as { lines: string[] }).lines).toEqual(doc.mrz);
    expect(r.layers.vision?.status).toBe("skipped");
    expect(finding(r, "vision", "VISION_UNAVAILABLE")?.data?.reason).toBeTruthy();
    expect(codes(r, "registry")).toEqual(["REGISTRY_NOT_FOUND"]);
    expect(r.status).toBe("verified");
  });

  it("does not pass a passport whose printed birth date was edited while the MRZ keeps the original", async () => {
    // docgen's alter_text on seed 2 re-types the printed birth date ("02 DEC 1970" → "02 DEC 1965"); the forger declares the edit.
    const doc = await passport("/tamper?seed=2&type=alter_text&kind=td3");
    expect(doc.text?.field).toBe("birthDate");
    const edited = `${doc.text!.to.slice(-4)}${doc.holder.birthDate.slice(4)}`;
    expect(edited).not.toBe(doc.holder.birthDate);
    const r = await verify(declared(doc.holder, { dateOfBirth: edited }), doc.bytes);
    const mismatch = finding(r, "mrz", "MRZ_MISMATCH");
    expect(mismatch?.data?.fields).toContain("date_of_birth");
    expect(JSON.stringify(mismatch)).not.toContain(edited);
    expect(r.reasons).toContain("MRZ_MISMATCH");
    expect(r.status).not.toBe("verified");
  });

  it("flags a document whose image MRZ disagrees with the declared document number", async () => {
    const doc = await passport("/genuine?seed=1&kind=td3");
    const r = await verify(declared(doc.holder, { number: "X0390TEPJ" }), doc.bytes);
    expect(finding(r, "mrz", "MRZ_MISMATCH")?.data?.fields).toEqual(["document_number"]);
    expect(r.status).not.toBe("verified");
  });

  it("keeps what was read encrypted at rest: no MRZ line or holder name in the stored layer results", async () => {
    const doc = await passport("/genuine?seed=3&kind=td3");
    const r = await verify(declared(doc.holder), doc.bytes);
    const rows = await env.DB.prepare("SELECT layer, findings FROM layer_results WHERE verification_id = ?").bind(r.id).all<{ layer: string; findings: string }>();
    const stored = rows.results.map((row) => row.findings).join("\n");
    expect(stored).toContain("MRZ_VALID");
    for (const secret of [doc.mrz[0], doc.mrz[1], doc.holder.documentNumber, doc.holder.surname]) expect(stored).not.toContain(secret);
  });
});

describe("MRZ lines sent by the client", () => {
  it("reports a wrong check digit as MRZ_CHECKSUM_FAILED, naming the check", async () => {
    const doc = await passport("/genuine?seed=3&kind=td3");
    const [l1, l2] = doc.mrz;
    // Position 9 of line 2 is the document number's check digit.
    const wrong = `${l2.slice(0, 9)}${(Number(l2[9]) + 1) % 10}${l2.slice(10)}`;
    const r = await verify(declared(doc.holder, { mrz: [l1, wrong] }), documentPortrait());
    const failed = finding(r, "mrz", "MRZ_CHECKSUM_FAILED");
    expect(failed?.data?.checks).toContain("document_number");
    expect(r.reasons).toContain("MRZ_CHECKSUM_FAILED");
    expect(r.status).not.toBe("verified");
  });
});

describe("vision through a stand-in for the AI binding", () => {
  it("reports VISION_FIELD_MISMATCH when the model reads another printed name than the declared and MRZ name", async () => {
    const doc = await passport("/genuine?seed=3&kind=td3");
    const h = doc.holder;
    const { id } = await createVerification(key, declared(h));
    await upload(key, id, "document_front", doc.bytes);
    await upload(key, id, "selfie", selfiePortrait());
    // Submitted but not enqueued: this test runs the job itself, with the stand-in as the AI binding.
    await env.DB.prepare("UPDATE verifications SET status = 'submitted', submitted_at = ? WHERE id = ?").bind(Date.now(), id).run();
    const printed = {
      document_type: "passport",
      issuing_country: null,
      surname: "OTHERNAME",
      given_names: h.givenNames,
      date_of_birth: h.birthDate,
      document_number: h.documentNumber,
      expiry_date: h.expiryDate,
      portrait_present: true,
      screen_or_photocopy: false,
    };
    const ai = aiStandIn(printed);
    const s = createServices(env);
    const outcome = await processJob(
      { ...s, visionModel: (model) => workersAiVision(ai, model) },
      { verification_id: id, tenant_id: tenant.tenantId, enqueued_at: Date.now() },
      { engine: s.faceEngine(), mrzReader: s.mrzReader(), clock: () => performance.now() },
    );
    expect(outcome).toBe("decided");
    expect(ai.calls.length).toBe(1);
    const r = (await call(`/v1/verifications/${id}`, { headers: key })).data as Result;
    const mismatch = finding(r, "vision", "VISION_FIELD_MISMATCH");
    expect(mismatch?.data?.fields, JSON.stringify(r.layers.vision)).toEqual(["surname"]);
    expect(r.reasons).toContain("VISION_FIELD_MISMATCH");
    expect(r.status).toBe("manual_review");
  });
});

describe("the tenant's document registry", () => {
  it("contradicts a registered document presented under another holder name, and says nothing in another tenant", async () => {
    const number = `RG${Date.now().toString(36).toUpperCase()}`;
    const imported = await call("/v1/registry/documents", {
      method: "POST",
      headers: bearer(tenant.accessToken),
      json: {
        records: [{ document_number: number, document_type: "id_card", issuing_country: "DE", first_name: "Maria", last_name: "Schmidt", date_of_birth: "1984-08-12", expiry_date: "2031-01-01", status: "valid" }],
      },
    });
    expect(imported.status).toBe(200);
    const body = createBody({ document: { type: "id_card", number, issuing_country: "DE", expiry_date: "2031-01-01" } });
    const r = await verify(body, documentPortrait());
    expect(finding(r, "registry", "REGISTRY_MISMATCH")?.data?.fields).toEqual(["first_name", "last_name"]);
    expect(r.status).toBe("not_verified");

    const other = await registerTenant();
    const otherKey = apiKeyHeader((await createApiKey(other.accessToken)).key);
    const elsewhere = await verify(body, documentPortrait(), otherKey);
    expect(codes(elsewhere, "registry")).toEqual(["REGISTRY_NOT_FOUND"]);
  });
});

describe("geo", () => {
  it("uses what the tenant's server passes on about the applicant's network, not the server's own location", async () => {
    const body = createBody({ applicant: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE", ip: "203.0.113.9", device: { country: "T1" } } });
    const r = await verify(body, documentPortrait());
    expect(codes(r, "geo")).toContain("ANONYMOUS_NETWORK");
    const plain = await verify(createBody(), documentPortrait());
    expect(codes(plain, "geo")).toContain("NETWORK_UNKNOWN");
  });
});

describe("bad input to the reading features", () => {
  it("refuses a malformed applicant network with 400 and creates nothing", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenant.tenantId).first<{ n: number }>();
    const bad = [
      { ip: "300.1.2.3" },
      { ip: "not-an-ip" },
      { device: { country: "ZZ" } },
      { device: { asn: -1 } },
      { device: { country: "DE", colour: "red" } },
    ];
    for (const extra of bad) {
      const res = await call("/v1/verifications", { method: "POST", headers: key, json: createBody({ applicant: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE", ...extra } }) });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.data.error.code).toBe("VALIDATION_ERROR");
    }
    const after = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenant.tenantId).first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("validates the reading settings: minimum age, vision model and velocity limits (a partial velocity patch merges)", async () => {
    const admin = bearer(tenant.accessToken);
    for (const patch of [{ minimum_age: 0 }, { vision_model: "@cf/some/other-model" }, { velocity: { document_per_day: 0 } }, { velocity: { per_minute: 5 } }]) {
      const res = await call("/v1/settings", { method: "PATCH", headers: admin, json: patch });
      expect(res.status, JSON.stringify(patch)).toBe(400);
    }
    const ok = await call("/v1/settings", { method: "PATCH", headers: admin, json: { minimum_age: 21, velocity: { document_per_day: 4 } } });
    expect(ok.status).toBe(200);
    expect(ok.data.settings.minimum_age).toBe(21);
    expect(ok.data.settings.velocity).toEqual({ key_per_hour: 1000, tenant_per_hour: 10000, document_per_day: 4 });
    const reset = await call("/v1/settings", { method: "PATCH", headers: admin, json: { minimum_age: 18, velocity: { document_per_day: 10 } } });
    expect(reset.status).toBe(200);
  });
});
