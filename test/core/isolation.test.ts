/**
 * Test and live are two worlds: a test key cannot read, list, upload to, submit or erase a live verification (404,
 * as if it did not exist), lists filter by the key's mode, users see both with `mode` on each item, and a sandbox
 * verification's document number never shows up in a live duplicate finding.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { documentPortrait, otherPortrait, selfiePortrait } from "../helpers/portraits";
import { APPLICANT, createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let live: Record<string, string>;
let test: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  live = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "live" })).key);
  test = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
});

describe("test and live are two worlds", () => {
  it("a test key gets 404 for GET, media PUT, submit, DELETE, receipt and export of a live verification", async () => {
    const { id } = await createVerification(live);
    expectErrorShape(await call(`/v1/verifications/${id}`, { headers: test }), 404, "NOT_FOUND");
    expectErrorShape(await upload(test, id, "selfie", texturedJpeg(300, 300, 9)), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: test }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verifications/${id}`, { method: "DELETE", headers: test }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verifications/${id}/export`, { headers: test }), 404, "NOT_FOUND");
    // …and nothing changed: the live key still sees it untouched, with no media.
    const seen = await call(`/v1/verifications/${id}`, { headers: live });
    expect(seen.status).toBe(200);
    expect(seen.data.status).toBe("created");
    expect(seen.data.media).toEqual([]);
    expect(seen.data.erased).toBe(false);
  });

  it("a live key gets 404 for a sandbox verification", async () => {
    const { id } = await createVerification(test);
    expectErrorShape(await call(`/v1/verifications/${id}`, { headers: live }), 404, "NOT_FOUND");
  });

  it("lists filter by the key's mode; a user sees both, each with its mode", async () => {
    const a = await createVerification(live);
    const b = await createVerification(test);
    const liveIds = (await call("/v1/verifications?limit=100", { headers: live })).data.data.map((v: { id: string }) => v.id);
    const testIds = (await call("/v1/verifications?limit=100", { headers: test })).data.data.map((v: { id: string }) => v.id);
    expect(liveIds).toContain(a.id);
    expect(liveIds).not.toContain(b.id);
    expect(testIds).toContain(b.id);
    expect(testIds).not.toContain(a.id);
    const all = (await call("/v1/verifications?limit=100", { headers: bearer(tenant.accessToken) })).data.data as { id: string; mode: string }[];
    expect(all.find((v) => v.id === a.id)?.mode).toBe("live");
    expect(all.find((v) => v.id === b.id)?.mode).toBe("test");
  });

  it("a sandbox verification's document number never appears in a live duplicate finding", async () => {
    const number = `SBX${Date.now()}`;
    const sandbox = await createVerification(test, createBody({ applicant: { ...APPLICANT, first_name: "Sandy", last_name: "VERIFIED" }, document: { type: "passport", number } }));
    await upload(test, sandbox.id, "document_front", texturedJpeg(400, 300, 5));
    await upload(test, sandbox.id, "selfie", texturedJpeg(300, 300, 6));
    await call(`/v1/verifications/${sandbox.id}/submit`, { method: "POST", headers: test });
    expect((await waitForFinal(test, sandbox.id)).status).toBe("verified");

    // The same number, under another name, in live mode.
    const real = await createVerification(live, createBody({ applicant: { ...APPLICANT, first_name: "Lena", last_name: "Lebendig" }, document: { type: "passport", number } }));
    await upload(live, real.id, "document_front", documentPortrait());
    await upload(live, real.id, "selfie", selfiePortrait());
    await call(`/v1/verifications/${real.id}/submit`, { method: "POST", headers: live });
    const v = await waitForFinal(live, real.id, 60_000);
    const codes = Object.values(v.layers as Record<string, { findings: { code: string }[] }>).flatMap((l) => l.findings.map((f) => f.code));
    expect(codes).not.toContain("DUPLICATE_DOCUMENT");
    expect(JSON.stringify(v)).not.toContain(sandbox.id);

    // Control: the same number under another name in live mode IS a duplicate.
    const second = await createVerification(live, createBody({ applicant: { ...APPLICANT, first_name: "Otto", last_name: "Other" }, document: { type: "passport", number } }));
    await upload(live, second.id, "document_front", documentPortrait());
    await upload(live, second.id, "selfie", otherPortrait());
    await call(`/v1/verifications/${second.id}/submit`, { method: "POST", headers: live });
    const w = await waitForFinal(live, second.id, 60_000);
    const dup = (w.layers.duplicates.findings as { code: string; data?: { verification_ids?: string[] } }[]).find((f) => f.code === "DUPLICATE_DOCUMENT");
    expect(dup?.data?.verification_ids).toEqual([real.id]);
  });
});
