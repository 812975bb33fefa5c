#!/usr/bin/env node
/**
 * Memory bench: the real pipeline and the synchronous faces path in workerd (Miniflare, same code as the Worker)
 * with every live layer on a generated passport photo + selfie at 2, 12 and 16.7 MP, one fresh isolate per run. After every stage it prints
 * each WebAssembly memory (`memory.buffer.byteLength`; it never shrinks, so the last value is the peak) and the JS
 * heap read over the V8 inspector (`Runtime.getHeapUsage`: usedSize + backingStorageSize, the ArrayBuffers outside
 * the heap), and the total against the 100 MB budget (a deployed isolate has 128 MB; MB = 10^6 bytes here). The heap is read between
 * stages while the isolate waits, so a stage's transient peak shows only as far as garbage was not yet collected.
 *
 *   npm run bench -- memory [--sizes 2MP,12MP,16.7MP] [--no-faces] [--photon] [--calibrate-only] [--json]
 *
 * --photon also runs the pipeline without the Images binding (photon decodes the upload itself), for comparison;
 * --json prints the peaks as JSON instead of tables (test/unit/memory-budget.test.ts asserts on them).
 * After each reading the probe collects garbage, so a stage's total is what is alive plus the garbage that stage
 * itself left (not garbage of earlier stages, which V8 would collect before an allocation failed); the "live" columns
 * (BENCH_LIVE=1) show what survived the collection. BENCH_SNAPSHOT=<stage regex> also writes those stages' heap
 * snapshots to bench/out/memory/.
 */
import { writeFile } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { modelBytes, readManifests } from "../../scripts/model-files.mjs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker } from "../lib/bundle.mjs";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import sharp from "sharp";
import { SIZES, selfiePhoto } from "../../examples/phone-photos.mjs";
import { photograph, renderDocument } from "../../scripts/docgen/index.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(root, "bench/out/memory");

/** The budget for one run, in MB (10^6 bytes) like Cloudflare's 128 MB limit it leaves room under. */
export const BUDGET_MB = 100;
const MB = 1e6;

/** The passport's holder: bench/memory/worker.ts declares the same data, answers for the vision model and registers it. */
const HOLDER = {
  surname: "MUSTERMANN",
  givenNames: "ERIKA",
  nationality: "D",
  issuingState: "D",
  stateName: "DEUTSCHLAND",
  sex: "F",
  birthDate: "1984-08-12",
  issueDate: "2021-11-01",
  expiryDate: "2031-10-31",
  documentNumber: "C01X00T47",
  placeOfBirth: "BERLIN",
};

/**
 * The document: a generated passport data page (scripts/docgen, with a machine-readable zone for the OCR layer) with
 * the woman of face-api's sample1 as the portrait, photographed like a phone at the given size (a mild tilt and blur).
 */
async function documentPhoto([width, height]) {
  const portrait = new Uint8Array(
    await sharp(await readFile(path.join(root, "node_modules/@vladmandic/face-api/demo/sample1.jpg"))).extract({ left: 1330, top: 60, width: 500, height: 580 }).jpeg({ quality: 95 }).toBuffer(),
  );
  const flat = await renderDocument({ kind: "td3", holder: HOLDER, face: portrait, layout: "blue-left", fonts: { text: "DejaVu Sans", numbers: "DejaVu Sans Mono" }, seed: 7, width: Math.round(width * 0.6) });
  const photo = await photograph(flat, { seed: 7, width, height, quality: 92, tables: "ijg", rotationDegrees: 1.5, tilt: 0.02, blurSigma: Math.max(0.8, width / 2500), glare: false, fill: 0.75 });
  return Buffer.from(photo.bytes);
}

async function bundle() {
  const { workerBundle, wasmModules } = await bundleWorker(path.join(root, "bench/memory/worker.ts"), outDir);
  return { worker: workerBundle, wasm: wasmModules };
}

/** A free local TCP port (for the isolate's inspector). */
export const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A CDP session to the Worker's isolate (also used by bench/docread). */
export async function inspector(port) {
  let targets = [];
  for (let i = 0; i < 50 && !targets.length; i++) {
    try {
      targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const target = targets.find((t) => /user/.test(t.id ?? t.title ?? "")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let next = 1;
  const pending = new Map();
  const listeners = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    } else if (msg.method) listeners.get(msg.method)?.(msg.params);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
        ws.send(JSON.stringify({ id, method, params }));
      }),
    /** Listens to one event (e.g. heap snapshot chunks); returns the function that stops listening. */
    on: (method, fn) => {
      listeners.set(method, fn);
      return () => listeners.delete(method);
    },
    close: () => ws.close(),
  };
}

