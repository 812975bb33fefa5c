import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { analyseDoubleCompression } from "../../../src/imaging/jpeg/double-compression";
import { JpegFormatError, ZIGZAG_TO_NATURAL } from "../../../src/imaging/jpeg/structure";
import { IJG_LUMA, ijgTable } from "../../../src/imaging/jpeg/tables";

const DEMO = "node_modules/@vladmandic/face-api/demo";
const WIDTH = 640;
const HEIGHT = 400;

interface Raw {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Deterministic pseudo-random numbers (LCG), roughly normal by summing four uniforms. */
function noise(seed: number) {
  let state = seed >>> 0;
  const uniform = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return () => (uniform() + uniform() + uniform() + uniform() - 2) * 1.7;
}

/** A natural photo with sensor-like noise and an ID-card-like panel of flat colour and text bars. */
async function documentLike(sample = 1, seed = 1, width = WIDTH, height = HEIGHT): Promise<Raw> {
  const card = Buffer.from(
    `<svg width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
      <rect x="360" y="30" width="250" height="340" rx="12" fill="#e8eef2"/>
      ${Array.from({ length: 9 }, (_, i) => `<rect x="380" y="${60 + i * 32}" width="${120 + ((i * 37) % 90)}" height="12" fill="#223"/>`).join("")}
    </svg>`,
  );
  const panel = await sharp(card).resize(width, height).png().toBuffer();
  const { data } = await sharp(`${DEMO}/sample${sample}.jpg`)
    .resize(width, height, { fit: "cover" })
    .composite([{ input: panel }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const next = noise(seed);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(data[i] + next())));
  return { data: out, width, height };
}

/** Annex K (IJG) tables scaled to `quality`, as libjpeg, cameras' libraries and most web tools write them. */
const encode = (raw: Raw, quality: number, chromaSubsampling: "4:2:0" | "4:4:4" = "4:2:0") =>
  sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } }).jpeg({ quality, chromaSubsampling, quantisationTable: 0 }).toBuffer();

/** A face-api demo photo resized to `width`×`height` with mild sensor-like noise. */
async function naturalPhoto(sample: number, width: number, height: number, seed = sample): Promise<Raw> {
  const { data } = await sharp(`${DEMO}/sample${sample}.jpg`).resize(width, height, { fit: "cover" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const next = noise(seed);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(data[i] + next())));
  return { data: out, width, height };
}

/**
 * A flat, noise-free synthetic document: gradient paper, a wave guilloche of fine lines, a hatch of 1-px
 * bars, a portrait block, printed fields and an MRZ line. Its sparse, spiky histograms are the hardest
 * test of a detector that looks for periodic patterns.
 */
