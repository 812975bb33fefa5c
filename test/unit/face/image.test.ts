import { describe, expect, it } from "vitest";
import { applyOrientation, cropResize, flipHorizontal, makeImage, pixelHash, toPlanar, warpAffine } from "../../../src/face/image";

describe("warpAffine", () => {
  it("is the identity for a unit map", () => {
    const img = makeImage(7, 5, (x, y) => [x * 30, y * 40, 7]);
    const out = warpAffine(img, [1, 0, 0, 0, 1, 0], 7, 5);
    expect(out[(2 * 7 + 3) * 3]).toBe(90);
    expect(out[(2 * 7 + 3) * 3 + 1]).toBe(80);
  });

  it("box-filters when shrinking, so a fine checkerboard becomes flat grey instead of aliasing", () => {
    const img = makeImage(400, 400, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const out = cropResize(img, { x: 0, y: 0, width: 400, height: 400 }, 50, 50);
    for (let i = 0; i < out.length; i += 3) expect(Math.abs(out[i] - 127.5)).toBeLessThan(3);
  });

  it("clamps samples outside the image to the edge", () => {
    const img = makeImage(4, 4, () => [10, 20, 30]);
    const out = cropResize(img, { x: -10, y: -10, width: 30, height: 30 }, 3, 3);
    expect(Array.from(out.slice(0, 3))).toEqual([10, 20, 30]);
  });
});

describe("channel handling", () => {
  it("writes planar BGR with the given normalisation", () => {
    const rgb = new Float32Array([255, 127, 0]);
    expect(Array.from(toPlanar(rgb, 1, 1, "bgr", 127, 128))).toEqual([-127 / 128, 0, 1]);
    expect(Array.from(toPlanar(rgb, 1, 1, "rgb", 0, 1))).toEqual([255, 127, 0]);
  });

  it("mirrors rows", () => {
    const rgb = new Float32Array([1, 1, 1, 2, 2, 2]);
    expect(Array.from(flipHorizontal(rgb, 2, 1))).toEqual([2, 2, 2, 1, 1, 1]);
  });
});

describe("pixelHash", () => {
  it("is equal for equal pixels and differs when one pixel changes", () => {
    const a = makeImage(20, 10, (x, y) => [x, y, 3]);
    const b = makeImage(20, 10, (x, y) => [x, y, 3]);
    const c = makeImage(20, 10, (x, y) => [x, y, x === 5 && y === 5 ? 4 : 3]);
    expect(pixelHash(a)).toBe(pixelHash(b));
    expect(pixelHash(a)).not.toBe(pixelHash(c));
  });
});

describe("applyOrientation", () => {
  // 3×2 image whose red channel numbers the pixels row by row: 0 1 2 / 3 4 5.
  const img = makeImage(3, 2, (x, y) => [y * 3 + x, 0, 0]);
  const reds = (i: { width: number; height: number; data: ArrayLike<number> }) =>
    Array.from({ length: i.width * i.height }, (_, k) => i.data[k * 4]);

  it.each([
    [1, 3, [0, 1, 2, 3, 4, 5]],
    [2, 3, [2, 1, 0, 5, 4, 3]],
    [3, 3, [5, 4, 3, 2, 1, 0]],
    [4, 3, [3, 4, 5, 0, 1, 2]],
    [5, 2, [0, 3, 1, 4, 2, 5]],
    [6, 2, [3, 0, 4, 1, 5, 2]],
    [7, 2, [5, 2, 4, 1, 3, 0]],
    [8, 2, [2, 5, 1, 4, 0, 3]],
  ])("orientation %d makes the stored pixels upright", (o, width, expected) => {
    const out = applyOrientation(img, o);
    expect(out.width).toBe(width);
    expect(reds(out)).toEqual(expected);
  });
});
