/**
 * Copy-move detection on realistic document photos: a card (guilloche background, rosettes, sample1's portrait,
 * labelled fields with repeated words, an MRZ full of `<`) rendered with sharp, "photographed" (blur σ 1, noise,
 * JPEG q 90), then forged the way a forger works — on the decoded photo, saved again as JPEG q 85.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { type Box, findClones } from "../../../src/imaging/copy-move";
import { type Rgba, type Rect, renderDocument, photograph, decode, encode, guilloche } from "./card-fixture";

/** A forger's copy-move: `rect` copied to `rect` moved by (dx, dy). */
function copyRegion(image: Rgba, rect: Rect, dx: number, dy: number): Rgba {
  const data = new Uint8Array(image.data);
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.y + y) * image.width + rect.x) * 4;
    const to = ((rect.y + y + dy) * image.width + rect.x + dx) * 4;
    data.copyWithin(to, from, from + rect.width * 4);
  }
  return { ...image, data };
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** A genuine photo and the same photo with 60×40 px of a field value copied by (137, 53), saved at q 85. */
async function genuineAndForged(seed: number) {
  const { png, scene } = await renderDocument(1600, 1200, seed);
  const genuine = await decode(await photograph(png, seed));
  const line = scene.textLines[seed % 6];
  const source = { x: line.x, y: line.y, width: 60, height: 40 };
  const pasted = { ...source, x: source.x + 137, y: source.y + 53 };
  const forged = await decode(await encode(copyRegion(genuine, source, 137, 53), 85));
  return { genuine, forged, pasted };
}

describe("findClones", () => {
  it("finds a field value copied elsewhere after the photo was taken, and nothing in the genuine photo", async () => {
    for (const seed of [1, 2]) {
      const { genuine, forged, pasted } = await genuineAndForged(seed);
      const clean = findClones(genuine);
      expect(clean.regions).toEqual([]);
      expect(clean.score).toBe(0);
      const result = findClones(forged);
      expect(result.regions).toHaveLength(1);
      const [region] = result.regions;
      expect(region.shift).toEqual({ dx: 137, dy: 53 });
      expect(iou(region.target, pasted)).toBeGreaterThanOrEqual(0.5);
      expect(region.correlation).toBeGreaterThan(0.95);
      expect(result.score).toBeGreaterThan(0.8);
    }
  });

  it("ignores a card made only of repeating print: guilloche, rosettes and a line of `<`", async () => {
    const w = 1200;
    const h = 760;
    const rows = Array.from({ length: 6 }, (_, i) => `<text x="30" y="${520 + i * 40}" font-family="OCR B" font-size="34" fill="#111">${"&lt;".repeat(60)}</text>`).join("");
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#dfe7ef"/>${guilloche(w, h, 17)}<rect width="${w}" height="${h * 0.6}" fill="url(#r)"/>${rows}</svg>`;
    const photo = await decode(await photograph(await sharp(Buffer.from(svg)).png().toBuffer(), 5));
    const result = findClones(photo);
    expect(result.regions).toEqual([]);
    expect(result.score).toBe(0);
  });

  it("works on a large image through its reduced copy and reports boxes in the input's pixels", async () => {
    const { forged, pasted } = await genuineAndForged(1);
    // Each pixel doubled: 3200×2400, beyond the analysis budget, so the detector works at half size.
    const big = { width: forged.width * 2, height: forged.height * 2, data: new Uint8Array(forged.data.length * 4) };
    for (let y = 0; y < big.height; y++) {
      for (let x = 0; x < big.width; x++) {
        const from = ((y >> 1) * forged.width + (x >> 1)) * 4;
        big.data.set(forged.data.subarray(from, from + 4), (y * big.width + x) * 4);
      }
    }
    const result = findClones(big);
    expect(result.regions).toHaveLength(1);
    expect(result.regions[0].shift).toEqual({ dx: 274, dy: 106 });
    const doubled = { x: pasted.x * 2, y: pasted.y * 2, width: pasted.width * 2, height: pasted.height * 2 };
    expect(iou(result.regions[0].target, doubled)).toBeGreaterThanOrEqual(0.5);
  });

  it("returns nothing for an image too small to hold two blocks apart", () => {
    const tiny = { width: 40, height: 40, data: new Uint8Array(40 * 40 * 4).fill(200) };
    expect(findClones(tiny)).toEqual({ regions: [], score: 0 });
  });
});
