/**
 * The card both the copy-move and the portrait-boundary tests forge: a document rendered with sharp (guilloche
 * background, rosettes, a face-api demo portrait, labelled fields with repeated words, an MRZ full of `<`),
 * "photographed" (blur, noise, JPEG), decoded and re-encoded the way a forger works.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
export const root = path.resolve(__dirname, "../../..");
export const demo = (n: number) => readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));

export interface Rgba { width: number; height: number; data: Uint8Array }
export interface Rect { x: number; y: number; width: number; height: number }

/** Deterministic PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** Thin sine curves across the whole card plus a tile of rosettes: printed security background. */
export function guilloche(w: number, h: number, phase: number): string {
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

export interface DocumentScene {
  width: number;
  height: number;
  card: Rect;
  portrait: Rect;
  /** A field value (text) inside the card, in image pixels. */
  textLines: Rect[];
  mrz: Rect;
}

/** Renders a card (guilloche, portrait of sample1, labelled fields, an MRZ) on a desk, as a flawless RGB PNG. */
export async function renderDocument(width: number, height: number, seed: number, portraitSample = 1): Promise<{ png: Buffer; scene: DocumentScene }> {
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
export async function photograph(png: Buffer, seed: number, { blur = 1, noise = 3, quality = 90 } = {}): Promise<Buffer> {
  const { data, info } = await sharp(png).removeAlpha().blur(blur).raw().toBuffer({ resolveWithObject: true });
  const rand = random(seed * 7919 + 1);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(data[i] + noise * gaussian(rand))));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

export async function decode(jpeg: Buffer): Promise<Rgba> {
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function encode(image: Rgba, quality: number): Promise<Buffer> {
  return sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } }).removeAlpha().jpeg({ quality }).toBuffer();
}
