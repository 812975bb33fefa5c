import { describe, expect, it } from "vitest";
import type { AnalyzedFace, FaceAnalysis } from "../../../src/face/engine";
import { l2Normalize } from "../../../src/face/embedding";
import { faceMatchLayer, livenessLayer, matchRisk } from "../../../src/pipeline/layers/face-rules";
import { thresholds } from "../../../src/face/manifest";

const ms = { decode: 1, detect: 2, landmarks: 0, align: 0, embed: 3, liveness: 0 };
const quality = (score = 0.9) => ({ score, size: 1, sharpness: score, frontal: 1, exposure: 1, detector: 1, raw: { interOcularPx: 60, laplacianVariance: 200, meanLuma: 120 } });
const vec = (...v: number[]) => l2Normalize(new Float32Array([...v, ...new Array(512 - v.length).fill(0)]));

function face(over: Partial<AnalyzedFace> & { side?: number } = {}): AnalyzedFace {
  const side = over.side ?? 200;
  return {
    box: { x: 10, y: 10, width: side, height: side },
    score: 0.99,
    landmarks: [],
    landmarks5: [],
    pose: { yaw: 0, pitch: 0, roll: 0 },
    quality: quality(),
    ...over,
  };
}
const analysis = (faces: AnalyzedFace[], extra: Partial<FaceAnalysis> = {}): FaceAnalysis => ({ width: 800, height: 600, faces, ms, ...extra });
const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);

const alice = vec(1, 0.1);
const aliceAgain = vec(1, 0.3);
const bob = vec(0.1, 1);

describe("faceMatchLayer", () => {
  it("passes one face on each side that match, with low risk", () => {
    const r = faceMatchLayer({ document: analysis([face({ embedding: alice })]), selfie: analysis([face({ embedding: aliceAgain })]) });
    expect(r.status).toBe("passed");
    expect(r.score).toBeLessThan(30);
    expect(codes(r)).toEqual(["FACE_MATCH"]);
    expect(r.findings[0].data?.threshold).toBe(thresholds.match);
  });

  it("fails with FACE_MISMATCH for different people", () => {
    const r = faceMatchLayer({ document: analysis([face({ embedding: alice })]), selfie: analysis([face({ embedding: bob })]) });
    expect(r.status).toBe("failed");
    expect(codes(r)).toContain("FACE_MISMATCH");
    expect(r.score).toBeGreaterThanOrEqual(70);
  });

  it("fails with NO_FACE when an image has no face", () => {
    const r = faceMatchLayer({ document: analysis([]), selfie: analysis([face({ embedding: alice })]) });
    expect(r.status).toBe("failed");
    expect(r.findings).toEqual([expect.objectContaining({ code: "NO_FACE", data: { image: "document" } })]);
    expect(r.score).toBe(100);
  });

  it("ignores a small ghost portrait on the document but warns about two comparable faces in the selfie", () => {
    const doc = analysis([face({ embedding: alice, side: 300 }), face({ side: 90 })]);
    const selfie = analysis([face({ embedding: aliceAgain, side: 200 }), face({ side: 190 })]);
    const r = faceMatchLayer({ document: doc, selfie });
    expect(r.status).toBe("warning");
    expect(r.findings.filter((f) => f.code === "MULTIPLE_FACES").map((f) => f.data?.image)).toEqual(["selfie"]);
  });

  it("warns about a low-quality face with its components", () => {
    const r = faceMatchLayer({ document: analysis([face({ embedding: alice, quality: quality(0.2) })]), selfie: analysis([face({ embedding: aliceAgain })]) });
    expect(r.status).toBe("warning");
    const low = r.findings.find((f) => f.code === "LOW_QUALITY");
    expect(low?.data).toMatchObject({ image: "document", quality: { score: 0.2 } });
  });

  it("is skipped when an image was not provided", () => {
    expect(faceMatchLayer({ document: null, selfie: analysis([face({ embedding: alice })]) }).status).toBe("skipped");
  });

  it("maps similarity to risk monotonically around the threshold", () => {
    expect(matchRisk(0.9, 0.37)).toBe(0);
    expect(matchRisk(0.37, 0.37)).toBe(30);
    expect(matchRisk(0.3, 0.37)).toBeGreaterThan(70);
    expect(matchRisk(-0.2, 0.37)).toBe(100);
  });
});

