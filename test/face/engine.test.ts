/**
 * The face engine inside workerd: onnxruntime-web from the imported wasm module, models from the
 * local R2 MODELS bucket (filled by test/setup.ts), photos from the face-api dev dependency.
 */
import { env } from "cloudflare:test";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { cosineSimilarity } from "../../src/face/embedding";
import { decodeImage } from "../../src/face/decode";
import { makeImage } from "../../src/face/image";
import { thresholds } from "../../src/face/manifest";
import { workerFaceEngine } from "../../src/face/ort-web-runtime";
import { sample1, sample3, sample5 } from "./fixtures";
import { rephotograph } from "./rephotograph";

const engine = () => workerFaceEngine(env.MODELS);

describe("face engine in workerd", () => {
  it("matches the same woman in two different photos and rejects a different person", async () => {
    const [a, b, c] = [await engine().analyze(sample1()), await engine().analyze(sample3()), await engine().analyze(sample5())];
    expect(a.faces.length).toBe(3);
    const same = cosineSimilarity(a.faces[0].embedding!, b.faces[0].embedding!);
    const other = cosineSimilarity(a.faces[0].embedding!, c.faces[0].embedding!);
    expect(same).toBeGreaterThan(thresholds.match);
    expect(other).toBeLessThan(thresholds.match);
  });

  it("matches a face with a cropped, scaled, rotated, brightened re-encoded copy of itself", async () => {
    const img = decodeImage(sample1());
    const original = await engine().analyzeImage(img);
    const { x, y, width } = original.faces[0].box;
    const copy = rephotograph(img, x + width / 2, y + width / 2, width * 3, -8, 0.7, 20);
    const png = new PhotonImage(new Uint8Array(copy.data.buffer), copy.width, copy.height);
    const again = await engine().analyze(png.get_bytes_jpeg(85));
    png.free();
    expect(again.faces).toHaveLength(1);
    expect(cosineSimilarity(original.faces[0].embedding!, again.faces[0].embedding!)).toBeGreaterThan(0.7);
  });

  it("scores a real photo as live and reports pose, quality and stage timings", async () => {
    const r = await engine().analyze(sample3(), { liveness: true });
    const f = r.faces[0];
    expect(f.liveness!.score).toBeGreaterThan(thresholds.liveness);
    expect(f.liveness!.probabilities).toHaveLength(3);
    expect(f.landmarks).toHaveLength(68);
    expect(Math.abs(f.pose.yaw)).toBeLessThan(60);
    expect(f.quality.score).toBeGreaterThan(0);
    expect(Object.keys(r.ms)).toEqual(["decode", "detect", "landmarks", "align", "embed", "liveness"]);
  });

  it("finds no face in a gradient image, without crashing", async () => {
    const g = makeImage(640, 480, (x, y) => [x / 3, y / 2, 128]);
    const png = new PhotonImage(new Uint8Array(g.data.buffer), g.width, g.height);
    const r = await engine().analyze(png.get_bytes(), { liveness: true });
    png.free();
    expect(r.faces).toEqual([]);
    expect(r.width).toBe(640);
  });

  it("rejects random bytes with the typed IMAGE_UNDECODABLE error", async () => {
    const junk = crypto.getRandomValues(new Uint8Array(8192));
    await expect(engine().analyze(junk)).rejects.toMatchObject({ name: "FaceEngineError", code: "IMAGE_UNDECODABLE" });
    // The engine still works afterwards.
    expect((await engine().analyze(sample5(), { embed: false })).faces.length).toBeGreaterThan(0);
  });
});
