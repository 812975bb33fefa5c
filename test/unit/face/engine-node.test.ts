/**
 * End to end in Node: the same engine code path as in workerd, on onnxruntime-node, with photos
 * from the face-api dev dependency (sample1's face at x≈1459 and sample3's face at x≈1056 are the
 * same woman; sample5's dominant face is someone else).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createFaceEngine, type FaceEngine } from "../../../src/face/engine";
import { cosineSimilarity } from "../../../src/face/embedding";
import { FaceEngineError } from "../../../src/face/errors";
import { decodeImage } from "../../../src/face/decode";
import { makeImage } from "../../../src/face/image";
import { thresholds } from "../../../src/face/manifest";
import { ortNodeRuntime } from "../../../src/face/ort-node-runtime";
import { rephotograph } from "../../face/rephotograph";

const root = path.resolve(__dirname, "../../..");
const modelDir = path.join(root, "node_modules/faceplugin-face-recognition-js/model");
const sample = async (n: number) => new Uint8Array(await readFile(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));

let engine: FaceEngine;
beforeAll(() => {
  engine = createFaceEngine({ loadModel: (f) => readFile(path.join(modelDir, f)), runtime: ortNodeRuntime(1), now: () => performance.now() });
});

describe("face engine on onnxruntime-node", () => {
  it("finds the three people of sample1 with 68 landmarks, a pose, a quality and an L2-normalised embedding", async () => {
    const r = await engine.analyze(await sample(1), { embed: true, liveness: true });
    expect(r.width).toBe(1920);
    expect(r.faces).toHaveLength(3);
    const f = r.faces[0];
    expect(f.landmarks).toHaveLength(68);
    expect(f.landmarks5).toHaveLength(5);
    expect(f.embedding).toHaveLength(512);
    expect(Math.hypot(...f.embedding!)).toBeCloseTo(1, 5);
    expect(f.quality.score).toBeGreaterThan(0.5);
    expect(f.liveness!.score).toBeGreaterThan(thresholds.liveness);
    expect(r.faces[1].embedding).toBeUndefined();
    expect(r.ms.detect).toBeGreaterThan(0);
  });

  it("matches the same woman across two different photos and rejects a different person", async () => {
    const [a, b, c] = await Promise.all([engine.analyze(await sample(1)), engine.analyze(await sample(3)), engine.analyze(await sample(5))]);
    const same = cosineSimilarity(a.faces[0].embedding!, b.faces[0].embedding!);
    const other = cosineSimilarity(a.faces[0].embedding!, c.faces[0].embedding!);
    expect(same).toBeGreaterThan(thresholds.match);
    expect(other).toBeLessThan(thresholds.match);
  });

  it("matches a face with a cropped, scaled, rotated, brightened copy of itself", async () => {
    const img = decodeImage(await sample(1));
    const original = await engine.analyzeImage(img);
    const { x, y, width } = original.faces[0].box;
    const copy = rephotograph(img, x + width / 2, y + width / 2, width * 3, 9, 0.6, 25);
    const again = await engine.analyzeImage(copy);
    expect(again.faces).toHaveLength(1);
    expect(cosineSimilarity(original.faces[0].embedding!, again.faces[0].embedding!)).toBeGreaterThan(0.7);
  });

  it("finds a small face (an ID-card-sized portrait) in a large image, sampling it at full resolution", async () => {
    const img = decodeImage(await sample(1));
    const big = await engine.analyzeImage(img);
    const { x, y, width } = big.faces[0].box;
    const small = rephotograph(img, x + width / 2, y + width / 2, width * 1.6, 0, 0.35, 0);
    // Paste the small portrait into a 2400×1800 grey canvas.
    const canvas = makeImage(2400, 1800, () => [200, 200, 195]);
    for (let yy = 0; yy < small.height; yy++) {
      for (let xx = 0; xx < small.width; xx++) {
        const s = (yy * small.width + xx) * 4;
        const d = ((yy + 900) * 2400 + xx + 1500) * 4;
        canvas.data.set(small.data.subarray(s, s + 4), d);
      }
    }
    const r = await engine.analyzeImage(canvas);
    expect(r.faces.length).toBeGreaterThanOrEqual(1);
    expect(r.faces[0].box.x).toBeGreaterThan(1500);
    expect(cosineSimilarity(big.faces[0].embedding!, r.faces[0].embedding!)).toBeGreaterThan(thresholds.match);
  });

  it("returns no faces for an image without a face", async () => {
    const gradient = makeImage(640, 480, (x, y) => [x / 3, y / 2, 128]);
    const r = await engine.analyzeImage(gradient, { liveness: true });
    expect(r.faces).toEqual([]);
  });

  it("throws IMAGE_UNDECODABLE for bytes that are not an image", async () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    await expect(engine.analyze(junk)).rejects.toMatchObject({ name: "FaceEngineError", code: "IMAGE_UNDECODABLE" });
    await expect(engine.analyze((await sample(2)).slice(0, 5000))).rejects.toBeInstanceOf(FaceEngineError);
  });

  it("does not cache a failed model load: the next call retries", async () => {
    let calls = 0;
    const flaky = createFaceEngine({
      runtime: ortNodeRuntime(1),
      loadModel: async (f) => {
        calls++;
        if (calls === 1) throw new Error("R2 hiccup");
        return readFile(path.join(modelDir, f));
      },
    });
    await expect(flaky.warmUp(["detector"])).rejects.toMatchObject({ code: "MODEL_UNAVAILABLE" });
    await expect(flaky.warmUp(["detector"])).resolves.toBeUndefined();
    await flaky.warmUp(["detector"]);
    expect(calls).toBe(2);
  });
});
