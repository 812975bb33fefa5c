#!/usr/bin/env node
/**
 * Forensics bench: the document layers (exif, jpeg, ela, copy_move — the code the Worker runs, bundled for Node)
 * on generated identity documents of the HELD-OUT split (scripts/docgen: layouts, fonts, camera qualities, editor
 * tables, tamper sizes and capture ranges never used while tuning; portraits of people not used while tuning).
 * Prints, per layer and combined: ROC AUC of the tamper evidence, TPR at 1 % and 5 % FPR, the share of genuine
 * documents the default rules flag, detection per tamper type, per-layer ms and heap growth. Writes the tables
 * to bench/RESULTS.md (section "forensics").
 *
 *   npm run bench -- forensics [--genuine 500] [--tampered 300] [--split heldout] [--width 1600] [--seed 2026]
 *                              [--no-faces] [--no-write]
 *
 * Portraits: ../shared/data/faces/deepface_07…13 for the held-out split (deepface_01…06 are the tuning split's);
 * without that folder, face-api's demo photos (and the bench says so). --no-faces skips locating the portrait with
 * the face engine (the copy_move layer then cannot check the portrait boundary). Run with `node --expose-gc` for
 * heap figures (npm run bench does).
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { documentSet } from "../../scripts/docgen/index.mjs";
import { atFar, rocAuc } from "../faces/metrics.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(root, "bench/out/forensics");
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const GENUINE = Number(arg("genuine", 500));
const TAMPERED = Number(arg("tampered", 300));
const SPLIT = arg("split", "heldout");
const WIDTH = Number(arg("width", 1600));
const SEED = Number(arg("seed", 2026));
const useFaces = !args.includes("--no-faces");
const dumpDir = args.includes("--dump") ? path.resolve(arg("dump")) : null;
if (dumpDir) await mkdir(dumpDir, { recursive: true });
const LAYERS = ["exif", "jpeg", "ela", "copy_move"];

async function bundle() {
  await mkdir(outDir, { recursive: true });
  const outfile = path.join(outDir, "forensics-node.mjs");
  await build({ entryPoints: [path.join(root, "bench/forensics/entry.ts")], bundle: true, platform: "node", format: "esm", external: ["onnxruntime-node"], outfile, logLevel: "warning" });
  return import(outfile);
}

function faceFiles() {
  const dir = path.resolve(root, "../shared/data/faces");
  const people = SPLIT === "heldout" ? ["07", "08", "09", "10", "11", "12", "13"] : ["01", "02", "03", "04", "05", "06"];
  if (existsSync(dir)) {
    const files = people.flatMap((p) => {
      const d = path.join(dir, `deepface_${p}`);
      return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith(".jpg")).map((f) => path.join(d, f)) : [];
    });
    if (files.length >= 2) return { files, source: `../shared/data/faces deepface_${people[0]}…${people.at(-1)} (${files.length} photos)` };
  }
  const demo = [1, 2, 3, 4, 5, 6].map((n) => path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));
  return { files: demo, source: "face-api demo photos (../shared/data/faces absent)" };
}


const combined = (scores) => 100 * (1 - LAYERS.reduce((p, l) => p * (1 - Math.min(100, Math.max(0, scores[l] ?? 0)) / 100), 1));
const pct = (x) => `${(100 * x).toFixed(1)} %`;
const table = (rows) => {
  const cols = Object.keys(rows[0]);
  return [`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${cols.map((c) => r[c]).join(" | ")} |`)].join("\n");
};

const E = await bundle();
const { files: faces, source: faceSource } = faceFiles();
let engine = null;
if (useFaces) {
  const modelDir = path.join(root, "node_modules/faceplugin-face-recognition-js/model");
  engine = E.createFaceEngine({ loadModel: (file) => readFile(path.join(modelDir, file)), runtime: E.ortNodeRuntime(1), now: () => performance.now() });
  await engine.warmUp();
}

const rows = [];
const ms = Object.fromEntries(LAYERS.map((l) => [l, []]));
const heap = Object.fromEntries(LAYERS.map((l) => [l, []]));
const started = performance.now();
let n = 0;
for await (const item of documentSet({ split: SPLIT, genuine: GENUINE, tampered: TAMPERED, seed: SEED, faces, width: WIDTH })) {
  const media = { kind: "document_front", bytes: item.bytes, contentType: "image/jpeg", sha256: item.id };
  const images = E.decodeOnce();
  // The portrait where the face engine finds it, exactly as src/pipeline/registry.ts asks for it.
  const analyses = engine ? new E.Analyses(engine, images) : null;
  const portrait = analyses ? async (m) => (await analyses.of(m))?.faces[0]?.box ?? null : undefined;
  const jpeg = new E.JpegEvidence();
  const layers = [E.exifLayer, E.jpegLayer(jpeg), E.elaLayer(jpeg, portrait), E.copyMoveLayer(portrait)];
  const inputs = {
    verificationId: item.id,
    tenantId: "bench",
    declared: { firstName: "A", lastName: "B", dateOfBirth: "1990-01-01", country: null, documentType: "id_card", documentNumber: null, documentIssuingCountry: null, documentExpiry: null, mrz: null },
    media: [media],
    request: { country: null, ip: null },
  };
  const ctx = { clock: () => performance.now(), today: "2026-12-03", images };
  const face = portrait ? await portrait(media) : null; // the face engine's time is not a forensic layer's
  if (dumpDir && face) {
    // Analysis-size pixels and the detected face box, for tuning the pixel detectors offline (--dump DIR).
    await images.use(media, async (img) => {
      if (!img) return;
      await writeFile(path.join(dumpDir, `${item.id}.rgba`), img.image.data);
      await writeFile(path.join(dumpDir, `${item.id}.json`), JSON.stringify({ width: img.image.width, height: img.image.height, scale: img.scale, face: { x: face.x * img.scale, y: face.y * img.scale, width: face.width * img.scale, height: face.height * img.scale }, type: item.truth.type ?? "genuine", box: item.truth.box ? { x: item.truth.box.x * img.scale, y: item.truth.box.y * img.scale, width: item.truth.box.width * img.scale, height: item.truth.box.height * img.scale } : null }));
    });
  }
  const scores = {};
  const flagged = [];
  const details = [];
  for (const layer of layers) {
    globalThis.gc?.();
    const before = process.memoryUsage();
    const result = await layer.run(inputs, ctx);
    const after = process.memoryUsage();
    heap[layer.name].push((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e6);
    ms[layer.name].push(result.ms);
    scores[layer.name] = result.score;
    for (const f of result.findings) if (f.data) details.push([layer.name, f.code, f.data.kind ?? null, f.data.score ?? f.data.anomaly_score ?? f.data.evidence ?? f.data.distance ?? null, f.data.edge_strength ?? null]);
    for (const f of result.findings) if (f.severity !== "info" && (E.DEFAULT_SETTINGS.review_codes.includes(f.code) || E.DEFAULT_SETTINGS.hard_fail_codes.includes(f.code))) flagged.push(`${layer.name}:${f.code}${f.data?.kind ? `(${f.data.kind})` : ""}`);
  }
  rows.push({ id: item.id, tampered: item.truth.tampered, type: item.truth.type ?? "genuine", scores, combined: combined(scores), flagged: [...new Set(flagged)], details });
  if (++n % 50 === 0) process.stderr.write(`  ${n}/${GENUINE + TAMPERED} documents (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

const genuine = rows.filter((r) => !r.tampered);
const tampered = rows.filter((r) => r.tampered);
const metric = (score) => {
  // Scored like face pairs: a forgery is a "same" (positive) pair, a genuine document an impostor (negative) one.
  const scored = [...genuine.map((r) => ({ score: score(r), same: false })), ...tampered.map((r) => ({ score: score(r), same: true }))];
  const at = (fpr) => {
    const { tar, threshold } = atFar(scored, fpr);
    return { tpr: tar, threshold };
  };
  return { auc: rocAuc(scored), at1: at(0.01), at5: at(0.05) };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? 0;

const perLayer = [...LAYERS.map((l) => [l, (r) => r.scores[l]]), ["combined", (r) => r.combined]].map(([name, score]) => {
  const m = metric(score);
  return {
    layer: name,
    "ROC AUC": m.auc.toFixed(3),
    "TPR @ 1 % FPR": pct(m.at1.tpr),
    "TPR @ 5 % FPR": pct(m.at5.tpr),
    "ms median / p95": name === "combined" ? `${median(rows.map((r, i) => LAYERS.reduce((s, l) => s + ms[l][i], 0))).toFixed(0)} / ${p95(rows.map((r, i) => LAYERS.reduce((s, l) => s + ms[l][i], 0))).toFixed(0)}` : `${median(ms[name]).toFixed(0)} / ${p95(ms[name]).toFixed(0)}`,
    "heap growth MB (max)": name === "combined" ? "—" : Math.max(...heap[name]).toFixed(1),
  };
});
const rules = {
  "genuine flagged by the default rules (FPR)": `${pct(genuine.filter((r) => r.flagged.length).length / genuine.length)} (${genuine.filter((r) => r.flagged.length).length}/${genuine.length})`,
  "tampered flagged by the default rules (TPR)": `${pct(tampered.filter((r) => r.flagged.length).length / tampered.length)} (${tampered.filter((r) => r.flagged.length).length}/${tampered.length})`,
};
const at1 = metric((r) => r.combined).at1.threshold;
const types = [...new Set(tampered.map((r) => r.type))].sort().map((type) => {
  const of = tampered.filter((r) => r.type === type);
  return { "tamper type": type, n: of.length, "combined @ 1 % FPR": pct(of.filter((r) => r.combined >= at1).length / of.length), "flagged by default rules": pct(of.filter((r) => r.flagged.length).length / of.length) };
});
const falseAlarms = genuine.filter((r) => r.flagged.length).map((r) => `${r.id}: ${r.flagged.join(", ")}`);

const header = `Split \`${SPLIT}\` (seed ${SEED}): ${genuine.length} genuine, ${tampered.length} tampered documents at ${WIDTH} px; portraits from ${faceSource}; ${useFaces ? "portrait located by the face engine" : "no face engine (--no-faces)"}; ${((performance.now() - started) / 1000).toFixed(0)} s in all. Combined = 1 − Π(1 − layer score/100) over ${LAYERS.join(", ")}.`;
const report = [header, "", table(perLayer), "", table([rules].map((r) => Object.fromEntries(Object.entries(r)))), "", table(types), "", falseAlarms.length ? `Genuine documents flagged: ${falseAlarms.slice(0, 20).join("; ")}` : "No genuine document flagged by the default rules."].join("\n");
console.log(`\n${report}\n`);
await writeFile(path.join(outDir, "rows.json"), JSON.stringify(rows));

if (!args.includes("--no-write")) {
  const file = path.join(root, "bench/RESULTS.md");
  const existing = existsSync(file) ? await readFile(file, "utf8") : "# Bench results\nWritten by the benches; each section says the command that produced it.\n";
  const command = ["npm run bench -- forensics", ...args].join(" ");
  const section = `## forensics\n\`${command}\` on ${new Date().toISOString().slice(0, 10)}\n\n${report}\n`;
  const re = /(?<=^|\n)## forensics\n[\s\S]*?(?=\n## |$)/;
  await writeFile(file, re.test(existing) ? existing.replace(re, section.trimEnd() + "\n") : `${existing.trimEnd()}\n\n${section}`);
  console.log(`written to bench/RESULTS.md`);
}
