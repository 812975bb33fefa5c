import { describe, expect, it } from "vitest";
import type { Point } from "../../../src/face/align";
import { decodeLandmarks, fivePoints } from "../../../src/face/landmarks";
import { decodeLiveness, livenessRegion, softmax } from "../../../src/face/liveness";
import { estimateQuality, laplacianVariance } from "../../../src/face/quality";

describe("landmarks", () => {
  it("maps model fractions into the box and derives the five alignment points", () => {
    const out = new Float32Array(136);
    for (let i = 0; i < 68; i++) {
      out[i * 2] = i / 100;
      out[i * 2 + 1] = 0.5;
    }
    const pts = decodeLandmarks(out, { x: 100, y: 200, width: 50, height: 80 });
    expect(pts[10][0]).toBeCloseTo(105, 5);
    expect(pts[10][1]).toBe(240);
    const five = fivePoints(pts);
    expect(five[0][0]).toBeCloseTo(100 + ((37 + 38 + 40 + 41) / 4 / 100) * 50);
    expect(five[2]).toEqual(pts[30]);
    expect(five[4][0]).toBeCloseTo(100 + ((54 + 64) / 2 / 100) * 50);
  });
});

describe("liveness", () => {
  it("reads the live probability from class 0 of a stable softmax", () => {
    const r = decodeLiveness(new Float32Array([1000, 998, 0]));
    expect(r.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(softmax([0, 0]).every((p) => p === 0.5)).toBe(true);
  });

  it("enlarges the box 2.7× but never past the image", () => {
    expect(livenessRegion({ x: 400, y: 400, width: 100, height: 100 }, 2000, 2000)).toMatchObject({ width: 270, height: 270 });
    const r = livenessRegion({ x: 0, y: 0, width: 300, height: 300 }, 500, 400);
    expect(r.height).toBeLessThanOrEqual(399);
    expect(r.x).toBeGreaterThanOrEqual(0);
    expect(r.y).toBeGreaterThanOrEqual(0);
  });
});

describe("quality", () => {
  const crop = (sharp: boolean) => {
    const rgb = new Float32Array(112 * 112 * 3);
    for (let y = 0; y < 112; y++)
      for (let x = 0; x < 112; x++) {
        const v = sharp ? ((x >> 1) + (y >> 1)) % 2 ? 200 : 60 : 130;
        rgb.fill(v, (y * 112 + x) * 3, (y * 112 + x) * 3 + 3);
      }
    return rgb;
  };
  const frontal = { yaw: 0, pitch: 0, roll: 0 };

  it("scores a sharp, large, frontal face high and lists its components", () => {
    const q = estimateQuality({ alignedRgb: crop(true), interOcularPx: 80, pose: frontal, detectorScore: 0.99 });
    expect(q.score).toBeGreaterThan(0.9);
    expect(q).toMatchObject({ size: 1, sharpness: 1, frontal: 1, exposure: 1 });
  });

  it("scores a featureless crop, a tiny face or a profile low", () => {
    expect(estimateQuality({ alignedRgb: crop(false), interOcularPx: 80, pose: frontal, detectorScore: 0.99 }).sharpness).toBe(0);
    expect(estimateQuality({ alignedRgb: crop(true), interOcularPx: 8, pose: frontal, detectorScore: 0.99 }).score).toBe(0);
    expect(estimateQuality({ alignedRgb: crop(true), interOcularPx: 80, pose: { yaw: 45, pitch: 0, roll: 0 }, detectorScore: 0.99 }).frontal).toBeCloseTo(0.1);
  });

  it("measures Laplacian variance as zero on a flat image", () => {
    expect(laplacianVariance(new Float32Array(100).fill(9), 10, 10)).toBe(0);
  });
});
