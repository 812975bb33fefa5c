/**
 * Layers' evidence files end to end: the face layer's aligned crops are stored with the decision, listed in the
 * result, and served to reviewers and admins of the tenant only.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { documentPortrait, selfiePortrait } from "../helpers/portraits";
import { createVerification, upload, waitForFinal } from "../helpers/verifications";
import { SELF } from "cloudflare:test";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

describe("evidence files", () => {
  it("the face crops and the ELA heatmap of a live verification are listed and served as PNG to the tenant's admins, to no one else", async () => {
    const { id } = await createVerification(key);
    await upload(key, id, "document_front", documentPortrait());
    await upload(key, id, "selfie", selfiePortrait());
    await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key });
    const v = await waitForFinal(key, id, 60_000);
    expect(v.evidence.map((e: { name: string }) => e.name).sort()).toEqual(["ela", "face_document", "face_selfie"]);
    expect(v.layers.face.evidence.sort()).toEqual(["face_document", "face_selfie"]);
    expect(v.layers.ela.evidence).toEqual(["ela"]);

    const crop = v.evidence.find((e: { name: string }) => e.name === "face_selfie");
    const res = await SELF.fetch(`https://api.test${crop.url}`, { headers: bearer(tenant.accessToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    const png = new Uint8Array(await res.arrayBuffer());
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.byteLength).toBe(crop.bytes);
    // 112 × 112, as aligned for the embedding: the IHDR chunk holds the size.
    expect(new DataView(png.buffer).getUint32(16)).toBe(112);
    expect(new DataView(png.buffer).getUint32(20)).toBe(112);

    expectErrorShape(await call(`/v1/verifications/${id}/evidence/face_selfie`, { headers: key }), 403, "FORBIDDEN");
    const other = await registerTenant();
    expectErrorShape(await call(`/v1/verifications/${id}/evidence/face_selfie`, { headers: bearer(other.accessToken) }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verifications/${id}/evidence/ela_back`, { headers: bearer(tenant.accessToken) }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verifications/${id}/evidence/..%2Fselfie`, { headers: bearer(tenant.accessToken) }), 400, "VALIDATION_ERROR");

    // Erasure removes them with everything else.
    expect((await call(`/v1/verifications/${id}`, { method: "DELETE", headers: key })).data.payload.evidence_files_deleted).toBe(3);
    expectErrorShape(await call(`/v1/verifications/${id}/evidence/face_selfie`, { headers: bearer(tenant.accessToken) }), 404, "NOT_FOUND");
    expect((await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/verifications/${id}/` })).objects).toHaveLength(0);
  });
});
