/**
 * The face and liveness layers over real engine results in workerd: document = one photo of a
 * person, selfie = another photo of the same person, of someone else, or of nothing.
 */
import { env } from "cloudflare:test";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { makeImage } from "../../src/face/image";
import { faceMatchLayer, livenessLayer } from "../../src/pipeline/layers/face-rules";
import { workerFaceEngine } from "../../src/face/ort-web-runtime";
import { sample1, sample3, sample5 } from "./fixtures";

const analyze = (bytes: Uint8Array) => workerFaceEngine(env.MODELS).analyze(bytes, { embed: true, liveness: true, pixelHash: true });

describe("face layer on real photos", () => {
  it("passes another photo of the document's person and fails someone else with FACE_MISMATCH", async () => {
    const document = await analyze(sample1());
    const same = faceMatchLayer({ document, selfie: await analyze(sample3()) });
    expect(same.findings.map((f) => f.code)).not.toContain("FACE_MISMATCH");
    expect(["passed", "warning"]).toContain(same.status);
    const other = faceMatchLayer({ document, selfie: await analyze(sample5()) });
    expect(other.status).toBe("failed");
    expect(other.findings.map((f) => f.code)).toContain("FACE_MISMATCH");
  });

  it("reports NO_FACE for a selfie without a face", async () => {
    const g = makeImage(400, 300, (x) => [x / 2, 90, 160]);
    const png = new PhotonImage(new Uint8Array(g.data.buffer), g.width, g.height);
    const selfie = await analyze(png.get_bytes());
    png.free();
    const r = faceMatchLayer({ document: await analyze(sample3()), selfie });
    expect(r.status).toBe("failed");
    expect(r.findings).toContainEqual(expect.objectContaining({ code: "NO_FACE", data: { image: "selfie" } }));
  });

  it("flags the same frame uploaded twice as FRAMES_IDENTICAL", async () => {
    const selfie = await analyze(sample3());
    const frame = await analyze(sample3());
    const r = livenessLayer({ selfie, frames: [{ analysis: frame }, { analysis: await analyze(sample3()) }] });
    expect(r.status).toBe("failed");
    expect(r.findings.map((f) => f.code)).toContain("FRAMES_IDENTICAL");
  });
});
