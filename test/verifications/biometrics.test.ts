/**
 * The face, liveness and duplicates layers inside real verifications: real photos (face-api's demo samples:
 * sample1 and sample3 show the same woman, sample5 someone else), real models from R2, the real queue.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { documentPortrait, otherPortrait, selfiePortrait, selfiePortraitAgain } from "../helpers/portraits";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

const codes = (layer: { findings: { code: string }[] }) => layer.findings.map((f) => f.code);

async function verify(headers: Record<string, string>, document: Uint8Array, selfie: Uint8Array, body = createBody(), frames: Uint8Array[] = [], before?: (id: string) => Promise<void>) {
  const { id } = await createVerification(headers, body);
  expect((await upload(headers, id, "document_front", document)).status).toBe(201);
  expect((await upload(headers, id, "selfie", selfie)).status).toBe(201);
  for (const f of frames) expect((await upload(headers, id, "selfie_frame", f)).status).toBe(201);
  await before?.(id);
  expect((await call(`/v1/verifications/${id}/submit`, { method: "POST", headers })).status).toBe(202);
  return waitForFinal(headers, id, 60_000);
}

const person = (first: string, last: string, dob: string) => createBody({ applicant: { first_name: first, last_name: last, date_of_birth: dob, country: "DE" }, document: { type: "id_card" } });

describe("face layer", () => {
  it("document of X and another photo of X → face layer passed, with the similarity and threshold as evidence", async () => {
    const v = await verify(key, documentPortrait(), selfiePortrait());
    expect(v.layers.face.status).toBe("passed");
    expect(v.layers.liveness.status).toBe("passed");
    expect(v.status).toBe("verified");
    const match = v.layers.face.findings.find((f: { code: string }) => f.code === "FACE_MATCH");
    expect(match.data.similarity).toBeGreaterThan(match.data.threshold);
    expect(v.steps.map((s: { name: string }) => s.name)).toEqual(["intake", "exif", "jpeg", "ela", "copy_move", "mrz", "face", "liveness", "vision", "duplicates", "document_duplicates", "registry", "geo"]);
  });

  it("a selfie of someone else → FACE_MISMATCH and not_verified", async () => {
    const v = await verify(key, documentPortrait(), otherPortrait());
    expect(v.layers.face.status).toBe("failed");
    expect(codes(v.layers.face)).toContain("FACE_MISMATCH");
    expect(v.status).toBe("not_verified");
    expect(v.reasons).toContain("FACE_MISMATCH");
  });

  it("a selfie without a face → NO_FACE finding and a decision, never an error", async () => {
    const v = await verify(key, documentPortrait(), texturedJpeg(640, 480, 31));
    expect(codes(v.layers.face)).toContain("NO_FACE");
    expect(v.status).toBe("not_verified");
    expect(v.reasons[0]).toBe("NO_FACE");
  });
});

describe("duplicates layer (1:N within the tenant)", () => {
  it("the face of an already verified applicant under another name → DUPLICATE_FACE naming that verification; not across tenants", async () => {
    const own = await registerTenant();
    const ownKey = apiKeyHeader((await createApiKey(own.accessToken)).key);
    const first = await verify(ownKey, documentPortrait(), selfiePortrait(), person("Anna", "Alpha", "1980-01-01"));
    expect(first.status).toBe("verified");
    expect(codes(first.layers.duplicates)).toContain("NO_DUPLICATE_FACE");

    const second = await verify(ownKey, documentPortrait(), selfiePortraitAgain(), person("Berta", "Beta", "1991-02-02"));
    expect(second.layers.duplicates.status).toBe("failed");
    const dup = second.layers.duplicates.findings.find((f: { code: string }) => f.code === "DUPLICATE_FACE");
    expect(dup.data.matches[0].verification_id).toBe(first.id);
    expect(second.status).toBe("manual_review");
    expect(second.reasons).toContain("DUPLICATE_FACE");

    // The same face in another tenant is that tenant's first sighting.
    const elsewhere = await registerTenant();
    const elsewhereKey = apiKeyHeader((await createApiKey(elsewhere.accessToken)).key);
    const third = await verify(elsewhereKey, documentPortrait(), selfiePortraitAgain(), person("Berta", "Beta", "1991-02-02"));
    expect(codes(third.layers.duplicates)).not.toContain("DUPLICATE_FACE");
    expect(third.status).toBe("verified");

    // Once the first is erased, its face (matched by the searches above) is matched no more.
    expect((await call(`/v1/verifications/${first.id}`, { method: "DELETE", headers: ownKey })).status).toBe(200);
    const fourth = await verify(ownKey, documentPortrait(), selfiePortrait(), person("Clara", "Cetus", "1985-03-03"));
    expect(codes(fourth.layers.duplicates)).toContain("NO_DUPLICATE_FACE");
    expect(codes(fourth.layers.duplicates)).not.toContain("DUPLICATE_FACE");
  });

  it("the same person returning under the same name is not a duplicate", async () => {
    const own = await registerTenant();
    const ownKey = apiKeyHeader((await createApiKey(own.accessToken)).key);
    await verify(ownKey, documentPortrait(), selfiePortrait(), person("Carla", "Gamma", "1975-05-05"));
    const again = await verify(ownKey, documentPortrait(), selfiePortraitAgain(), person("carla", "GAMMA", "1975-05-05"));
    expect(codes(again.layers.duplicates)).toContain("RETURNING_APPLICANT");
    expect(codes(again.layers.duplicates)).not.toContain("DUPLICATE_FACE");
  });

  it("a document number already used under another name → DUPLICATE_DOCUMENT", async () => {
    const own = await registerTenant();
    const ownKey = apiKeyHeader((await createApiKey(own.accessToken)).key);
    const doc = { type: "passport", number: "C01X00T47" };
    await verify(ownKey, documentPortrait(), selfiePortrait(), createBody({ applicant: { first_name: "Dora", last_name: "Delta", date_of_birth: "1970-07-07", country: "DE" }, document: doc }));
    const reuse = await verify(ownKey, documentPortrait(), selfiePortrait(), createBody({ applicant: { first_name: "Emil", last_name: "Epsilon", date_of_birth: "1999-09-09", country: "DE" }, document: { ...doc, number: "c01x 00t47" } }));
    expect(codes(reuse.layers.duplicates)).toContain("DUPLICATE_DOCUMENT");
  });
});

describe("liveness layer", () => {
  it("passive liveness scores the selfie and reports the threshold it used", async () => {
    const v = await verify(key, documentPortrait(), selfiePortrait());
    const passed = v.layers.liveness.findings.find((f: { code: string }) => f.code === "LIVENESS_PASSED");
    expect(passed.data.score).toBeGreaterThanOrEqual(passed.data.threshold);
  });

  it("selfie frames that are byte copies of each other → FRAMES_IDENTICAL", async () => {
    const frame = selfiePortraitAgain();
    const v = await verify(key, documentPortrait(), selfiePortrait(), createBody(), [frame, frame]);
    expect(codes(v.layers.liveness)).toContain("FRAMES_IDENTICAL");
    expect(v.layers.liveness.status).toBe("failed");
  });

  it("frames of someone else than the selfie → FRAMES_IDENTITY_MISMATCH", async () => {
    const v = await verify(key, documentPortrait(), selfiePortrait(), createBody(), [otherPortrait()]);
    expect(codes(v.layers.liveness)).toContain("FRAMES_IDENTITY_MISMATCH");
  });

  it("a head-pose challenge answered with frontal frames only → CHALLENGE_FAILED", async () => {
    let steps: string[] = [];
    const v = await verify(key, documentPortrait(), selfiePortrait(), createBody(), [selfiePortraitAgain(), selfiePortrait(), documentPortrait()], async (id) => {
      const res = await call(`/v1/verifications/${id}/challenge`, { method: "POST", headers: key, json: {} });
      expect(res.status).toBe(201);
      steps = res.data.steps;
      expect(steps).toHaveLength(3);
      for (const s of steps) expect(["turn_left", "turn_right", "look_up", "look_down"]).toContain(s);
    });
    const failed = v.layers.liveness.findings.find((f: { code: string }) => f.code === "CHALLENGE_FAILED");
    expect(failed.data.steps).toEqual(steps);
    expect(v.status).not.toBe("verified");
  });

  it("a challenge cannot be issued after submission", async () => {
    const v = await verify(key, documentPortrait(), selfiePortrait());
    expectErrorShape(await call(`/v1/verifications/${v.id}/challenge`, { method: "POST", headers: key, json: {} }), 409, "INVALID_TRANSITION");
  });
});