describe("livenessLayer", () => {
  const live = (score: number) => ({ score, probabilities: [score, 1 - score, 0] });

  it("passes a selfie the model scores as live", () => {
    const r = livenessLayer({ selfie: analysis([face({ embedding: alice, liveness: live(0.98) })]) });
    expect(r.status).toBe("passed");
    expect(r.score).toBe(2);
  });

  it("fails with SPOOF_SUSPECTED below the threshold", () => {
    const r = livenessLayer({ selfie: analysis([face({ embedding: alice, liveness: live(0.1) })]) });
    expect(r.status).toBe("failed");
    expect(codes(r)).toEqual(["SPOOF_SUSPECTED"]);
  });

  it("fails with FRAMES_IDENTICAL for byte- or pixel-identical frames", () => {
    const selfie = analysis([face({ embedding: alice, liveness: live(0.99) })]);
    const f = (sha256: string, pixelHash: string) => ({ sha256, analysis: analysis([face({ embedding: aliceAgain })], { pixelHash }) });
    expect(codes(livenessLayer({ selfie, frames: [f("a", "p1"), f("a", "p2")] }))).toContain("FRAMES_IDENTICAL");
    expect(codes(livenessLayer({ selfie, frames: [f("a", "p1"), f("b", "p1")] }))).toContain("FRAMES_IDENTICAL");
    const ok = livenessLayer({ selfie, frames: [f("a", "p1"), f("b", "p2")] });
    expect(ok.status).toBe("passed");
  });

  it("fails with FRAMES_IDENTITY_MISMATCH when a frame shows someone else or no face", () => {
    const selfie = analysis([face({ embedding: alice, liveness: live(0.99) })]);
    const r = livenessLayer({
      selfie,
      frames: [
        { analysis: analysis([face({ embedding: aliceAgain })], { pixelHash: "1" }) },
        { analysis: analysis([face({ embedding: bob })], { pixelHash: "2" }) },
        { analysis: analysis([], { pixelHash: "3" }) },
      ],
    });
    expect(r.status).toBe("failed");
    const f = r.findings.find((x) => x.code === "FRAMES_IDENTITY_MISMATCH");
    expect((f?.data?.frames as { frame: number }[]).map((x) => x.frame)).toEqual([1, 2]);
  });

  it("checks a head-pose challenge against the frames in order", () => {
    const selfie = analysis([face({ embedding: alice, liveness: live(0.99) })]);
    const frame = (yaw: number, pitch: number, i: number) => ({ analysis: analysis([face({ embedding: aliceAgain, pose: { yaw, pitch, roll: 0 } })], { pixelHash: String(i) }) });
    const frames = [frame(0, 0, 0), frame(-25, 0, 1), frame(0, 15, 2)];
    const passed = livenessLayer({ selfie, frames, challenge: { steps: ["turn_right", "look_up"] } });
    expect(passed.status).toBe("passed");
    expect(codes(passed)).toContain("CHALLENGE_PASSED");
    const failed = livenessLayer({ selfie, frames, challenge: { steps: ["turn_left", "look_up"] } });
    expect(failed.status).toBe("failed");
    expect(codes(failed)).toContain("CHALLENGE_FAILED");
  });

  it("fails with NO_FACE and is skipped without a selfie", () => {
    expect(codes(livenessLayer({ selfie: analysis([]) }))).toEqual(["NO_FACE"]);
    expect(livenessLayer({ selfie: null }).status).toBe("skipped");
  });
});
