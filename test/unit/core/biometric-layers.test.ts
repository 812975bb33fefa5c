/**
 * The biometric layers over their ports, in Node: the real face engine (onnxruntime-node, the workerd engine's
 * twin runtime) and the in-memory gallery twin. Photos: face-api's demo samples (sample1 and sample3 show the same
 * woman, sample5 someone else), cut to single-person portraits.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PhotonImage, crop } from "@cf-wasm/photon";
import { beforeAll, describe, expect, it } from "vitest";
import { InjectedFault, memoryGallery } from "../../../src/adapters/memory/twins";
import { createFaceEngine, type FaceEngine } from "../../../src/face/engine";
import { ortNodeRuntime } from "../../../src/face/ort-node-runtime";
import { decodeOnce } from "../../../src/pipeline/images";
import { Analyses, biometricLayers } from "../../../src/pipeline/layers/biometrics";
import type { Gallery } from "../../../src/pipeline/layers/biometrics";
import type { MediaInput, PipelineInputs } from "../../../src/pipeline/types";

const root = path.resolve(__dirname, "../../..");
const sample = async (n: number) => new Uint8Array(await readFile(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));
function cut(bytes: Uint8Array, x1: number, y1: number, x2: number, y2: number): Uint8Array {
  const img = PhotonImage.new_from_byteslice(bytes);
  const part = crop(img, x1, y1, x2, y2);
  try {
    return part.get_bytes_jpeg(90);
  } finally {
    part.free();
    img.free();
  }
}

let engine: FaceEngine;
let document: Uint8Array;
let selfie: Uint8Array;
let other: Uint8Array;
beforeAll(async () => {
  const modelDir = path.join(root, "node_modules/faceplugin-face-recognition-js/model");
  engine = createFaceEngine({ loadModel: (f) => readFile(path.join(modelDir, f)), runtime: ortNodeRuntime(1), now: () => performance.now() });
  document = cut(await sample(1), 1330, 60, 1830, 640);
  selfie = cut(await sample(3), 900, 40, 1450, 700);
  other = cut(await sample(5), 180, 0, 760, 660);
});

const media = (kind: MediaInput["kind"], bytes: Uint8Array, sha256: string): MediaInput => ({ kind, bytes, contentType: "image/jpeg", sha256 });
const inputs = (doc: Uint8Array, self: Uint8Array, documentNumber: string | null = null): PipelineInputs => ({
  verificationId: "ver_now",
  tenantId: "ten_1",
  declared: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1984-08-12", country: "DE", documentType: "id_card", documentNumber, documentIssuingCountry: "DE", documentExpiry: null, mrz: null },
  media: [media("document_front", doc, "doc"), media("selfie", self, "selfie")],
  request: { country: null, ip: null },
});
const ctx = () => ({ clock: () => performance.now(), today: "2026-12-03", images: decodeOnce() });

async function run(gallery: Gallery, input: PipelineInputs) {
  const c = ctx();
  const layers = biometricLayers({ engine, gallery, challenge: null }, new Analyses(engine, c.images));
  const out = [];
  for (const l of layers) out.push(await l.run(input, c));
  return Object.fromEntries(out.map((r) => [r.layer, r]));
}

const embeddingOf = async (bytes: Uint8Array) => (await engine.analyze(bytes, { embed: true })).faces[0].embedding!;

describe("biometric layers over the gallery port", () => {
  it("the same face verified before under another name → DUPLICATE_FACE naming it; the face layer keeps both aligned crops", async () => {
    const gallery = memoryGallery({ faces: [{ verificationId: "ver_earlier", embedding: await embeddingOf(selfie), sameApplicant: false }] });
    const r = await run(gallery, inputs(document, selfie));
    const dup = r.duplicates.findings.find((f) => f.code === "DUPLICATE_FACE");
    expect(dup?.data?.matches).toEqual([expect.objectContaining({ verification_id: "ver_earlier" })]);
    expect(r.duplicates.status).toBe("failed");
    expect(r.face.status).toBe("passed");
    expect(r.face.artifacts?.map((a) => a.name)).toEqual(["face_document", "face_selfie"]);
    for (const a of r.face.artifacts ?? []) expect([...a.bytes.slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it("the same face under the same identity is a returning applicant, not a duplicate; someone else's face matches nothing", async () => {
    const mine = memoryGallery({ faces: [{ verificationId: "ver_mine", embedding: await embeddingOf(selfie), sameApplicant: true }] });
    const codes = (await run(mine, inputs(document, selfie))).duplicates.findings.map((f) => f.code);
    expect(codes).toContain("RETURNING_APPLICANT");
    expect(codes).not.toContain("DUPLICATE_FACE");
    const stranger = memoryGallery({ faces: [{ verificationId: "ver_stranger", embedding: await embeddingOf(other), sameApplicant: false }] });
    expect((await run(stranger, inputs(document, selfie))).duplicates.findings.map((f) => f.code)).toEqual(["NO_DUPLICATE_FACE"]);
  });

  it("a document number used before under another name → DUPLICATE_DOCUMENT; a failing gallery throws so the job retries", async () => {
    const reused = memoryGallery({ documentReuse: [{ verificationId: "ver_doc", sameApplicant: false }] });
    const dup = (await run(reused, inputs(document, selfie, "T22000129"))).duplicates.findings.find((f) => f.code === "DUPLICATE_DOCUMENT");
    expect(dup?.data?.verification_ids).toEqual(["ver_doc"]);
    await expect(run(memoryGallery({}, { fail: true }), inputs(document, selfie))).rejects.toBeInstanceOf(InjectedFault);
  });
});
