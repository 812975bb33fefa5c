/**
 * The DOCGEN service binding of the workers tests (vitest.config.ts): generated identity documents, made in Node
 * by scripts/docgen (sharp cannot run in workerd) and served to tests inside workerd.
 *
 *   GET /genuine?seed=N[&kind=td1|td3][&expiry=YYYY-MM-DD] → { bytes (base64), truth } (expiry overrides the holder's)
 *   GET /tamper?seed=N&type=<TamperType>[&exif=stripped|kept|software][&editor=<preset>]
 *                                                           → the genuine document of that seed, tampered
 *   GET /malformed                                          → [{ name, bytes (base64) }]: unusual encodings only sharp
 *                                                             can make (progressive, CMYK, 16-bit, animated, EXIF
 *                                                             orientation 6, 1×1 …) for test/fuzz/uploads.test.ts,
 *                                                             which crafts the broken files from them byte by byte
 * The portrait is the woman of face-api's sample1 (tests' selfie is the same woman in sample3), so a genuine
 * document matches the selfie; a pasted portrait is sample5's woman.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { photograph, randomHolder, renderDocument, tamper } from "../scripts/docgen/index.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const sample = (n) => readFile(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));
const cache = new Map();

async function faces() {
  if (!cache.has("faces")) {
    const [one, five] = await Promise.all([sample(1), sample(5)]);
    cache.set("faces", {
      portrait: new Uint8Array(await sharp(one).extract({ left: 1330, top: 60, width: 500, height: 580 }).jpeg({ quality: 95 }).toBuffer()),
      other: new Uint8Array(await sharp(five).extract({ left: 180, top: 0, width: 580, height: 660 }).jpeg({ quality: 95 }).toBuffer()),
    });
  }
  return cache.get("faces");
}

async function genuine(seed, kind, expiry) {
  const key = `g:${seed}:${kind}:${expiry ?? ""}`;
  if (!cache.has(key)) {
    const { portrait } = await faces();
    // `expiry` keeps a test's document valid whatever the day it runs (a random holder's may lie in the past).
    const holder = { ...randomHolder(seed), ...(expiry ? { expiryDate: expiry } : {}) };
    const flat = await renderDocument({ kind, holder, face: portrait, layout: "green-right", fonts: { text: "DejaVu Serif", numbers: "DejaVu Sans Mono" }, seed });
    cache.set(key, await photograph(flat, { seed, width: 1600, height: 1200, quality: 90, tables: "ijg", rotationDegrees: 2, tilt: 0.02, blurSigma: 0.8, glare: false }));
  }
  return cache.get(key);
}

const json = (body) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
const base64 = (bytes) => Buffer.from(bytes).toString("base64");

/**
 * Legitimate but unusual encodings of the selfie and of a genuine document, as phones, scanners and editors write
 * them. Made once per run. The selfie is the woman of sample3 (the same woman as the documents' portrait).
 */
async function unusualEncodings() {
  if (!cache.has("unusual")) {
    const selfie = await sharp(await sample(3)).extract({ left: 900, top: 40, width: 550, height: 660 }).toBuffer();
    const document = Buffer.from((await genuine(1, "td1", "2031-01-01")).bytes);
    const frame = (r, g, b) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g, b } } }).raw().toBuffer();
    const frames = Buffer.concat(await Promise.all([frame(200, 30, 30), frame(30, 200, 30), frame(30, 30, 200)]));
    const files = {
      "selfie.jpg": sharp(selfie).jpeg({ quality: 90 }),
      "selfie.png": sharp(selfie).png(),
      "selfie.webp": sharp(selfie).webp({ quality: 85 }),
      "document-progressive.jpg": sharp(document).jpeg({ quality: 90, progressive: true }),
      "document-16bit.png": sharp(document).resize({ width: 1000 }).toColourspace("rgb16").png(),
      "selfie-progressive.jpg": sharp(selfie).jpeg({ quality: 90, progressive: true }),
      "selfie-cmyk.jpg": sharp(selfie).toColourspace("cmyk").jpeg({ quality: 90 }),
      "selfie-16bit.png": sharp(selfie).toColourspace("rgb16").png(),
      "selfie-grayscale.jpg": sharp(selfie).toColourspace("b-w").jpeg({ quality: 90 }),
      // Stored lying on its side, with the EXIF tag that tells viewers to turn it upright, as phones do.
      "selfie-orientation-6.jpg": sharp(selfie).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }),
      "animated.webp": sharp(frames, { raw: { width: 64, height: 48 * 3, channels: 3, pageHeight: 48 } }).webp({ loop: 0, delay: [100, 100, 100] }),
      "one-pixel.jpg": sharp({ create: { width: 1, height: 1, channels: 3, background: "#808080" } }).jpeg(),
      "one-pixel.png": sharp({ create: { width: 1, height: 1, channels: 3, background: "#808080" } }).png(),
      "one-pixel.webp": sharp({ create: { width: 1, height: 1, channels: 3, background: "#808080" } }).webp({ lossless: true }),
      "one-pixel-lossy.webp": sharp({ create: { width: 1, height: 1, channels: 3, background: "#808080" } }).webp({ quality: 80 }),
    };
    const out = [];
    for (const [name, image] of Object.entries(files)) out.push({ name, bytes: base64(await image.toBuffer()) });
    cache.set("unusual", out);
  }
  return cache.get("unusual");
}

export async function docgenBinding(request) {
  const url = new URL(request.url);
  if (url.pathname === "/malformed") return json(await unusualEncodings());
  const seed = Number(url.searchParams.get("seed") ?? 1);
  const kind = url.searchParams.get("kind") === "td3" ? "td3" : "td1";
  const expiry = /^\d{4}-\d{2}-\d{2}$/.test(url.searchParams.get("expiry") ?? "") ? url.searchParams.get("expiry") : undefined;
  const photo = await genuine(seed, kind, expiry);
  if (url.pathname === "/genuine") return json({ bytes: base64(photo.bytes), truth: photo.truth });
  if (url.pathname === "/tamper") {
    const { other } = await faces();
    const type = url.searchParams.get("type");
    const options = { type, seed, split: "heldout", face: other };
    if (url.searchParams.get("exif")) options.exifMode = url.searchParams.get("exif");
    if (url.searchParams.get("editor")) options.editorTable = url.searchParams.get("editor");
    const forged = await tamper(photo, options);
    return json({ bytes: base64(forged.bytes), truth: forged.truth, genuine: photo.truth });
  }
  return new Response("unknown route", { status: 404 });
}
