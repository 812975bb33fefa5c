#!/usr/bin/env node
/**
 * Writes a document set to a folder for people to look at:
 *   node scripts/docgen/cli.mjs --split heldout --genuine 6 --tampered 6 --out /tmp/docs [--seed 1] [--width 2000]
 *     [--faces a.jpg,b.jpg,…]
 * Faces default to the face-api demo photos in node_modules (samples 1–3 for tuning, 4–6 for held-out).
 * Output: <id>.jpg per document and truth.json (an array of { id, file, truth }).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { documentSet } from "./document-set.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    split: { type: "string", default: "tuning" },
    genuine: { type: "string", default: "6" },
    tampered: { type: "string", default: "6" },
    seed: { type: "string", default: "1" },
    width: { type: "string", default: "2000" },
    out: { type: "string", default: "/tmp/docgen" },
    faces: { type: "string" },
  },
});
const split = /** @type {"tuning" | "heldout"} */ (values.split);
const demo = (/** @type {number} */ n) => path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`);
const faces = values.faces ? values.faces.split(",") : (split === "tuning" ? [1, 2, 3] : [4, 5, 6]).map(demo);
await mkdir(values.out, { recursive: true });
const manifest = [];
const started = performance.now();
for await (const item of documentSet({ split, genuine: Number(values.genuine), tampered: Number(values.tampered), seed: Number(values.seed), faces, width: Number(values.width) })) {
  const file = `${item.id}.jpg`;
  await writeFile(path.join(values.out, file), item.bytes);
  manifest.push({ id: item.id, file, truth: item.truth });
  console.log(`${file}  ${item.truth.kind}/${item.truth.side}  q${item.truth.quality}  ${item.truth.type ?? "genuine"}${item.truth.box ? ` box ${JSON.stringify(item.truth.box)}` : ""}`);
}
await writeFile(path.join(values.out, "truth.json"), JSON.stringify(manifest, null, 1));
console.log(`${manifest.length} documents in ${((performance.now() - started) / 1000).toFixed(1)} s → ${values.out}`);
