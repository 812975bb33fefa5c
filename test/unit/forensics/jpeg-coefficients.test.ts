import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { forEachLumaBlock } from "../../../src/imaging/jpeg/coefficients";
import { JpegFormatError, readJpegStructure } from "../../../src/imaging/jpeg/structure";

const SAMPLE = "node_modules/@vladmandic/face-api/demo/sample1.jpg";

/** Orthonormal 8×8 inverse DCT of natural-order coefficients, + 128. */
function inverseDct(coef: Float64Array): Float64Array {
  const out = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let sum = 0;
      for (let v = 0; v < 8; v++) {
        for (let u = 0; u < 8; u++) {
          const c = coef[v * 8 + u];
          if (c === 0) continue;
          const cu = u === 0 ? Math.SQRT1_2 : 1;
          const cv = v === 0 ? Math.SQRT1_2 : 1;
          sum += cu * cv * c * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        }
      }
      out[y * 8 + x] = sum / 4 + 128;
    }
  }
  return out;
}

/** Luma of sharp's own decode: greyscale directly, RGB through the JFIF Y formula. */
async function decodedLuma(jpeg: Buffer): Promise<{ y: Float64Array; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const y = new Float64Array(info.width * info.height);
  for (let i = 0; i < y.length; i++) {
    y[i] = info.channels >= 3 ? 0.299 * data[i * info.channels] + 0.587 * data[i * info.channels + 1] + 0.114 * data[i * info.channels + 2] : data[i * info.channels];
  }
  return { y, width: info.width, height: info.height };
}

/** Mean |IDCT(coef·q) − decoded luma| over every visited block, plus visit bookkeeping. */
async function lumaError(jpeg: Buffer, rows?: [number, number]) {
  const ref = await decodedLuma(jpeg);
  let error = 0;
  let pixels = 0;
  let visits = 0;
  const seen = new Set<number>();
  const dequantised = new Float64Array(64);
  const summary = forEachLumaBlock(
    new Uint8Array(jpeg),
    (bx, by, coef) => {
      visits++;
      seen.add(by * 100000 + bx);
      for (let i = 0; i < 64; i++) dequantised[i] = coef[i] * summary0.q[i];
      const pixelsOut = inverseDct(dequantised);
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          const px = bx * 8 + x;
          const py = by * 8 + y;
          if (px >= ref.width || py >= ref.height) continue;
          error += Math.abs(Math.min(255, Math.max(0, pixelsOut[y * 8 + x])) - ref.y[py * ref.width + px]);
          pixels++;
        }
      }
    },
    rows ? { rows } : {},
  );
  return { meanError: error / pixels, visits, distinct: seen.size, summary, ref };
}

// The visitor needs q before the call returns; read it from a first pass over the same bytes.
let summary0: { q: ArrayLike<number> } = { q: new Uint16Array(64) };
async function prepare(jpeg: Buffer) {
  summary0 = forEachLumaBlock(new Uint8Array(jpeg), () => {});
}

async function sampleImage(width: number, height: number) {
  return sharp(SAMPLE).resize(width, height, { fit: "fill" });
}

