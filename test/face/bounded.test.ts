/**
 * Large photos are analysed shrunk (decoded once, resized inside photon) and reported in source pixels.
 */
import { PhotonImage, SamplingFilter, resize } from "@cf-wasm/photon";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ANALYSIS_MAX_PIXELS, ANALYSIS_MAX_SIDE, decodeBounded } from "../../src/face/decode";
import { cosineSimilarity } from "../../src/face/embedding";
import { workerFaceEngine } from "../../src/face/ort-web-runtime";
import { documentPortrait } from "../helpers/portraits";

function upscale(bytes: Uint8Array, factor: number): Uint8Array {
  const img = PhotonImage.new_from_byteslice(bytes);
  const big = resize(img, img.get_width() * factor, img.get_height() * factor, SamplingFilter.Triangle);
  try {
    return big.get_bytes_jpeg(90);
  } finally {
    big.free();
    img.free();
  }
}

describe("bounded analysis of large photos", () => {
  it("shrinks a 10 MP photo to the analysis size (longest side and pixel count) and maps faces back to source pixels", async () => {
    const small = documentPortrait(); // 500×580
    const large = upscale(small, 6); // 3000×3480
    const bounded = decodeBounded(large);
    expect(Math.max(bounded.image.width, bounded.image.height)).toBeLessThanOrEqual(ANALYSIS_MAX_SIDE);
    expect(bounded.image.width * bounded.image.height).toBeGreaterThan(ANALYSIS_MAX_PIXELS * 0.99);
    expect(bounded.image.width * bounded.image.height).toBeLessThanOrEqual(ANALYSIS_MAX_PIXELS * 1.01);
    expect([bounded.sourceWidth, bounded.sourceHeight]).toEqual([3000, 3480]);

    const engine = workerFaceEngine(env.MODELS);
    const [a, b] = [await engine.analyze(small), await engine.analyze(large)];
    expect([b.width, b.height]).toEqual([3000, 3480]);
    const [fa, fb] = [a.faces[0], b.faces[0]];
    expect(fb.box.x / 6).toBeCloseTo(fa.box.x, -1);
    expect(fb.box.width / 6).toBeGreaterThan(fa.box.width * 0.85);
    expect(fb.box.width / 6).toBeLessThan(fa.box.width * 1.15);
    expect(cosineSimilarity(fa.embedding!, fb.embedding!)).toBeGreaterThan(0.8);
  });
});
