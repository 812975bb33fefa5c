import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readJpegStructure } from "../../../src/imaging/jpeg/structure";
import { IJG_CHROMA, IJG_LUMA, PHOTOSHOP_TABLES, estimateQuality, identifyEncoder, ijgTable } from "../../../src/imaging/jpeg/tables";
import { heatmapImage, heatmapPng } from "../../../src/imaging/jpeg/heatmap";

const SAMPLE = "node_modules/@vladmandic/face-api/demo/sample3.jpg";

describe("IJG quality scale", () => {
  it("scales Annex K like libjpeg (50 = the base table, 100 = all ones, low qualities clamp at 255)", () => {
    expect([...ijgTable(IJG_LUMA, 50)]).toEqual([...IJG_LUMA]);
    expect(ijgTable(IJG_LUMA, 100).every((v) => v === 1)).toBe(true);
    expect(ijgTable(IJG_LUMA, 90)[0]).toBe(3);
    expect(ijgTable(IJG_CHROMA, 1)[63]).toBe(255);
  });

  it.each([50, 75, 90])("reads quality %i back from a sharp (mozjpeg) file exactly", async (quality) => {
    const jpeg = await sharp(SAMPLE).resize(160, 120).jpeg({ quality }).toBuffer();
    const structure = readJpegStructure(new Uint8Array(jpeg));
    const luma = structure.qtables[structure.components[0].tq]!;
    expect(estimateQuality(luma, IJG_LUMA)).toEqual({ quality, exact: true });
    expect(identifyEncoder([luma, structure.qtables[structure.components[1].tq]])).toEqual({
      family: "ijg",
      quality,
      label: `IJG/libjpeg quality ${quality}`,
    });
  });

  it("gives the nearest quality, not exact, for a slightly edited table", () => {
    const table = ijgTable(IJG_LUMA, 80);
    table[10] += 1;
    expect(estimateQuality(table, IJG_LUMA)).toEqual({ quality: 80, exact: false });
    expect(identifyEncoder([table, ijgTable(IJG_CHROMA, 80)]).family).toBe("unknown");
  });
});

describe("Photoshop tables", () => {
  it("recognises each published Photoshop setting and not as IJG", () => {
    for (const entry of PHOTOSHOP_TABLES) {
      const guess = identifyEncoder([entry.luma, entry.chroma]);
      expect(guess.family).toBe("photoshop");
      expect(guess.label).toBe(entry.label);
    }
  });

  it("recognises a Photoshop table written into a real file (sharp cannot: it goes through the parser)", async () => {
    const jpeg = new Uint8Array(await sharp(SAMPLE).resize(64, 64).jpeg({ quality: 80 }).toBuffer());
    const maximum = PHOTOSHOP_TABLES.find((t) => t.quality === 10 && t.scale === "save-as")!;
    const patched = patchTables(jpeg, [maximum.luma, maximum.chroma]);
    const structure = readJpegStructure(patched);
    expect(identifyEncoder(structure.qtables)).toMatchObject({ family: "photoshop", quality: 10 });
  });

  it("keeps 64 natural-order values per table, monotone-ish in quality", () => {
    for (const entry of PHOTOSHOP_TABLES) {
      expect(entry.luma.length).toBe(64);
      expect(entry.chroma.length).toBe(64);
    }
    const saveAs = PHOTOSHOP_TABLES.filter((t) => t.scale === "save-as").sort((a, b) => a.quality - b.quality);
    for (let i = 1; i < saveAs.length; i++) expect(saveAs[i].luma[0]).toBeLessThanOrEqual(saveAs[i - 1].luma[0]);
  });
});

describe("heatmap", () => {
  it("scales blocks up to about 800 px and colours 0 black, 0.5 red, 1 yellow", () => {
    const heat = new Float32Array([0, 0.5, 1, 0.25]);
    const image = heatmapImage(heat, 4, 1);
    expect(image.width).toBe(800);
    expect(image.height).toBe(200);
    const pixel = (x: number) => [...image.data.subarray(x * 4, x * 4 + 4)];
    expect(pixel(0)).toEqual([0, 0, 0, 255]);
    expect(pixel(250)).toEqual([255, 0, 0, 255]);
    expect(pixel(450)).toEqual([255, 255, 0, 255]);
    expect(pixel(650)).toEqual([128, 0, 0, 255]);
  });

  it("encodes a PNG that decodes to the same size", async () => {
    const heat = new Float32Array(504 * 378).map((_, i) => (i % 504) / 504);
    const png = heatmapPng(heat, 504, 378);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(504);
    expect(meta.height).toBe(378);
  });
});

/** Rewrites the 8-bit tables of every DQT segment in place (same lengths), for table-recognition tests. */
function patchTables(jpeg: Uint8Array, tables: Uint16Array[]): Uint8Array {
  const out = jpeg.slice();
  const zigzag = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63];
  let p = 2;
  while (p < out.length && out[p + 1] !== 0xda) {
    const length = (out[p + 2] << 8) | out[p + 3];
    if (out[p + 1] === 0xdb) {
      let q = p + 4;
      while (q < p + 2 + length) {
        const slot = out[q] & 15;
        for (let k = 0; k < 64; k++) out[q + 1 + k] = tables[Math.min(slot, 1)][zigzag[k]];
        q += 65;
      }
    }
    p += 2 + length;
  }
  return out;
}
