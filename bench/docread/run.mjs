#!/usr/bin/env node
/**
 * Docread bench: the MRZ reader (src/reading/ocr/reader.ts) on photographed passports (TD3 data pages) and ID cards
 * (TD1 backs) of the generator's HELD-OUT reading split (scripts/docgen/reading-set.mjs: OCR-B cut, MRZ size,
 * letter spacing, ink spread, security background, frame size, blur, rotation, keystone, noise, glare and JPEG
 * qualities never used while tuning). Each JPEG is decoded the way the pipeline does (decodeBounded, 1600 px) and
 * read, in workerd (Miniflare, onnxruntime-web — the product path) and in Node (onnxruntime-node, the native floor).
 * In workerd the upload is shrunk by the Images binding first and photon decodes the 1600 px copy (decodeUpload,
 * as the pipeline does; --photon: no binding, photon decodes and shrinks the upload itself); in Node photon does
 * (decodeBounded), so the decode columns compare different paths and the read columns the same one.
 *
 * Prints: all MRZ lines exactly right (TD3, TD1), check digits valid, misreads that still pass every check digit,
 * per-field accuracy (parsed with `mrz`), ms per document p50/p95 and the workerd/native ratio, and the peak
 * memory per document in workerd — the whole isolate (JS heap used + ArrayBuffer backing stores + every wasm
 * memory) as bench/memory measures it — beside the acceptance targets of issue 11. Writes the tables to
 * bench/RESULTS.md (section "docread").
 *
 *   npm run bench -- docread [--count 120] [--kinds td3,td1] [--seed 2026] [--split heldout] [--no-native]
 *                            [--no-workerd] [--dump DIR] [--no-write] [--reader FILE] [--photon]
 *
 * --dump DIR writes every misread document (JPEG + truth + what each runtime read) for debugging; --reader FILE
 * benches another module exporting createMrzReader and OCR_MODEL_FILES in place of src/reading/ocr/reader.ts.
 * Memory is read between stages (after decoding, after reading) while the isolate waits, so a transient peak
 * inside read() shows only as far as its garbage was not yet collected; after each reading garbage is collected (as
 * bench/memory does, and as the limits issue defines the peak), so a document's figure counts the garbage of its own
 * stages but not what earlier documents left. Wasm memories never shrink, so their high-water mark is always
 * counted. The isolate is shared by all documents, which makes the per-document figure conservative (earlier
 * documents' wasm high-water marks count).
 */
import { execSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { modelBytes, readManifests } from "../../scripts/model-files.mjs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "mrz";
import { readingSet } from "../../scripts/docgen/index.mjs";
import { BUDGET_MB, freePort, inspector, readHeap, totalOf } from "../memory/run.mjs";
import { buildBench } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const COUNT = Number(arg("count", 120));
const SEED = Number(arg("seed", 2026));
const SPLIT = arg("split", "heldout");
const KINDS = arg("kinds", "td3,td1").split(",");
const dumpDir = args.includes("--dump") ? path.resolve(arg("dump")) : null;
const runNative = !args.includes("--no-native");
const runWorkerd = !args.includes("--no-workerd");
const imagesBinding = !args.includes("--photon");
/** Acceptance targets of issue 11. */
const TARGETS = { td3: 0.95, td1: 0.9, ms: 1500, mb: BUDGET_MB };
const MB = 1e6;
const FIELDS = [
  ["document number", "documentNumber"],
  ["birth date", "birthDate"],
  ["expiry", "expirationDate"],
  ["surname", "lastName"],
  ["given names", "firstName"],
  ["nationality", "nationality"],
  ["sex", "sex"],
];

const readerFile = arg("reader", undefined);
if (!readerFile && !existsSync(path.join(root, "src/reading/ocr/reader.ts"))) {
  console.log("bench/docread: src/reading/ocr/reader.ts does not exist yet — nothing to measure.");
  process.exit(0);
}

/** Model file → its manifest in models/ (the bytes are made as scripts/models.mjs makes them: checked, derived). */
async function modelPaths() {
  return new Map((await readManifests(root)).map((m) => [m.file, m]));
}

const started = performance.now();
const { nodeBundle, workerBundle, wasmModules } = await buildBench({ reader: readerFile });
const R = await import(nodeBundle);
const paths = await modelPaths();
const modelFiles = R.OCR_MODEL_FILES;
for (const file of modelFiles) if (!paths.has(file)) throw new Error(`no manifest in models/ names ${file} (OCR_MODEL_FILES)`);
const loadModel = async (file) => modelBytes(root, paths.get(file));

process.stderr.write(`generating ${COUNT} ${SPLIT} documents (${KINDS.join(" + ")}, seed ${SEED})…\n`);
const items = [];
for await (const item of readingSet({ split: SPLIT, count: COUNT, seed: SEED, kinds: KINDS })) items.push(item);
const generationSeconds = (performance.now() - started) / 1000;

const runs = {};
if (runNative) runs.native = await readNative();
if (runWorkerd) runs.workerd = await readWorkerd();
const primary = runs.workerd ?? runs.native;
const primaryName = runs.workerd ? "workerd" : "onnxruntime-node";

// ---- scoring ----

/** Parses MRZ lines with `mrz`; null when the package cannot make sense of them. */
function parsed(lines) {
  try {
    return parse(lines);
  } catch {
    return null;
  }
}

/** What one reading got right, against the printed truth. */
function score(item, reading) {
  const truth = parsed(item.truth.mrz);
  const lines = reading?.lines ?? null;
  const read = lines ? parsed(lines) : null;
  const checks = read ? read.details.filter((d) => d.field?.endsWith("CheckDigit")) : [];
  const exact = !!lines && lines.length === item.truth.mrz.length && lines.every((l, i) => l === item.truth.mrz[i]);
  const checkDigits = checks.length > 0 && checks.every((d) => d.valid);
  return {
    exact,
    unreadable: !lines,
    checkDigits,
    undetected: checkDigits && !exact,
    fields: Object.fromEntries(FIELDS.map(([, f]) => [f, !!read && read.fields[f] != null && read.fields[f] === truth.fields[f]])),
  };
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const table = (rows) => {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${cols.map((c) => r[c] ?? "").join(" | ")} |`)].join("\n");
};

const scored = new Map(Object.entries(runs).map(([name, run]) => [name, items.map((item, i) => score(item, run.readings[i]))]));
const mainScores = scored.get(runs.workerd ? "workerd" : "native");

function accuracyRow(label, indices, target) {
  const of = indices.map((i) => mainScores[i]);
  const rate = (f) => of.filter(f).length / of.length;
  const exact = rate((s) => s.exact);
  return {
    documents: label,
    n: of.length,
    "all lines exact": `${pct(exact)} (${of.filter((s) => s.exact).length}/${of.length})`,
    target: target === null ? "—" : `≥ ${pct(target)} ${exact >= target ? "✓" : "✗"}`,
    ...(runs.workerd && runs.native ? { "native: exact": pct(indices.filter((i) => scored.get("native")[i].exact).length / indices.length) } : {}),
    "check digits valid": pct(rate((s) => s.checkDigits)),
    "misread, digits valid": of.filter((s) => s.undetected).length,
    unreadable: of.filter((s) => s.unreadable).length,
    ...Object.fromEntries(FIELDS.map(([name, f]) => [name, pct(rate((s) => s.fields[f]))])),
  };
}

const byKind = (kind) => items.map((it, i) => (it.truth.kind === kind ? i : -1)).filter((i) => i >= 0);
const accuracyRows = [
  ...(KINDS.includes("td3") ? [accuracyRow("TD3 passports", byKind("td3"), TARGETS.td3)] : []),
  ...(KINDS.includes("td1") ? [accuracyRow("TD1 ID cards (back)", byKind("td1"), TARGETS.td1)] : []),
  accuracyRow("all", items.map((_, i) => i), null),
];

const timeRow = (name, run) => {
  const total = run.ms.map((m) => m.decode + m.read);
  return {
    runtime: name,
    "decode p50 / p95": `${quantile(run.ms.map((m) => m.decode), 0.5).toFixed(0)} / ${quantile(run.ms.map((m) => m.decode), 0.95).toFixed(0)}`,
    "read p50 / p95": `${quantile(run.ms.map((m) => m.read), 0.5).toFixed(0)} / ${quantile(run.ms.map((m) => m.read), 0.95).toFixed(0)}`,
    "ms per document p50 / p95": `${quantile(total, 0.5).toFixed(0)} / ${quantile(total, 0.95).toFixed(0)}`,
    target: `≤ ${TARGETS.ms} ${quantile(total, 0.95) <= TARGETS.ms ? "✓" : "✗"} (p95)`,
    "peak MB p50 / max": run.peaks ? `${(quantile(run.peaks, 0.5) / MB).toFixed(1)} / ${(Math.max(...run.peaks) / MB).toFixed(1)}` : "—",
    "MB target": run.peaks ? `≤ ${TARGETS.mb} ${Math.max(...run.peaks) <= TARGETS.mb * MB ? "✓" : "✗"}` : "—",
  };
};
const timeRows = [];
if (runs.workerd) timeRows.push(timeRow("workerd (onnxruntime-web, Miniflare)", runs.workerd));
if (runs.native) timeRows.push(timeRow("onnxruntime-node (1 thread)", runs.native));
if (runs.workerd && runs.native) {
  const ratio = (f) => `${(quantile(runs.workerd.ms.map(f), 0.5) / quantile(runs.native.ms.map(f), 0.5)).toFixed(2)}×`;
  timeRows.push({ runtime: "workerd / native (p50)", "decode p50 / p95": ratio((m) => m.decode), "read p50 / p95": ratio((m) => m.read), "ms per document p50 / p95": ratio((m) => m.decode + m.read) });
}
const memoryRows = runs.workerd
  ? [
      {
        "after models load (first document)": (runs.workerd.baseline / MB).toFixed(1),
        "JS heap + ArrayBuffers (max)": (Math.max(...runs.workerd.heaps) / MB).toFixed(1),
        ...Object.fromEntries(Object.entries(runs.workerd.wasm).map(([k, v]) => [`wasm ${k} (max)`, (v / MB).toFixed(1)])),
        "whole isolate peak (max)": (Math.max(...runs.workerd.peaks) / MB).toFixed(1),
      },
    ]
  : [];

// ---- misreads: which characters, under which conditions ----

const misreads = items.map((item, i) => ({ item, i, s: mainScores[i], reading: primary.readings[i] })).filter((m) => !m.s.exact);
const confusions = new Map();
for (const { item, reading } of misreads) {
  if (!reading) continue;
  item.truth.mrz.forEach((line, l) => {
    const got = reading.lines[l] ?? "";
    for (let c = 0; c < line.length; c++) if (got[c] !== line[c]) confusions.set(`${line[c]}→${got[c] ?? "∅"}`, (confusions.get(`${line[c]}→${got[c] ?? "∅"}`) ?? 0) + 1);
  });
}
const describe = (t) => `${t.kind} ${t.layout} ${t.mrzStyle.font} size ${t.mrzStyle.sizeScale.toFixed(2)} spacing ${t.mrzStyle.letterSpacing.toFixed(2)} stroke ${t.mrzStyle.stroke.toFixed(2)} band ${t.mrzStyle.bandOpacity}${t.mrzStyle.pattern === "none" ? "" : " +guilloche"}; ${t.photo.width} px q${t.photo.quality} blur ${t.photo.conditions.blurSigma.toFixed(2)} rot ${t.photo.conditions.rotationDegrees.toFixed(1)}° tilt ${t.photo.conditions.tilt.toFixed(3)} noise ${t.photo.conditions.noise.toFixed(1)}${t.photo.conditions.glare ? " glare" : ""}`;
const diffText = (truth, lines) =>
  lines
    ? truth
        .map((line, l) => {
          const got = lines[l] ?? "";
          const bad = [...line].map((ch, c) => (got[c] === ch ? null : `${c}:${ch}→${got[c] ?? "∅"}`)).filter(Boolean);
          return bad.length ? `L${l + 1} ${bad.join(" ")}` : null;
        })
        .filter(Boolean)
        .join("; ")
    : "unreadable";

/** Misread share by one condition, to see which settings the misreads cluster on. */
function conditionRows() {
  const conditions = [
    ["layout", (t) => t.layout],
    ["glare", (t) => (t.photo.conditions.glare ? "glare" : "no glare")],
    ["guilloche band", (t) => t.mrzStyle.pattern],
    ["OCR-B cut", (t) => t.mrzStyle.font],
    ["JPEG quality", (t) => `q${t.photo.quality}`],
    ["blur σ", (t) => (t.photo.conditions.blurSigma < 1.05 ? "< 1.05" : "≥ 1.05")],
    ["|rotation|", (t) => (Math.abs(t.photo.conditions.rotationDegrees) < 2.5 ? "< 2.5°" : "≥ 2.5°")],
    ["frame width", (t) => `${t.photo.width} px`],
  ];
  const rows = [];
  for (const [name, key] of conditions) {
    const groups = new Map();
    items.forEach((it, i) => {
      const k = key(it.truth);
      const g = groups.get(k) ?? { n: 0, miss: 0 };
      g.n++;
      if (!mainScores[i].exact) g.miss++;
      groups.set(k, g);
    });
    rows.push({ condition: name, groups: [...groups].sort().map(([k, g]) => `${k}: ${g.miss}/${g.n}`).join(", ") });
  }
  return rows;
}

const commit = (() => {
  try {
    const head = execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim();
    const dirty = execSync("git status --porcelain", { cwd: root }).toString().trim() ? " + uncommitted changes" : "";
    return `${head}${dirty}`;
  } catch {
    return "unknown";
  }
})();
const machine = `${os.cpus().length}× ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
const counts = KINDS.map((k) => `${byKind(k).length} ${k.toUpperCase()}`).join(" + ");
const header =
  `Split \`${SPLIT}\` of scripts/docgen/reading-set.mjs (seed ${SEED}): ${counts} photographed documents, shrunk to 1600 px and decoded as the pipeline does (workerd: ${imagesBinding ? "Images binding, then photon" : "photon alone (--photon)"}; Node: photon decodeBounded) and read by ` +
  `src/reading/ocr/reader.ts (${modelFiles.join(", ")}). Accuracy from ${primaryName}. Commit ${commit}; ${machine}; ${((performance.now() - started) / 1000).toFixed(0)} s in all (generation ${generationSeconds.toFixed(0)} s).`;
const report = [
  header,
  "",
  table(accuracyRows),
  "",
  "Time per document (decode + read, after a warm-up read; models loaded once per isolate) and whole-isolate peak memory per document (MB = 10^6 bytes)",
  "",
  table(timeRows),
  ...(memoryRows.length ? ["", table(memoryRows)] : []),
  "",
  `Misreads (${misreads.length}) by condition (misread/total):`,
  "",
  table(conditionRows()),
  "",
  confusions.size ? `Character confusions (printed→read, count): ${[...confusions].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k} ×${v}`).join(", ")}` : "No character confusions.",
  ...(misreads.length ? ["", ...misreads.slice(0, 30).map(({ item, reading }) => `- ${item.id}: ${reading && reading.format !== item.truth.kind.toUpperCase() ? `read as ${reading.format}; ` : ""}${diffText(item.truth.mrz, reading?.lines)} — ${describe(item.truth)}`)] : []),
].join("\n");
console.log(`\n${report}\n`);

if (dumpDir) {
  await mkdir(dumpDir, { recursive: true });
  const wrong = items.map((item, i) => ({ item, i })).filter(({ i }) => [...scored.values()].some((s) => !s[i].exact));
  for (const { item, i } of wrong) {
    await writeFile(path.join(dumpDir, `${item.id}.jpg`), item.bytes);
    await writeFile(path.join(dumpDir, `${item.id}.json`), JSON.stringify({ id: item.id, truth: item.truth, read: Object.fromEntries(Object.entries(runs).map(([n, r]) => [n, r.readings[i]])) }, null, 1));
  }
  console.log(`${wrong.length} misread documents written to ${dumpDir}`);
}

if (!args.includes("--no-write")) {
  const file = path.join(root, "bench/RESULTS.md");
  const existing = existsSync(file) ? await readFile(file, "utf8") : "# Bench results\nWritten by the benches; each section says the command that produced it.\n";
  const command = ["npm run bench -- docread", ...args].join(" ");
  const section = `## docread\n\`${command}\` on ${new Date().toISOString().slice(0, 10)}\n\n${report}\n`;
  const re = /(?<=^|\n)## docread\n[\s\S]*?(?=\n## |$)/;
  await writeFile(file, re.test(existing) ? existing.replace(re, section.trimEnd() + "\n") : `${existing.trimEnd()}\n\n${section}`);
  console.log("written to bench/RESULTS.md");
}

// ---- runtimes ----

/** Node: the same reader on onnxruntime-node (1 thread), the native floor. */
async function readNative() {
  const reader = R.createMrzReader({ loadModel, runtime: R.ortNodeRuntime(1), now: () => performance.now() });
  const readOne = async (bytes) => {
    const t0 = performance.now();
    const decoded = R.decodeBounded(bytes);
    const t1 = performance.now();
    const reading = await reader.read(decoded.image);
    const t2 = performance.now();
    R.releasePixels(decoded.image);
    return { reading, ms: { decode: t1 - t0, read: t2 - t1 } };
  };
  await readOne(items[0].bytes);
  const readings = [];
  const ms = [];
  for (const [n, item] of items.entries()) {
    const r = await readOne(item.bytes);
    readings.push(r.reading);
    ms.push(r.ms);
    if ((n + 1) % 40 === 0) process.stderr.write(`  native ${n + 1}/${items.length}\n`);
  }
  return { readings, ms };
}

/** workerd: one Miniflare isolate, models in its R2 bucket, the JS heap read over the V8 inspector. */
async function readWorkerd() {
  const { Miniflare } = await import("miniflare");
  const inspectorPort = await freePort();
  let cdp = null;
  const mf = new Miniflare({
    modulesRoot: path.dirname(workerBundle),
    // esbuild leaves ORT's dynamic import of itself in the bundle (never taken with proxy=false), so the modules
    // are listed rather than discovered.
    modules: [{ type: "ESModule", path: workerBundle }, ...wasmModules.map((p) => ({ type: "CompiledWasm", path: p }))],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    r2Buckets: ["MODELS"],
    ...(imagesBinding ? { images: { binding: "IMAGES" } } : {}),
    inspectorPort,
    serviceBindings: {
      // Garbage is collected after each reading, as bench/memory does (readHeap): a document's peak is what is alive
      // plus the garbage of its own stages, not what earlier documents left for V8 to collect.
      PROBE: async () => Response.json(await readHeap(cdp)),
    },
  });
  try {
    await mf.ready;
    cdp = await inspector(inspectorPort);
    const bucket = await mf.getR2Bucket("MODELS");
    for (const file of modelFiles) await bucket.put(file, await loadModel(file));
    const readOne = async (bytes) => {
      const res = await mf.dispatchFetch("http://bench/read", { method: "POST", body: bytes });
      const body = await res.json();
      if (!res.ok) throw new Error(`workerd /read: ${body.error}\n${body.stack ?? ""}`);
      return body;
    };
    // The warm-up read loads the models; its peak is the baseline every later document starts from.
    const warm = await readOne(items[0].bytes);
    const baseline = Math.max(...warm.stages.map(totalOf));
    const readings = [];
    const ms = [];
    const peaks = [];
    const heaps = [];
    const wasm = {};
    for (const [n, item] of items.entries()) {
      const r = await readOne(item.bytes);
      readings.push(r.reading);
      ms.push(r.ms);
      peaks.push(Math.max(...r.stages.map(totalOf)));
      heaps.push(Math.max(...r.stages.map((s) => s.heap.used + (s.heap.backing ?? 0))));
      for (const s of r.stages) for (const [k, v] of Object.entries(s.wasm)) wasm[k] = Math.max(wasm[k] ?? 0, v);
      if ((n + 1) % 40 === 0) process.stderr.write(`  workerd ${n + 1}/${items.length}\n`);
    }
    return { readings, ms, peaks, heaps, wasm, baseline };
  } finally {
    cdp?.close();
    await mf.dispose();
  }
}

