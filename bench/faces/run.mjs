#!/usr/bin/env node
/**
 * Face benchmark: accuracy of the engine on the development set (../shared/data/faces) with
 * onnxruntime-node, and per-image stage timings on the same code path in workerd (Miniflare,
 * onnxruntime-web) and in Node, with the ratio.
 *
 *   node bench/faces/run.mjs [--calibrate] [--timing-images N] [--no-workerd] [--timing-only]
 *
 * --calibrate writes the chosen thresholds into models/fr_feature.json and models/fr_liveness.json.
 * Skips (exit 0) when the data set is absent.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildBench } from "./build.mjs";
import { atFar, eer, parsePairs, rocAuc } from "./metrics.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const dataDir = path.resolve(root, "../shared/data/faces");
const modelDir = path.join(root, "node_modules/faceplugin-face-recognition-js/model");
const args = process.argv.slice(2);
const calibrate = args.includes("--calibrate");
const noWorkerd = args.includes("--no-workerd");
const timingOnly = args.includes("--timing-only");
const timingImages = Number(args[args.indexOf("--timing-images") + 1]) || 24;
const MATCH_FAR = 0.001;
const DUPLICATE_FAR = 0.0001;
const LIVENESS_THRESHOLD = 0.5;

if (!existsSync(path.join(dataDir, "pairs.csv"))) {
  console.log(`bench/faces: development set not found at ${dataDir} — skipping (nothing to measure).`);
  process.exit(0);
}

const { nodeBundle, workerBundle, wasmModules } = await buildBench();
const E = await import(nodeBundle);
const engine = E.createFaceEngine({
  loadModel: (file) => readFile(path.join(modelDir, file)),
  runtime: E.ortNodeRuntime(1),
  now: () => performance.now(),
});

const pairs = parsePairs(await readFile(path.join(dataDir, "pairs.csv"), "utf8"));
const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
const partOf = (f) => (f.startsWith("deepface") ? "deepface" : "lfw");
const nativeEmbeddings = new Map();
if (!timingOnly) await accuracy();

// Timing: the same images through workerd (Miniflare) and Node.
const step = Math.max(1, Math.floor(files.length / timingImages));
const timingFiles = files.filter((_, i) => i % step === 0).slice(0, timingImages);
const stages = ["decode", "detect", "landmarks", "align", "embed", "liveness"];
const nodeMs = await timeNode(timingFiles);
let workerdMs = null;
let agreement = null;
if (!noWorkerd) ({ ms: workerdMs, agreement } = await timeWorkerd(timingFiles));
console.log(`Per-image ms (mean over ${timingFiles.length} images, after warm-up; one thread each)`);
printTable(
  [...stages, "total"].map((s) => ({
    stage: s,
    workerd: workerdMs ? workerdMs[s].toFixed(1) : "—",
    "onnxruntime-node": nodeMs[s].toFixed(1),
    "workerd/native": workerdMs ? (workerdMs[s] / nodeMs[s]).toFixed(2) : "—",
  })),
);
if (agreement) console.log(`workerd vs native embeddings: min cosine ${agreement.minCos.toFixed(6)}, max |Δ| ${agreement.maxDiff.toExponential(2)} over ${agreement.n} images`);

async function timeNode(list) {
  const sums = Object.fromEntries([...stages, "total"].map((s) => [s, 0]));
  await engine.analyze(new Uint8Array(await readFile(path.join(dataDir, list[0]))), { embed: true, liveness: true });
  for (const f of list) {
    const r = await engine.analyze(new Uint8Array(await readFile(path.join(dataDir, f))), { embed: true, liveness: true });
    if (r.faces[0]?.embedding) nativeEmbeddings.set(f, r.faces[0].embedding);
    for (const s of stages) sums[s] += r.ms[s];
    sums.total += stages.reduce((t, s) => t + r.ms[s], 0);
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / list.length]));
}

async function timeWorkerd(list) {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modulesRoot: path.dirname(workerBundle),
    // esbuild leaves ORT's dynamic import of itself in the bundle (never taken with proxy=false),
    // so the modules are listed rather than discovered.
    modules: [{ type: "ESModule", path: workerBundle }, ...wasmModules.map((p) => ({ type: "CompiledWasm", path: p }))],
    compatibilityDate: "2026-04-20",
    r2Buckets: ["MODELS"],
  });
  try {
    const bucket = await mf.getR2Bucket("MODELS");
    for (const file of ["fr_detect.onnx", "fr_landmark.onnx", "fr_feature.onnx", "fr_liveness.onnx"]) {
      await bucket.put(file, new Uint8Array(await readFile(path.join(modelDir, file))));
    }
    const warm = await mf.dispatchFetch("http://bench/warmup", { method: "POST" });
    if (!warm.ok) throw new Error(`workerd warm-up failed: ${warm.status} ${await warm.text()}`);
    const sums = Object.fromEntries([...stages, "total"].map((s) => [s, 0]));
    let minCos = 1;
    let maxDiff = 0;
    let n = 0;
    await mf.dispatchFetch("http://bench/analyze", { method: "POST", body: await readFile(path.join(dataDir, list[0])) }).then((r) => r.text());
    for (const f of list) {
      const res = await mf.dispatchFetch("http://bench/analyze", { method: "POST", body: await readFile(path.join(dataDir, f)) });
      const r = await res.json();
      if (!res.ok) throw new Error(`workerd analyze ${f}: ${JSON.stringify(r)}`);
      for (const s of stages) sums[s] += r.ms[s];
      sums.total += stages.reduce((t, s) => t + r.ms[s], 0);
      const native = nativeEmbeddings.get(f);
      if (native && r.embedding) {
        n++;
        minCos = Math.min(minCos, E.cosineSimilarity(native, r.embedding));
        for (let i = 0; i < native.length; i++) maxDiff = Math.max(maxDiff, Math.abs(native[i] - r.embedding[i]));
      }
    }
    return { ms: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / list.length])), agreement: { minCos, maxDiff, n } };
  } finally {
    await mf.dispose();
  }
}

function printTable(rows) {
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals) => `| ${vals.map((v, i) => String(v).padEnd(width[i])).join(" | ")} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

function round(v) {
  return Math.round(v * 1e5) / 1e5;
}

async function accuracy() {

console.log(`bench/faces: ${files.length} images, ${pairs.length} pairs, onnxruntime-node (1 thread)\n`);
const results = new Map();
const started = performance.now();
for (const f of files) {
  const r = await engine.analyze(new Uint8Array(await readFile(path.join(dataDir, f))), { embed: true, liveness: true });
  results.set(f, r);
}
const accuracySeconds = (performance.now() - started) / 1000;

const score = (p) => {
  const a = results.get(p.a)?.faces[0]?.embedding;
  const b = results.get(p.b)?.faces[0]?.embedding;
  return a && b ? E.cosineSimilarity(a, b) : -1;
};
const scored = pairs.map((p) => ({ ...p, score: score(p) }));
const parts = [
  ["deepface", (f) => partOf(f) === "deepface"],
  ["LFW", (f) => partOf(f) === "lfw"],
  ["both", () => true],
];
const pct = (v) => `${(v * 100).toFixed(1)}%`;
const pct2 = (v) => `${(v * 100).toFixed(2)}%`;
const rows = [];
for (const [name, inPart] of parts) {
  const sub = scored.filter((p) => inPart(p.a));
  const imgs = files.filter(inPart);
  const notFound = imgs.filter((f) => !results.get(f).faces.length);
  const f1 = atFar(sub, 0.01);
  const f01 = atFar(sub, 0.001);
  const e = eer(sub);
  rows.push({
    part: name,
    images: imgs.length,
    "faces not found": notFound.length,
    "genuine/impostor": `${sub.filter((p) => p.same).length}/${sub.filter((p) => !p.same).length}`,
    AUC: rocAuc(sub).toFixed(4),
    "TAR@FAR1%": pct(f1.tar),
    "TAR@FAR0.1%": pct(f01.tar),
    EER: pct(e.eer),
    "thr@FAR0.1%": f01.threshold.toFixed(3),
  });
}
console.log("Accuracy (cosine similarity of the dominant faces; a missing face scores -1)");
printTable(rows);

const all = scored;
const chosen = atFar(all, MATCH_FAR);
const matchThreshold = Math.ceil(chosen.threshold * 100) / 100;
const dup = atFar(all, DUPLICATE_FAR);
const duplicateThreshold = Math.ceil(dup.threshold * 100) / 100;
const at = (t, same) => all.filter((p) => p.same === same && p.score >= t).length / all.filter((p) => p.same === same).length;
console.log(
  `\nChosen match threshold ${matchThreshold} (FAR target ${MATCH_FAR * 100}% on both parts): measured FAR ${pct2(at(matchThreshold, false))}, TAR ${pct(at(matchThreshold, true))}` +
    `; duplicate threshold ${duplicateThreshold} (FAR target ${DUPLICATE_FAR * 100}%): FAR ${pct2(at(duplicateThreshold, false))}, TAR ${pct(at(duplicateThreshold, true))}`,
);
const live = [...results.values()].map((r) => r.faces[0]?.liveness?.score).filter((v) => v !== undefined);
const bpcer = live.filter((v) => v < LIVENESS_THRESHOLD).length / live.length;
console.log(`Passive liveness on ${live.length} bona fide photos: ${pct(bpcer)} scored below ${LIVENESS_THRESHOLD} (BPCER); no attack samples, so APCER is not measured.`);
const poses = [...results.values()].map((r) => r.faces[0]?.pose).filter(Boolean);
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(`Median pose of the dominant faces (mostly frontal photos): yaw ${median(poses.map((p) => p.yaw)).toFixed(1)}°, pitch ${median(poses.map((p) => p.pitch)).toFixed(1)}°, roll ${median(poses.map((p) => p.roll)).toFixed(1)}°`);
console.log(`Accuracy pass: ${accuracySeconds.toFixed(1)} s for ${files.length} images.\n`);

if (calibrate) {
  const featurePath = path.join(root, "models/fr_feature.json");
  const feature = JSON.parse(await readFile(featurePath, "utf8"));
  const dataset = `../shared/data/faces: ${all.filter((p) => p.same).length} genuine / ${all.filter((p) => !p.same).length} impostor pairs (deepface + LFW)`;
  feature.thresholds = {
    match: {
      value: matchThreshold,
      far: MATCH_FAR,
      meaning: "cosine similarity >= value: same person (1:1 compare and the face layer)",
      measured: { far: round(at(matchThreshold, false)), tar: round(at(matchThreshold, true)), dataset },
    },
    duplicate: {
      value: duplicateThreshold,
      far: DUPLICATE_FAR,
      meaning: "cosine similarity >= value: the same face under another applicant (1:N search; stricter because N comparisons multiply false accepts)",
      measured: { far: round(at(duplicateThreshold, false)), tar: round(at(duplicateThreshold, true)), dataset },
    },
  };
  await writeFile(featurePath, `${JSON.stringify(feature, null, 2)}\n`);
  const livePath = path.join(root, "models/fr_liveness.json");
  const liveness = JSON.parse(await readFile(livePath, "utf8"));
  liveness.thresholds = {
    live: {
      value: LIVENESS_THRESHOLD,
      meaning: "liveness score below value: SPOOF_SUSPECTED. Not a certified PAD threshold.",
      measured: { bpcer: round(bpcer), apcer: null, dataset: `${live.length} bona fide photos of ../shared/data/faces; no attack samples available` },
    },
  };
  await writeFile(livePath, `${JSON.stringify(liveness, null, 2)}\n`);
  console.log("Calibrated thresholds written to models/fr_feature.json and models/fr_liveness.json.\n");
}
}

