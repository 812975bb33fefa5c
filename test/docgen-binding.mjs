/**
 * The DOCGEN service binding of the workers tests (vitest.config.ts): generated identity documents, made in Node
 * by scripts/docgen (sharp cannot run in workerd) and served to tests inside workerd.
 *
 *   GET /genuine?seed=N[&kind=td1|td3][&expiry=YYYY-MM-DD] → { bytes (base64), truth } (expiry overrides the holder's)
 *   GET /tamper?seed=N&type=<TamperType>[&exif=stripped|kept|software][&editor=<preset>]
 *                                                           → the genuine document of that seed, tampered
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

export async function docgenBinding(request) {
  const url = new URL(request.url);
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