describe("forEachLumaBlock", () => {
  const cases: [string, (img: sharp.Sharp) => sharp.Sharp][] = [
    ["baseline 4:2:0", (img) => img.jpeg({ quality: 80, chromaSubsampling: "4:2:0" })],
    ["baseline 4:4:4", (img) => img.jpeg({ quality: 85, chromaSubsampling: "4:4:4" })],
    ["greyscale", (img) => img.toColourspace("b-w").jpeg({ quality: 75 })],
    ["progressive 4:2:0", (img) => img.jpeg({ quality: 80, progressive: true })],
    ["progressive 4:4:4", (img) => img.jpeg({ quality: 92, progressive: true, chromaSubsampling: "4:4:4" })],
    ["progressive greyscale", (img) => img.toColourspace("b-w").jpeg({ quality: 70, progressive: true })],
  ];
  for (const [name, encode] of cases) {
    it(`reproduces the decoded luminance of a ${name} file (odd size, padding blocks skipped)`, async () => {
      const jpeg = await encode(await sampleImage(203, 141)).toBuffer();
      await prepare(jpeg);
      const structure = readJpegStructure(new Uint8Array(jpeg));
      expect(structure.components).toHaveLength(name.includes("greyscale") ? 1 : 3);
      expect(structure.progressive).toBe(name.startsWith("progressive"));
      const { meanError, visits, distinct, summary } = await lumaError(jpeg);
      expect(summary.blocksWide).toBe(26);
      expect(summary.blocksHigh).toBe(18);
      expect(visits).toBe(26 * 18);
      expect(distinct).toBe(26 * 18);
      expect(meanError).toBeLessThan(1.2);
    });
  }

  it("visits only the requested band of rows in a progressive file, with the same coefficients", async () => {
    const jpeg = await (await sampleImage(320, 240)).jpeg({ quality: 85, progressive: true }).toBuffer();
    await prepare(jpeg);
    const full = new Map<number, number>();
    forEachLumaBlock(new Uint8Array(jpeg), (bx, by, coef) => full.set(by * 1000 + bx, coef.reduce((a, c, i) => a + c * (i + 1), 0)));
    const band = new Map<number, number>();
    forEachLumaBlock(new Uint8Array(jpeg), (bx, by, coef) => band.set(by * 1000 + bx, coef.reduce((a, c, i) => a + c * (i + 1), 0)), { rows: [10, 20] });
    expect(band.size).toBe(40 * 10);
    for (const [key, value] of band) expect(value).toBe(full.get(key));
    const { meanError } = await lumaError(jpeg, [10, 20]);
    expect(meanError).toBeLessThan(1.2);
  });

  it("decodes a hand-made file with a restart interval", async () => {
    const jpeg = await (await sampleImage(100, 60)).jpeg({ quality: 80, chromaSubsampling: "4:2:0" }).toBuffer();
    const withRestarts = insertRestartMarkers(new Uint8Array(jpeg));
    await prepare(Buffer.from(withRestarts));
    const baseline = await lumaError(jpeg);
    const restarted = await lumaError(Buffer.from(withRestarts));
    expect(readJpegStructure(withRestarts).restartInterval).toBe(3);
    expect(restarted.visits).toBe(baseline.visits);
    const original: number[] = [];
    forEachLumaBlock(new Uint8Array(jpeg), (_x, _y, coef) => original.push(...coef));
    const repacked: number[] = [];
    forEachLumaBlock(withRestarts, (_x, _y, coef) => repacked.push(...coef));
    expect(repacked).toEqual(original);
    expect(restarted.meanError).toBeLessThan(1.2);
  });

  it("throws JpegFormatError quickly for truncated, zeroed, random and PNG input", async () => {
    const jpeg = new Uint8Array(await (await sampleImage(400, 300)).jpeg({ quality: 80 }).toBuffer());
    const png = new Uint8Array(await (await sampleImage(40, 30)).png().toBuffer());
    let seed = 7;
    const random = new Uint8Array(5000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255);
    const randomWithSoi = random.slice();
    randomWithSoi.set([0xff, 0xd8, 0xff]);
    const inputs = [jpeg.subarray(0, jpeg.length >> 1), jpeg.subarray(0, 300), new Uint8Array(4096), random, randomWithSoi, png, new Uint8Array(0)];
    const started = performance.now();
    for (const input of inputs) expect(() => forEachLumaBlock(input, () => {})).toThrow(JpegFormatError);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

/**
 * Re-encodes nothing: it re-packs the entropy-coded data of a 4:2:0 baseline file so that a DRI
 * segment and RSTn markers appear every `interval` MCUs. It works at the bit level by decoding the
 * Huffman codes with a tiny reference decoder of its own, so it tests the restart handling, not itself.
 */
function insertRestartMarkers(jpeg: Uint8Array, interval = 3): Uint8Array {
  // Locate segments we need.
  let p = 2;
  const dht: { tc: number; th: number; codes: Map<string, number> }[] = [];
  let sos = -1;
  let components: { h: number; v: number; td: number; ta: number }[] = [];
  const sofComponents: { id: number; h: number; v: number }[] = [];
  let width = 0;
  let height = 0;
  while (p < jpeg.length) {
    const marker = jpeg[p + 1];
    const length = (jpeg[p + 2] << 8) | jpeg[p + 3];
    if (marker === 0xc4) {
      let q = p + 4;
      while (q < p + 2 + length) {
        const counts = jpeg.subarray(q + 1, q + 17);
        const codes = new Map<string, number>();
        let code = 0;
        let idx = q + 17;
        for (let len = 1; len <= 16; len++) {
          for (let i = 0; i < counts[len - 1]; i++) codes.set(code.toString(2).padStart(len, "0"), jpeg[idx++]), code++;
          code <<= 1;
        }
        dht.push({ tc: jpeg[q] >> 4, th: jpeg[q] & 15, codes });
        q = idx;
      }
    } else if (marker === 0xc0) {
      height = (jpeg[p + 5] << 8) | jpeg[p + 6];
      width = (jpeg[p + 7] << 8) | jpeg[p + 8];
      for (let i = 0; i < jpeg[p + 9]; i++) sofComponents.push({ id: jpeg[p + 10 + 3 * i], h: jpeg[p + 11 + 3 * i] >> 4, v: jpeg[p + 11 + 3 * i] & 15 });
    } else if (marker === 0xda) {
      sos = p;
      const n = jpeg[p + 4];
      components = [];
      for (let i = 0; i < n; i++) {
        const sc = sofComponents.find((c) => c.id === jpeg[p + 5 + 2 * i])!;
        components.push({ h: sc.h, v: sc.v, td: jpeg[p + 6 + 2 * i] >> 4, ta: jpeg[p + 6 + 2 * i] & 15 });
      }
      break;
    }
    p += 2 + length;
  }
  const sosLength = (jpeg[sos + 2] << 8) | jpeg[sos + 3];
  let bitPos = 0;
  const dataStart = sos + 2 + sosLength;
  const raw: number[] = [];
  for (let i = dataStart; i < jpeg.length - 2; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] !== 0x00) break;
    raw.push(jpeg[i]);
    if (jpeg[i] === 0xff) i++;
  }
  const bit = (i: number) => (raw[i >> 3] >> (7 - (i & 7))) & 1;
  const readCode = (table: Map<string, number>) => {
    let s = "";
    for (;;) {
      s += bit(bitPos++);
      const v = table.get(s);
      if (v !== undefined) return v;
    }
  };
  const readBits = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | bit(bitPos++);
    return v;
  };
  const extend = (v: number, n: number) => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  const category = (v: number) => (v === 0 ? 0 : Math.floor(Math.log2(Math.abs(v))) + 1);
  const table = (tc: number, th: number) => dht.filter((t) => t.tc === tc && t.th === th).at(-1)!.codes;
  const inverse = (codes: Map<string, number>) => new Map([...codes].map(([k, v]) => [v, k]));
  const out: string[] = [];
  const segments: string[][] = [];
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  const mcus = Math.ceil(width / (8 * maxH)) * Math.ceil(height / (8 * maxV));
  const readPredictor = components.map(() => 0);
  const writePredictor = components.map(() => 0);
  const tables = components.map((c) => ({ dc: table(0, c.td), ac: table(1, c.ta), dcOut: inverse(table(0, c.td)), acOut: inverse(table(1, c.ta)) }));
  for (let m = 0; m < mcus; m++) {
    if (m % interval === 0) {
      if (m) segments.push(out.splice(0));
      writePredictor.fill(0);
    }
    components.forEach((c, ci) => {
      const { dc, ac, dcOut, acOut } = tables[ci];
      for (let b = 0; b < c.h * c.v; b++) {
        const t = readCode(dc);
        readPredictor[ci] += extend(readBits(t), t);
        const diff = readPredictor[ci] - writePredictor[ci];
        writePredictor[ci] = readPredictor[ci];
        const n = category(diff);
        out.push(dcOut.get(n)! + (n === 0 ? "" : (diff < 0 ? diff + (1 << n) - 1 : diff).toString(2).padStart(n, "0")));
        for (let k = 1; k < 64; ) {
          const rs = readCode(ac);
          const bits = readBits(rs & 15);
          out.push(acOut.get(rs)! + (rs & 15 ? bits.toString(2).padStart(rs & 15, "0") : ""));
          if ((rs & 15) === 0 && rs >> 4 !== 15) break;
          k += (rs >> 4) + 1;
        }
      }
    });
  }
  segments.push(out.splice(0));
  const bytes: number[] = [];
  segments.forEach((segment, i) => {
    let s = segment.join("");
    while (s.length % 8) s += "1";
    for (let j = 0; j < s.length; j += 8) {
      const b = parseInt(s.slice(j, j + 8), 2);
      bytes.push(b);
      if (b === 0xff) bytes.push(0);
    }
    if (i < segments.length - 1) bytes.push(0xff, 0xd0 + (i % 8));
  });
  const head = jpeg.subarray(0, sos);
  const dri = [0xff, 0xdd, 0x00, 0x04, interval >> 8, interval & 255];
  return Uint8Array.from([...head, ...dri, ...jpeg.subarray(sos, dataStart), ...bytes, 0xff, 0xd9]);
}
