/**
 * Portrait substitution on realistic document photos: a card with sample1's portrait rendered with sharp and
 * "photographed" (blur σ 1, noise, JPEG q 90) is genuine; the same photo with the portrait replaced afterwards by
 * another face (sharp, noise-free) and saved at q 85 is a substitution.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { portraitBoundary, portraitRegion } from "../../../src/imaging/portrait-boundary";
import { demo, type Rgba, type Rect, random, gaussian, renderDocument, photograph, decode, encode } from "./card-fixture";


/**
 * Pastes another face photo (cropped to fit, sharp and clean) over the printed portrait and its blurred border (the
 * rectangle grown by 3 px, as a forger covers the old photo completely; the generator pastes over its bounding box).
 */
async function substitute(image: Rgba, printed: Rect, sample: number): Promise<Rgba> {
  const rect = { x: printed.x - 3, y: printed.y - 3, width: printed.width + 6, height: printed.height + 6 };
  const { data } = await sharp(demo(sample)).resize(rect.width, rect.height, { fit: "cover", position: "attention" }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(image.data);
  for (let y = 0; y < rect.height; y++) out.set(data.subarray(y * rect.width * 4, (y + 1) * rect.width * 4), ((rect.y + y) * image.width + rect.x) * 4);
  return { ...image, data: out };
}

/** The face box a detector would give for the printed portrait, a few pixels off as detectors are. */
function faceBox(portrait: Rect, seed: number): Rect {
  const width = portrait.width / 1.6;
  const height = portrait.height / 2;
  return { x: portrait.x + (portrait.width - width) / 2 + ((seed % 3) - 1) * 6, y: portrait.y + 0.45 * height + ((seed % 5) - 2) * 5, width, height };
}

describe("portraitBoundary", () => {
  it("passes a portrait photographed with its card and flags one pasted in afterwards", async () => {
    for (const [seed, sample] of [
      [1, 3],
      [2, 4],
      [3, 6],
    ]) {
      const { png, scene } = await renderDocument(1600, 1200, seed);
      const photo = await decode(await photograph(png, seed));
      const face = faceBox(scene.portrait, seed);
      const genuine = portraitBoundary(photo, face);
      expect(genuine.suspicious).toBe(false);
      expect(genuine.score).toBeLessThan(0.3);
      const forged = portraitBoundary(await decode(await encode(await substitute(photo, scene.portrait, sample), 85)), face);
      expect(forged.suspicious).toBe(true);
      expect(forged.score).toBeGreaterThan(0.6);
      // The pasted border is a hard edge; the printed one went through the lens like the card's text.
      expect(forged.edgeStrength).toBeGreaterThan(genuine.edgeStrength + 0.15);
    }
  });

  it("measures noise: a photo with more sensor noise reads noisier inside and out", async () => {
    const { png, scene } = await renderDocument(1600, 1200, 4);
    const face = faceBox(scene.portrait, 4);
    const quiet = portraitBoundary(await decode(await photograph(png, 4, { noise: 2 })), face);
    const noisy = portraitBoundary(await decode(await photograph(png, 4, { noise: 8 })), face);
    expect(noisy.ring.noise).toBeGreaterThan(quiet.ring.noise * 1.5);
    expect(noisy.inside.noise).toBeGreaterThan(quiet.inside.noise * 1.5);
    expect(noisy.suspicious).toBe(false);
  });

  it("needs two sides of a rectangle: one hard straight line beside the face (a card edge at 0°) is not a paste", () => {
    // A blur-free grey "photo" with sensor noise; the face box in the middle.
    const size = 400;
    const face = { x: 150, y: 140, width: 100, height: 120 };
    const scene = (inside: (x: number, y: number) => boolean): Rgba => {
      const rand = random(7);
      const data = new Uint8Array(size * size * 4);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const v = Math.round((inside(x, y) ? 70 : 200) + 3 * gaussian(rand));
          data.set([v, v, v, 255], (y * size + x) * 4);
        }
      }
      return { width: size, height: size, data };
    };
    const cardEdge = portraitBoundary(scene((x) => x >= 300), face);
    const pasted = portraitBoundary(scene((x, y) => x >= 110 && x < 290 && y >= 90 && y < 330), face);
    expect(cardEdge.suspicious).toBe(false);
    expect(cardEdge.score).toBe(0);
    expect(pasted.suspicious).toBe(true);
    expect(pasted.edgeStrength).toBeGreaterThan(0.9);
  });

  it("expands the face box to the printed photo, 1.6× wide and 2× tall, clipped to the image", () => {
    expect(portraitRegion({ x: 100, y: 100, width: 100, height: 100 }, 1600, 1200)).toEqual({ x: 70, y: 55, width: 160, height: 200 });
    expect(portraitRegion({ x: 0, y: 0, width: 100, height: 100 }, 120, 150)).toEqual({ x: 0, y: 0, width: 120, height: 150 });
  });
});
