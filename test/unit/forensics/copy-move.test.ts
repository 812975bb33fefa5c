/**
 * Copy-move detection on realistic document photos: a card (guilloche background, rosettes, sample1's portrait,
 * labelled fields with repeated words, an MRZ full of `<`) rendered with sharp, "photographed" (blur σ 1, noise,
 * JPEG q 90), then forged the way a forger works — on the decoded photo, saved again as JPEG q 85.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { type Box, findClones } from "../../../src/imaging/copy-move";
const root = path.resolve(__dirname, "../../..");
const demo = (n: number) => readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));

interface Rgba { width: number; height: number; data: Uint8Array }
interface Rect { x: number; y: number; width: number; height: number }

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** Thin sine curves across the whole card plus a tile of rosettes: printed security background. */
function guilloche(w: number, h: number, phase: number): string {
  const curves: string[] = [];
  for (let i = 0; i < 70; i++) {
    const y0 = (i / 70) * h;
    const amp = 6 + (i % 5) * 2;
    const period = 37 + (i % 7) * 3;
    let d = `M0 ${y0.toFixed(1)}`;
    for (let x = 2; x <= w; x += 2) d += ` L${x} ${(y0 + amp * Math.sin((x + phase + i * 9) / period * 2 * Math.PI)).toFixed(1)}`;
    curves.push(`<path d="${d}" fill="none" stroke="#a9bcd3" stroke-width="0.7"/>`);
  }
  const rosette = `<pattern id="r" width="24" height="24" patternUnits="userSpaceOnUse"><circle cx="12" cy="12" r="8" fill="none" stroke="#9fb3cc" stroke-width="0.8"/><circle cx="0" cy="0" r="8" fill="none" stroke="#9fb3cc" stroke-width="0.8"/><circle cx="24" cy="24" r="8" fill="none" stroke="#9fb3cc" stroke-width="0.8"/></pattern>`;
  return `<defs>${rosette}</defs>${curves.join("")}<rect x="${w * 0.62}" y="${h * 0.05}" width="${w * 0.33}" height="${h * 0.14}" fill="url(#r)"/>`;
}

interface DocumentScene {
  width: number;
  height: number;
  card: Rect;
  portrait: Rect;
  /** A field value (text) inside the card, in image pixels. */
  textLines: Rect[];
  mrz: Rect;
}

/** Renders a card (guilloche, portrait of sample1, labelled fields, an MRZ) on a desk, as a flawless RGB PNG. */
async function renderDocument(width: number, height: number, seed: number, portraitSample = 1): Promise<{ png: Buffer; scene: DocumentScene }> {
  const rand = random(seed);
  const cardW = Math.round(width * 0.8);
  const cardH = Math.round(cardW / 1.586);
  const cardX = Math.round((width - cardW) / 2 + (rand() - 0.5) * 20);
  const cardY = Math.round((height - cardH) / 2 + (rand() - 0.5) * 20);
  const portraitH = Math.round(cardH * 0.62);
  const portraitW = Math.round(portraitH * (500 / 580));
  const portraitX = Math.round(cardW * 0.05);
  const portraitY = Math.round(cardH * 0.2);
  const fs = Math.round(cardH * 0.04);
  const tx = portraitX + portraitW + Math.round(cardW * 0.05);
  const fields: [string, string][] = [
    ["SURNAME", "ERIKSSON"],
    ["GIVEN NAMES", "ANNA MARIA"],
    ["DATE OF BIRTH", "12 AUG 1974"],
    ["PLACE OF BIRTH", "ZENITH"],
    ["DATE OF ISSUE", "16 APR 2017"],
    ["DATE OF EXPIRY", "15 APR 2027"],
  ];
  const textLines: Rect[] = [];
  let svgText = "";
  fields.forEach(([label, value], i) => {
    const y = Math.round(cardH * 0.2 + i * fs * 2.4);
    svgText += `<text x="${tx}" y="${y}" font-family="DejaVu Sans" font-size="${Math.round(fs * 0.55)}" fill="#4a5668">${label}</text>`;
    svgText += `<text x="${tx}" y="${y + fs * 1.1}" font-family="DejaVu Sans" font-weight="bold" font-size="${fs}" fill="#1d2330">${value}</text>`;
    textLines.push({ x: cardX + tx, y: cardY + Math.round(y + fs * 0.2), width: Math.round(value.length * fs * 0.68), height: Math.round(fs) });
  });
  const mrzSize = Math.round(cardH * 0.05);
  const mrzY = Math.round(cardH * 0.86);
  const mrz1 = "P&lt;UTOERIKSSON&lt;&lt;ANNA&lt;MARIA&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;";
  const mrz2 = "L898902C36UTO7408122F1204159ZE184226B&lt;&lt;&lt;&lt;&lt;10";
  svgText += `<text x="${cardW * 0.04}" y="${mrzY}" font-family="OCR B" font-size="${mrzSize}" fill="#111">${mrz1}</text>`;
  svgText += `<text x="${cardW * 0.04}" y="${mrzY + mrzSize * 1.3}" font-family="OCR B" font-size="${mrzSize}" fill="#111">${mrz2}</text>`;
  svgText += `<text x="${cardW * 0.05}" y="${cardH * 0.12}" font-family="DejaVu Serif" font-weight="bold" font-size="${fs * 1.3}" fill="#233a66">REPUBLIC OF UTOPIA · PASSPORT</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cardW}" height="${cardH}"><rect width="${cardW}" height="${cardH}" rx="${cardH * 0.04}" fill="#dfe7ef"/>${guilloche(cardW, cardH, rand() * 100)}${svgText}</svg>`;
  const crops: Record<number, [number, number, number, number]> = { 1: [1330, 60, 500, 580] };
  const [l, t, cw, ch] = crops[portraitSample] ?? [0, 0, 0, 0];
  const portrait = await sharp(demo(portraitSample)).extract({ left: l, top: t, width: cw, height: ch }).resize(portraitW, portraitH).toBuffer();
  const card = await sharp(Buffer.from(svg))
    .composite([{ input: portrait, left: portraitX, top: portraitY }])
    .png()
    .toBuffer();
  const png = await sharp({ create: { width, height, channels: 3, background: "#6b5a48" } })
    .composite([{ input: card, left: cardX, top: cardY }])
    .png()
    .toBuffer();
  return {
    png,
    scene: {
      width,
      height,
      card: { x: cardX, y: cardY, width: cardW, height: cardH },
      portrait: { x: cardX + portraitX, y: cardY + portraitY, width: portraitW, height: portraitH },
      textLines,
      mrz: { x: cardX + Math.round(cardW * 0.04), y: cardY + mrzY - mrzSize, width: Math.round(cardW * 0.9), height: Math.round(mrzSize * 2.6) },
    },
  };
}

/** "Photographs" a flawless rendering: optical blur, sensor noise, the phone's JPEG. */
async function photograph(png: Buffer, seed: number, { blur = 1, noise = 3, quality = 90 } = {}): Promise<Buffer> {
  const { data, info } = await sharp(png).removeAlpha().blur(blur).raw().toBuffer({ resolveWithObject: true });
  const rand = random(seed * 7919 + 1);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(data[i] + noise * gaussian(rand))));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

async function decode(jpeg: Buffer): Promise<Rgba> {
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function encode(image: Rgba, quality: number): Promise<Buffer> {
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } }).removeAlpha().jpeg({ quality }).toBuffer();
}

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
