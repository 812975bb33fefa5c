/**
 * The documents the MRZ reader is benchmarked on (scripts/docgen/reading-set.mjs): the same seed gives the same
 * bytes, TD1 cards are shown from the back with a valid 3 × 30 MRZ and passports with a valid 2 × 44 one, and the
 * held-out split is printed and photographed with settings the tuning split never uses.
 */
import { parse } from "mrz";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { READING_SPLITS, readingSet, type ReadingSetItem } from "../../../scripts/docgen/index.mjs";

async function collect(split: "tuning" | "heldout", count: number, seed: number): Promise<ReadingSetItem[]> {
  const items: ReadingSetItem[] = [];
  for await (const item of readingSet({ split, count, seed })) items.push(item);
  return items;
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

describe("readingSet", () => {
  let heldout: ReadingSetItem[];
  beforeAll(async () => {
    heldout = await collect("heldout", 2, 7);
  }, 60_000);

  it("yields byte-identical photos for the same seed and different ones for another seed", async () => {
    const again = await collect("heldout", 2, 7);
    expect(again.map((i) => Buffer.from(i.bytes).toString("base64"))).toEqual(heldout.map((i) => Buffer.from(i.bytes).toString("base64")));
    const [other] = await collect("heldout", 1, 8);
    expect(Buffer.from(other.bytes).equals(Buffer.from(heldout[0].bytes))).toBe(false);
  }, 60_000);

  it("alternates passports (data page, 2 × 44) and ID cards (back side, 3 × 30) with valid MRZs that match the holder", async () => {
    const [td3, td1] = heldout;
    expect([td3.truth.kind, td3.truth.side]).toEqual(["td3", "front"]);
    expect([td1.truth.kind, td1.truth.side]).toEqual(["td1", "back"]);
    expect(td3.truth.mrz.map((l) => l.length)).toEqual([44, 44]);
    expect(td1.truth.mrz.map((l) => l.length)).toEqual([30, 30, 30]);
    for (const { truth } of heldout) {
      const parsed = parse(truth.mrz);
      expect(parsed.valid).toBe(true);
      expect(parsed.fields.documentNumber).toBe(truth.holder.documentNumber);
      expect(parsed.fields.birthDate).toBe(truth.holder.birthDate.replace(/-/g, "").slice(2));
      expect(parsed.fields.expirationDate).toBe(truth.holder.expiryDate.replace(/-/g, "").slice(2));
    }
  });

  it("produces photographed JPEGs with the MRZ inside the frame", async () => {
    for (const { bytes, truth } of heldout) {
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe("jpeg");
      expect([meta.width, meta.height]).toEqual([truth.photo.width, truth.photo.height]);
      const box = truth.mrzBox.bbox;
      expect(box.x).toBeGreaterThan(0);
      expect(box.y).toBeGreaterThan(0);
      expect(box.x + box.width).toBeLessThan(truth.photo.width);
      expect(box.y + box.height).toBeLessThan(truth.photo.height);
      expect(READING_SPLITS.heldout.qualities).toContain(truth.photo.quality);
    }
  });

  it("kinds restricts the set to one document type", async () => {
    const items: ReadingSetItem[] = [];
    for await (const item of readingSet({ split: "tuning", count: 2, seed: 3, kinds: ["td1"] })) items.push(item);
    expect(items.map((i) => [i.truth.kind, i.truth.side])).toEqual([["td1", "back"], ["td1", "back"]]);
  }, 60_000);

  it("never uses a held-out print or capture setting while tuning", () => {
    const { tuning, heldout: held } = READING_SPLITS;
    expect(tuning.layouts.filter((l) => held.layouts.includes(l))).toEqual([]);
    expect(held.mrzFonts.filter((f) => !tuning.mrzFonts.includes(f)).length).toBeGreaterThan(0);
    expect(tuning.qualities.filter((q) => held.qualities.includes(q))).toEqual([]);
    expect(tuning.frameWidths.filter((w) => held.frameWidths.includes(w))).toEqual([]);
    expect(overlaps(tuning.mrzSizeScale, held.mrzSizeScale)).toBe(false);
    expect(overlaps(tuning.mrzLetterSpacing, held.mrzLetterSpacing)).toBe(false);
    expect(overlaps(tuning.mrzStroke, held.mrzStroke)).toBe(false);
    expect(overlaps(tuning.bandOpacity, held.bandOpacity)).toBe(false);
    expect(tuning.bandPattern).toBe(0);
    expect(held.bandPattern).toBeGreaterThan(0);
    // Capture conditions as issue 11 asks: JPEG q70–95, tilt up to 5°.
    for (const split of [tuning, held]) {
      expect(Math.min(...split.qualities)).toBeGreaterThanOrEqual(70);
      expect(Math.max(...split.qualities)).toBeLessThanOrEqual(95);
      expect(Math.max(...split.rotationDegrees.map(Math.abs))).toBeLessThanOrEqual(5);
    }
  });

  it("prints the held-out documents in the style the split draws, the tuning ones in the tuning style", async () => {
    const [tuningItem] = await collect("tuning", 1, 7);
    const inRange = (v: number, [lo, hi]: [number, number]) => v >= lo && v <= hi;
    expect(inRange(tuningItem.truth.mrzStyle.letterSpacing, READING_SPLITS.tuning.mrzLetterSpacing)).toBe(true);
    expect(tuningItem.truth.mrzStyle.pattern).toBe("none");
    for (const { truth } of heldout) {
      expect(inRange(truth.mrzStyle.letterSpacing, READING_SPLITS.heldout.mrzLetterSpacing)).toBe(true);
      expect(inRange(truth.mrzStyle.stroke, READING_SPLITS.heldout.mrzStroke)).toBe(true);
      expect(READING_SPLITS.heldout.layouts).toContain(truth.layout);
    }
    // Different holders in the two splits for the same seed: nothing read while tuning reappears held-out.
    expect(tuningItem.truth.mrz).not.toEqual(heldout[0].truth.mrz);
  }, 60_000);
});