/** One fresh isolate: Miniflare with the bench Worker, the models and the inputs, and the inspector. */
async function isolate(code, inputs, { images = true } = {}) {
  const inspectorPort = await freePort();
  let cdp = null;
  const mf = new Miniflare({
    modulesRoot: path.dirname(code.worker),
    modules: [{ type: "ESModule", path: code.worker }, ...code.wasm.map((p) => ({ type: "CompiledWasm", path: p }))],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    r2Buckets: ["MODELS", "MEDIA"],
    ...(images ? { images: { binding: "IMAGES" } } : {}),
    inspectorPort,
    serviceBindings: {
      PROBE: async (req) => {
        const stage = new URL(req.url).searchParams.get("stage") ?? "";
        const keep = process.env.BENCH_SNAPSHOT && new RegExp(process.env.BENCH_SNAPSHOT).test(stage);
        const heap = await readHeap(cdp, keep ? (snapshot) => writeFile(path.join(outDir, `${stage.trim().replace(/\W+/g, "-")}-${Date.now()}.heapsnapshot`), snapshot) : undefined);
        return Response.json(heap);
      },
    },
  });
  await mf.ready;
  cdp = await inspector(inspectorPort);
  const models = await mf.getR2Bucket("MODELS");
  for (const manifest of await readManifests(root)) await models.put(manifest.file, await modelBytes(root, manifest));
  const media = await mf.getR2Bucket("MEDIA");
  for (const [key, bytes] of Object.entries(inputs)) await media.put(key, new Uint8Array(bytes));
  return {
    async call(p) {
      const res = await mf.dispatchFetch(`http://bench${p}`, { method: "POST" });
      const body = await res.json();
      if (!res.ok) throw new Error(`${p}: ${body.error}\n${body.stack ?? ""}`);
      return body;
    },
    async dispose() {
      cdp.close();
      await mf.dispose();
    },
  };
}

/** What was alive at a probe, after its garbage collection: JS heap + ArrayBuffer backing stores + every wasm memory. */
function liveTotalOf(s) {
  return s.heap.liveUsed + (s.heap.liveBacking ?? 0) + Object.values(s.wasm).reduce((a, b) => a + b, 0);
}

/**
 * The isolate's JS heap as a probe reports it: used size and ArrayBuffer backing stores now, then garbage is collected
 * (workerd answers takeHeapSnapshot, which collects first, but not HeapProfiler.collectGarbage) and what survived
 * (`liveUsed`, `liveBacking`). So the next reading holds what is alive plus only the garbage its own stage left:
 * garbage of earlier stages is something V8 collects before an allocation would fail, and counting it again at every
 * later stage made the peak depend on when V8 last happened to collect. `onSnapshot` receives the snapshot's JSON.
 * @param {{ call(method: string, params?: object): Promise<any>, on(event: string, fn: (p: any) => void): () => void }} cdp
 * @param {(snapshot: string) => Promise<void>} [onSnapshot]
 */
export async function readHeap(cdp, onSnapshot) {
  const h = await cdp.call("Runtime.getHeapUsage");
  const chunks = [];
  const stop = cdp.on("HeapProfiler.addHeapSnapshotChunk", (p) => chunks.push(p.chunk));
  await cdp.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  stop();
  if (onSnapshot) await onSnapshot(chunks.join(""));
  const live = await cdp.call("Runtime.getHeapUsage");
  return { used: h.usedSize, total: h.totalSize, backing: h.backingStorageSize, liveUsed: live.usedSize, liveBacking: live.backingStorageSize };
}

/** Total of a probe in bytes: JS heap used + ArrayBuffer backing stores + every wasm memory. */
export const totalOf = (s) => s.heap.used + (s.heap.backing ?? 0) + Object.values(s.wasm).reduce((a, b) => a + b, 0);

/**
 * Runs one measured pipeline (and optionally a faces compare) per size; returns the rows and peaks.
 * @param {{ sizes?: string[], faces?: boolean, photon?: boolean, log?: (s: string) => void }} opts
 */
