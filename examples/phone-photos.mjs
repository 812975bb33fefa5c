/**
 * Phone-sized photos of one person, generated with sharp (a Miniflare dependency) from face-api's MIT-licensed
 * demo photos (the @vladmandic/face-api dev dependency): a document (the woman of sample1 as the portrait on an
 * ID-card-like card, on a desk; landscape) and a selfie (the same woman in sample3; portrait), at a given size,
 * with sensor-like grain so the JPEGs weigh what a phone's do. Used by examples/try-12mp.mjs and bench/memory.
 *
 *   node examples/phone-photos.mjs [12MP|16.7MP|2MP] [out-dir]   → writes document-<size>.jpg and selfie-<size>.jpg
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const demo = (n) => readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));

/** Sizes by name: 4:3 like phone cameras; 16.7 MP is the upload cap (4096×4096). */
export const SIZES = {
  "2MP": [1632, 1224],
  "12MP": [4032, 3024],
  "16.7MP": [4096, 4096],
};

async function grain(width, height, seed) {
  // A cheap deterministic noise field (xorshift), blended softly over the picture.
  const raw = Buffer.alloc(width * height);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = 128 + ((x >>> 0) % 25) - 12;
  }
  return sharp(raw, { raw: { width, height, channels: 1 } }).toColourspace("srgb").png().toBuffer();
}

/** The document photo: an ID-card-like rectangle with the portrait on the left, photographed on a desk (landscape). */
export async function documentPhoto([w, h]) {
  const cardW = Math.round(w * 0.8);
  const cardH = Math.round(cardW / 1.586);
  const portraitH = Math.round(cardH * 0.72);
  const portrait = await sharp(demo(1)).extract({ left: 1330, top: 60, width: 500, height: 580 }).resize({ height: portraitH }).toBuffer();
  const pw = Math.round((500 / 580) * portraitH);
  const line = (i) => ({
    input: { create: { width: Math.round(cardW * (0.38 - 0.05 * (i % 3))), height: Math.max(4, Math.round(cardH * 0.03)), channels: 3, background: "#3a4150" } },
    left: Math.round(cardW * 0.1 + pw + cardW * 0.05),
    top: Math.round(cardH * (0.22 + 0.11 * i)),
  });
  const card = await sharp({ create: { width: cardW, height: cardH, channels: 3, background: "#dfe7ef" } })
    .composite([{ input: portrait, left: Math.round(cardW * 0.06), top: Math.round((cardH - portraitH) / 2) }, ...[0, 1, 2, 3, 4, 5].map(line)])
    .png()
    .toBuffer();
  // The camera's lens blur, scaled with the frame: a card pasted together pixel-sharp would look like a forgery to
  // the portrait-boundary check (a pasted photo's edges are one pixel hard and axis-aligned; a photographed card's are not).
  // Nor is a hand-held photo ever pixel-aligned with the card: tilt it by 1.5°.
  const blurred = await sharp(await sharp(card).rotate(1.5, { background: "#6b5a48" }).png().toBuffer())
    .blur(Math.max(1, w / 2000))
    .png()
    .toBuffer();
  return sharp({ create: { width: w, height: h, channels: 3, background: "#6b5a48" } })
    .composite([
      { input: blurred, left: Math.round((w - cardW) / 2), top: Math.round((h - cardH) / 2) },
      { input: await grain(w, h, 7), blend: "soft-light" },
    ])
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** The selfie: the same woman from another photo, filling a portrait frame (the long side vertical). */
export async function selfiePhoto([w, h]) {
  const [pw, ph] = w > h ? [h, w] : [w, h];
  return sharp(demo(3))
    .extract({ left: 900, top: 40, width: 550, height: 660 })
    .resize(pw, ph, { fit: "cover", kernel: "lanczos3" })
    .composite([{ input: await grain(pw, ph, 11), blend: "soft-light" }])
    .jpeg({ quality: 92 })
    .toBuffer();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { writeFileSync, mkdirSync } = await import("node:fs");
  const size = process.argv[2] ?? "12MP";
  const dir = process.argv[3] ?? path.join(root, "examples/out");
  if (!SIZES[size]) throw new Error(`size must be one of ${Object.keys(SIZES).join(", ")}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, make] of [["document", documentPhoto], ["selfie", selfiePhoto]]) {
    const bytes = await make(SIZES[size]);
    const file = path.join(dir, `${name}-${size}.jpg`);
    writeFileSync(file, bytes);
    const { width, height } = await sharp(bytes).metadata();
    console.log(`${file}  ${width}×${height}  ${(bytes.length / 1e6).toFixed(1)} MB`);
  }
}