async function flatDocument(width: number, height: number, seed: number): Promise<Raw> {
  const s = width / 1000;
  const waves = Array.from({ length: 40 }, (_, i) => {
    const points = Array.from({ length: 50 }, (_, k) => `L${k * 20 * s} ${(i * 6 + 100 + 8 * Math.sin(k * 0.7 + i * 0.3 + seed)) * s}`).join(" ");
    return `<path d="M0 ${(i * 6 + 100) * s} ${points}" stroke="#b8c8d8" stroke-width="${0.8 * s}" fill="none"/>`;
  }).join("");
  const fields = Array.from({ length: 12 }, (_, i) => `<text x="${420 * s}" y="${(90 + i * 45) * s}" font-family="DejaVu Sans" font-size="${22 * s}" fill="#1a2030">FIELD ${i} SMITH JOHN ${seed * 13 + i}</text>`).join("");
  const hatch = Array.from({ length: 120 }, (_, i) => `<line x1="${(40 + i * 3) * s}" y1="${560 * s}" x2="${(40 + i * 3) * s}" y2="${620 * s}" stroke="#334" stroke-width="${s}"/>`).join("");
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#e8eef2"/><stop offset="1" stop-color="#dde6f0"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${waves}
    <rect x="${40 * s}" y="${80 * s}" width="${320 * s}" height="${420 * s}" fill="#c9d3dc"/><circle cx="${200 * s}" cy="${250 * s}" r="${90 * s}" fill="#8a7060"/>
    ${fields}${hatch}
    <text x="${40 * s}" y="${680 * s}" font-family="DejaVu Sans Mono" font-size="${30 * s}" fill="#000">IDUTO${seed}D23145890&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;</text>
  </svg>`;
  const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width, height };
}

async function decode(jpeg: Buffer): Promise<Raw> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** Saves at q1, pastes a patch of another photo into `box`, saves at q2. */
async function splice(raw: Raw, q1: number, q2: number, box: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
  return new Uint8Array(await encode(await splicedPixels(raw, q1, box), q2));
}

/** Saves at q1, decodes, and pastes an uncompressed, noisy patch of another photo into `box`. */
async function splicedPixels(raw: Raw, q1: number, box: { x: number; y: number; width: number; height: number }): Promise<Raw> {
  const first = await decode(await encode(raw, q1));
  const patch = await sharp(`${DEMO}/sample2.jpg`).resize(box.width, box.height, { fit: "cover" }).removeAlpha().raw().toBuffer();
  const next = noise(99);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width * 3; x++) {
      first.data[((box.y + y) * first.width + box.x) * 3 + x] = Math.min(255, Math.max(0, Math.round(patch[(y * box.width) * 3 + x] + next())));
    }
  }
  return first;
}

async function resave(raw: Raw, q1: number, q2: number): Promise<Uint8Array> {
  return new Uint8Array(await encode(await decode(await encode(raw, q1)), q2));
}

const BOX = { x: 64, y: 40, width: 160, height: 160 };

/** Mean heat of blocks inside and outside a pixel box. */
function heatInside(result: ReturnType<typeof analyseDoubleCompression>, box: typeof BOX) {
  let inside = 0;
  let insideCount = 0;
  let outside = 0;
  let outsideCount = 0;
  for (let by = 0; by < result.blocksHigh; by++) {
    for (let bx = 0; bx < result.blocksWide; bx++) {
      const h = result.heat[by * result.blocksWide + bx];
      if (bx * 8 >= box.x && bx * 8 < box.x + box.width && by * 8 >= box.y && by * 8 < box.y + box.height) {
        inside += h;
        insideCount++;
      } else {
        outside += h;
        outsideCount++;
      }
    }
  }
  return { inside: inside / insideCount, outside: outside / outsideCount };
}

const overlaps = (a: typeof BOX, b: typeof BOX) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("analyseDoubleCompression", () => {
  let raw: Raw;
  beforeAll(async () => {
    raw = await documentLike();
  });

  it.each([60, 75, 90, 95])("finds no primary table in a file saved once at quality %i and shows error levels instead", async (quality) => {
    const result = analyseDoubleCompression(new Uint8Array(await encode(raw, quality)));
    expect(result.doubleCompressed).toBe(false);
    expect(result.primary.every((q) => q === null)).toBe(true);
    expect(result.evidence).toBeLessThan(0.1);
    expect(result.anomalyScore).toBe(0);
    expect(result.heatKind).toBe("error-level");
    expect(result.heat.length).toBe(80 * 50);
    const max = result.heat.reduce((a, b) => Math.max(a, b), 0);
    const min = result.heat.reduce((a, b) => Math.min(a, b), 1);
    expect(min).toBeGreaterThanOrEqual(0);
    // Error level is measured against the IJG quality-90 table, so a quality-90 file shows no error at all.
    if (quality === 90) expect(max).toBe(0);
    else expect(max).toBeGreaterThan(0.5);
  });

  it.each([
    [60, 85],
    [70, 90],
    [50, 80],
    [75, 95],
  ])("detects a file saved at quality %i and re-saved at %i, and recovers the first table", async (q1, q2) => {
    const result = analyseDoubleCompression(await resave(raw, q1, q2));
    expect(result.doubleCompressed).toBe(true);
    expect(result.evidence).toBeGreaterThan(0.3);
    const first = ijgTable(IJG_LUMA, q1);
    const recovered = [1, 2, 3, 4, 5].filter((k) => result.primary[k] === first[ZIGZAG_TO_NATURAL[k]]);
    expect(recovered.length).toBeGreaterThanOrEqual(4);
    // Uniformly re-saved: nothing looks pasted.
    expect(result.anomalyScore).toBeLessThan(0.3);
  });

  describe("when the first save was finer than the second", () => {
    // A 1-megapixel image: the periodic trace needs a few thousand coefficients per position.
    let card: Raw;
    let photo: Raw;
    beforeAll(async () => {
      card = await documentLike(3, 1, 1280, 800);
      photo = await naturalPhoto(1, 1280, 800);
    });

    it("detects a file saved at quality 90 and re-saved at 75, recovering most first steps the second does not divide", async () => {
      const result = analyseDoubleCompression(await resave(card, 90, 75));
      expect(result.doubleCompressed).toBe(true);
      const first = ijgTable(IJG_LUMA, 90);
      const estimated = result.primary.flatMap((q, k) => (q === null ? [] : [q === first[ZIGZAG_TO_NATURAL[k]]]));
      expect(estimated.length).toBeGreaterThanOrEqual(2);
      // A multiple of the true step predicts a similar pattern, so an odd position may pick it.
      expect(estimated.filter(Boolean).length).toBeGreaterThanOrEqual(0.6 * estimated.length);
      // Too weak per block to localise: error levels are shown and nothing is called pasted.
      expect(result.heatKind).toBe("error-level");
      expect(result.regions).toEqual([]);
      expect(result.anomalyScore).toBe(0);
    });

    it.each([
      [92, 70],
      [88, 80],
      [84, 70],
    ])("detects an ID-card-like image saved at quality %i and re-saved at %i", async (q1, q2) => {
      expect(analyseDoubleCompression(await resave(card, q1, q2)).doubleCompressed).toBe(true);
    });

    it.each([
      [90, 75],
      [92, 70],
      [88, 80],
      [84, 70],
      [86, 75],
    ])("detects a natural photo saved at quality %i and re-saved at %i", async (q1, q2) => {
      expect(analyseDoubleCompression(await resave(photo, q1, q2)).doubleCompressed).toBe(true);
    });
  });

  it("calls no single-compressed photo or flat document double-compressed (60–98, 4:2:0 and 4:4:4, 1–12 MP)", async () => {
    const cases: { make: () => Promise<Raw>; qualities: number[] }[] = [
      { make: () => naturalPhoto(1, 1280, 800), qualities: [60, 75, 90, 98] },
      { make: () => naturalPhoto(2, 1200, 900), qualities: [65, 80, 92] },
      { make: () => naturalPhoto(4, 1600, 1200, 9), qualities: [70, 85, 95] },
      { make: () => naturalPhoto(6, 1000, 1000), qualities: [88, 94, 96] },
      { make: () => flatDocument(1200, 900, 1), qualities: [60, 65, 75, 85] },
      { make: () => flatDocument(1600, 1200, 2), qualities: [60, 80, 92, 95] },
      { make: () => flatDocument(4032, 3024, 9), qualities: [85] },
    ];
    const flagged: string[] = [];
    let examined = 0;
    for (const [c, { make, qualities }] of cases.entries()) {
      const pixels = await make();
      for (const [i, quality] of qualities.entries()) {
        const subsampling = (c + i) % 2 ? "4:4:4" : "4:2:0";
        const result = analyseDoubleCompression(new Uint8Array(await encode(pixels, quality, subsampling)));
        examined++;
        if (result.doubleCompressed || result.anomalyScore > 0 || result.primary.some((q) => q !== null)) flagged.push(`case ${c} q${quality} ${subsampling}`);
      }
    }
    expect(examined).toBeGreaterThanOrEqual(20);
    expect(flagged).toEqual([]);
  }, 30_000);

  it.each([
    [70, 90],
    [60, 85],
  ])("localises a patch pasted between a quality-%i save and a quality-%i re-save", async (q1, q2) => {
    const result = analyseDoubleCompression(await splice(raw, q1, q2, BOX));
    expect(result.doubleCompressed).toBe(true);
    expect(result.heatKind).toBe("double-compression");
    const { inside, outside } = heatInside(result, BOX);
    expect(inside).toBeGreaterThanOrEqual(3 * outside);
    expect(result.regions.length).toBeGreaterThan(0);
    expect(overlaps(result.regions[0], BOX)).toBe(true);
    expect(result.anomalyScore).toBeGreaterThan(0.5);
  });

  it("gives the same answer for a progressive file analysed in small bands", async () => {
    const pixels = await splicedPixels(raw, 70, BOX);
    const patch = new Uint8Array(await encode(pixels, 90));
    const progressive = new Uint8Array(await sharp(pixels.data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 90, progressive: true }).toBuffer());
    const baseline = analyseDoubleCompression(patch);
    const banded = analyseDoubleCompression(progressive, { bandBytes: 80 * 128 * 7 });
    expect(banded.blocksWide).toBe(baseline.blocksWide);
    expect(banded.doubleCompressed).toBe(true);
    expect(overlaps(banded.regions[0], BOX)).toBe(true);
    const { inside, outside } = heatInside(banded, BOX);
    expect(inside).toBeGreaterThanOrEqual(3 * outside);
  });

  it("rejects input that is not a readable JPEG with JpegFormatError", async () => {
    const jpeg = new Uint8Array(await encode(raw, 80));
    expect(() => analyseDoubleCompression(jpeg.subarray(0, jpeg.length - 4000))).toThrow(JpegFormatError);
    const png = new Uint8Array(await sharp(raw.data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toBuffer());
    expect(() => analyseDoubleCompression(png)).toThrow(JpegFormatError);
  });
});