export async function measure({ sizes = Object.keys(SIZES), faces = true, photon = false, log = console.log } = {}) {
  const code = await bundle();
  const runs = [];
  const calibration = await calibrate(code);
  for (const size of sizes) {
    const doc = await documentPhoto(SIZES[size]);
    const selfie = await selfiePhoto(SIZES[size]);
    const inputs = { doc, selfie };
    const modes = photon ? [["images binding", true], ["photon only", false]] : [["images binding", true]];
    for (const [mode, images] of modes) {
      const iso = await isolate(code, inputs, { images });
      try {
        const r = await iso.call(`/run?doc=doc&selfie=selfie${images ? "" : "&resizer=none"}`);
        runs.push({ size, path: "pipeline", mode, bytes: doc.length + selfie.length, ...summarise(r.stages), decision: r.decision, reasons: r.reasons, risk: r.risk, layers: r.layers, stages: r.stages });
      } finally {
        await iso.dispose();
      }
    }
    if (faces) {
      const iso = await isolate(code, inputs);
      try {
        const r = await iso.call("/faces?a=doc&b=selfie");
        runs.push({ size, path: "faces compare", mode: "images binding", bytes: doc.length + selfie.length, ...summarise(r.stages), decision: r.similarity === null ? "no face" : `similarity ${r.similarity.toFixed(3)}`, stages: r.stages });
      } finally {
        await iso.dispose();
      }
    }
    log?.(`measured ${size}`);
  }
  return { calibration, runs };
}

function summarise(stages) {
  const peak = Math.max(...stages.map(totalOf));
  const wasm = {};
  for (const s of stages) for (const [k, v] of Object.entries(s.wasm)) wasm[k] = Math.max(wasm[k] ?? 0, v);
  const heap = Math.max(...stages.map((s) => s.heap.used + (s.heap.backing ?? 0)));
  return { peak, wasm, heap };
}

async function calibrate(code) {
  const iso = await isolate(code, {});
  try {
    const { stages } = await iso.call("/calibrate");
    const [before, after, released] = stages;
    // Garbage is collected after each reading, so the allocation starts from what was alive at "before".
    return {
      before: liveTotalOf(before),
      after: totalOf(after),
      delta: (totalOf(after) - liveTotalOf(before)) / MB,
      usedDelta: (after.heap.used - before.heap.liveUsed) / MB,
      released: (totalOf(after) - totalOf(released)) / MB,
    };
  } finally {
    await iso.dispose();
  }
}

const mb = (b) => (b / MB).toFixed(1);

export function printTables({ calibration, runs }) {
  console.log(
    `Calibration: allocating 50 MB moved the meter by ${calibration.delta.toFixed(1)} MB (heap usedSize alone: ${calibration.usedDelta.toFixed(1)} MB); detaching it moved it back by ${calibration.released.toFixed(1)} MB\n`,
  );
  for (const r of runs) {
    console.log(`${r.size} ${r.path} (${r.mode}; uploads ${mb(r.bytes)} MB) → ${r.decision}${r.reasons ? ` [${r.reasons.join(", ")}]` : ""}`);
    const labels = [...new Set(r.stages.flatMap((s) => Object.keys(s.wasm)))];
    table(
      r.stages.map((s) => ({
        stage: s.stage,
        "JS heap": mb(s.heap.used),
        "ArrayBuffers": mb(s.heap.backing ?? 0),
        ...(s.heap.liveBacking === undefined || !process.env.BENCH_LIVE ? {} : { "live heap": mb(s.heap.liveUsed), "live ArrayBuffers": mb(s.heap.liveBacking) }),
        ...Object.fromEntries(labels.map((l) => [`wasm ${l}`, mb(s.wasm[l] ?? 0)])),
        total: mb(totalOf(s)),
      })),
    );
    console.log("");
  }
  console.log(`Peaks in MB (10^6 bytes); budget ${BUDGET_MB} MB of a Worker's 128`);
  table(
    runs.map((r) => ({
      input: r.size,
      path: r.path,
      decode: r.mode,
      "JS heap + ArrayBuffers": mb(r.heap),
      ...Object.fromEntries(Object.entries(r.wasm).map(([k, v]) => [`wasm ${k}`, mb(v)])),
      peak: mb(r.peak),
      "≤ budget": r.peak <= BUDGET_MB * MB ? "yes" : "NO",
      outcome: r.decision,
    })),
  );
}

function table(rows) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (vals) => `| ${vals.map((v, i) => String(v ?? "").padEnd(width[i])).join(" | ")} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  if (args.includes("--calibrate-only")) {
    console.log(await calibrate(await bundle()));
  } else {
    const json = args.includes("--json");
    const result = await measure({ sizes: opt("--sizes")?.split(","), faces: !args.includes("--no-faces"), photon: args.includes("--photon"), log: json ? null : console.log });
    if (json) console.log(JSON.stringify({ budgetMB: BUDGET_MB, calibration: result.calibration, runs: result.runs.map(({ stages, ...r }) => r) }));
    else printTables(result);
  }
}
