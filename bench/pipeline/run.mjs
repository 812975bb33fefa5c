#!/usr/bin/env node
/**
 * Pipeline bench: how long one verification takes through the REAL live pipeline (src/pipeline/registry.ts, every
 * layer on — intake, EXIF, JPEG, ELA, copy-move, MRZ OCR, face, liveness, vision, duplicates, document duplicates,
 * registry, geo — then the decision) in workerd, against a native floor in Node. Data: a generated passport data page
 * photographed like a phone (scripts/docgen) and a selfie of the same woman (examples/phone-photos.mjs), as one set
 * per size: "2MP" is a 2 MP document photo + a 1 MP selfie, "12MP" both at 12 MP. workerd side: Miniflare, one warm
 * isolate (models loaded from the MODELS bucket first, as a warm Worker has them; one discarded warm-up run), the
 * Images binding shrinking the uploads (locally Miniflare does this with sharp) and photon decoding the shrunk copy,
 * the face engine and the MRZ reader on onnxruntime-web (1 thread). Native side, in this process: the same bundled
 * pipeline code with onnxruntime-node (1 thread) for the face models and the OCR recogniser, and sharp resizing and
 * decoding (bench/pipeline/sharp-images.mjs, the same decode-once policy); the pure-JS layers (forensics, vision
 * encoding, registry, geo, decision) are the same JS in Node. How to read it: one row per stage with p50 / p95 ms over
 * the N runs; "decode" is the resize + decode time spent inside any layer (excluded from the layers' rows); rows
 * under "engines" break the model work down (face: detect, landmarks, align, embed, liveness; ocr: locate, recognise) —
 * they are inside the layer rows (the document's face is found when ELA first asks for the portrait), so they do not
 * add to the total. "total" is the wall time of a verification (layers + decision), its percentiles taken over runs
 * (not the sum of the stage percentiles). The ratio is workerd p50 / native p50; the last lines check the total ratio
 * ≤ 2.0 and the 2 MP + 1 MP workerd total (p50 ≤ 2.0 s, p95 ≤ 3.5 s). "isolate MB (warm-up run)" is the
 * workerd isolate's memory after the stage in the untimed warm-up run (the only run that is metered, so the readings
 * cost the timed runs nothing): JS heap used + ArrayBuffer backing stores (over the V8 inspector, without collecting
 * garbage first, so a stage's leftover garbage counts) + every WebAssembly memory (photon, onnxruntime-web; they never
 * shrink); bench/memory measures that total more carefully (garbage collected between stages, fresh isolates).
 * Stages are timed inside the isolate with performance.now(), which advances during computation under Miniflare
 * (deployed Workers freeze it) but ticks in whole milliseconds, so sub-ms stages read 0 and get no ratio.
 *
 * Then the same uploads go through the product itself: `wrangler dev --local` (the `npm run dev` stack, started by
 * scripts/local-server.mjs with the models in its MODELS bucket), a live API key, and per verification create →
 * upload → submit → the real queue consumer → final state, one at a time, the client polling every 50 ms (one
 * discarded warm-up verification first). That table reads what the verification itself recorded: each layer's ms
 * (`timings.layers_ms`), "processing" (consumer start → final state: the pipeline plus its D1, R2 and queue work, the
 * image gate and storing the results) and the queue wait, next to the bench Worker's p50 for the same stage.
 *
 *   npm run bench -- pipeline [--n 10] [--sizes 2MP,12MP] [--no-native] [--no-workerd] [--no-consumer] [--timeout 900] [--json]
 *
 * --timeout (seconds) bounds the whole run: at the limit workerd is stopped and the bench exits 1. SIGINT/SIGTERM
 * also stop workerd.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { modelBytes, readManifests } from "../../scripts/model-files.mjs";
import { freePort, inspector } from "../memory/run.mjs";
import { buildBench } from "./build.mjs";
import { INPUT_SIZES, inputs } from "./inputs.mjs";
import { sharpDecodeOnce } from "./sharp-images.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const N = Number(arg("n", 10));
const SIZES = arg("sizes", "2MP,12MP").split(",");
const runNative = !args.includes("--no-native");
const runWorkerd = !args.includes("--no-workerd");
const runConsumer = !args.includes("--no-consumer");
const json = args.includes("--json");
const TIMEOUT_S = Number(arg("timeout", 900));
const TARGETS = { ratio: 2.0, p50: 2000, p95: 3500 };
const log = (s) => process.stderr.write(`${s}\n`);
const unknown = SIZES.filter((s) => !INPUT_SIZES[s]);
if (unknown.length || !(N >= 1)) {
  log(`bench/pipeline: ${unknown.length ? `unknown size ${unknown.join(", ")} (known: ${Object.keys(INPUT_SIZES).join(", ")})` : "--n must be ≥ 1"}`);
  process.exit(2);
}

// ---- bounded: every Miniflare (workerd child) is disposed on exit, signal or timeout ----
const live = new Set();
let stopping = false;
async function stopAll() {
  await Promise.allSettled([...live].map((x) => (x.dispose ? x.dispose() : x.stop())));
  live.clear();
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    stopping = true;
    stopAll().finally(() => process.exit(130));
  });
}
const deadline = setTimeout(() => {
  log(`bench/pipeline: still running after ${TIMEOUT_S} s — stopping workerd and giving up`);
  stopping = true;
  stopAll().finally(() => process.exit(1));
}, TIMEOUT_S * 1000);
deadline.unref();

const started = performance.now();
const { nodeBundle, workerBundle, wasmModules } = await buildBench();
const P = await import(nodeBundle);
const manifests = new Map((await readManifests(root)).map((m) => [m.file, m]));
const loadModel = async (file) => {
  const m = manifests.get(file);
  if (!m) throw new Error(`no manifest in models/ names ${file}`);
  return modelBytes(root, m);
};

/** N timed verifications in one warm workerd isolate. */
async function workerd(set) {
  const inspectorPort = await freePort();
  let cdp = null;
  const mf = new Miniflare({
    modulesRoot: path.dirname(workerBundle),
    modules: [{ type: "ESModule", path: workerBundle }, ...wasmModules.map((p) => ({ type: "CompiledWasm", path: p }))],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    r2Buckets: ["MODELS", "MEDIA"],
    images: { binding: "IMAGES" },
    inspectorPort,
    serviceBindings: {
      PROBE: async () => {
        const h = await cdp.call("Runtime.getHeapUsage");
        return Response.json({ used: h.usedSize, backing: h.backingStorageSize });
      },
    },
  });
  live.add(mf);
  try {
    await mf.ready;
    cdp = await inspector(inspectorPort);
    const models = await mf.getR2Bucket("MODELS");
    for (const m of manifests.values()) await models.put(m.file, await modelBytes(root, m));
    const media = await mf.getR2Bucket("MEDIA");
    await media.put("doc", new Uint8Array(set.document));
    await media.put("selfie", new Uint8Array(set.selfie));
    const call = async (p) => {
      const res = await mf.dispatchFetch(`http://bench${p}`, { method: "POST" });
      const body = await res.json();
      if (!res.ok) throw new Error(`workerd ${p}: ${body.error}\n${body.stack ?? ""}`);
      return body;
    };
    const warm = await call("/warmup");
    const runs = [];
    let first;
    for (let i = 0; i <= N; i++) {
      const r = await call(`/verify?doc=doc&selfie=selfie${i === 0 ? "&probe=1" : ""}`);
      if (i > 0) runs.push(r);
      else first = r; // the warm-up run (JIT, first session runs): not timed, but its memory shows each stage's growth
    }
    return { runs, loadMs: warm.ms, memory: first.memory };
  } finally {
    cdp?.close();
    live.delete(mf);
    await mf.dispose();
  }
}

/** What the consumer's verifications declare: the holder and passport of bench/pipeline/inputs.mjs. */
const DECLARED = { type: "passport", number: "C01X00T47", issuing_country: "DE", expiry_date: "2031-10-31" };

/** N verifications through the API and the real queue consumer of `wrangler dev --local`, one after another. */
async function consumer(set) {
  const dev = await import("../../scripts/local-server.mjs");
  const server = await dev.startLocalServer({ log: (l) => log(`  consumer: ${l}`) });
  live.add(server);
  try {
    const { liveKey } = await dev.registerTenant(server.base);
    const images = { document_front: new Uint8Array(set.document), selfie: new Uint8Array(set.selfie) };
    const runs = [];
    for (let i = 0; i <= N; i++) {
      const id = await dev.createVerification(server.base, liveKey, { images, document: DECLARED });
      const submitted = performance.now();
      const status = (await dev.waitFinal(server.base, liveKey, [id], { ms: 180_000, every: 50 })).get(id);
      const endToEnd = performance.now() - submitted;
      if (!dev.FINAL.includes(status)) throw new Error(`consumer: ${id} is ${status} after 180 s`);
      const v = await dev.getVerification(server.base, liveKey, id);
      const layers = Object.entries(v.layers).map(([name, l]) => `${name} ${l.status}${l.findings.length ? ` (${l.findings.map((f) => f.code).join(", ")})` : ""}`);
      if (i > 0) runs.push({ processing: v.timings.processing_ms, queueWait: v.timings.queue_wait_ms, endToEnd, ms: v.timings.layers_ms, status, reasons: v.reasons, layers });
    }
    return { runs };
  } finally {
    live.delete(server);
    await server.stop();
  }
}

/** N timed verifications in this process with the native runtimes. */
async function native(set) {
  const t = performance.now();
  const now = () => performance.now();
  const engine = P.createFaceEngine({ loadModel, runtime: P.ortNodeRuntime(1), now });
  const mrzReader = P.createMrzReader({ loadModel, runtime: P.ortNodeRuntime(1), now });
  await mrzReader.warmUp();
  await engine.warmUp();
  const loadMs = performance.now() - t;
  const media = await P.benchMedia(new Uint8Array(set.document), new Uint8Array(set.selfie));
  const runs = [];
  for (let i = 0; i <= N; i++) {
    const r = await P.timedVerification({ engine, mrzReader, images: sharpDecodeOnce(P), media });
    if (i > 0) runs.push(r);
  }
  return { runs, loadMs };
}

// ---- report ----
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};
const fmt = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "—");
const table = (rows) => {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (vals) => `| ${vals.map((v, i) => String(v ?? "").padEnd(width[i])).join(" | ")} |`;
  return [line(cols), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map((r) => line(cols.map((c) => r[c])))].join("\n");
};
/** What the native column runs for a stage. */
const nativeHow = (stage) =>
  stage === "decode" ? "sharp" : /^face: (detect|landmarks|embed|liveness)$/.test(stage) ? "onnxruntime-node" : stage === "ocr: recognise" ? "onnxruntime-node" : /^layer (face|liveness|mrz)$/.test(stage) ? "same JS + onnxruntime-node" : /^layer (ela|copy_move)$/.test(stage) ? "same JS (+ doc face, onnxruntime-node)" : "same JS in Node";

function report(size, set, w, n) {
  const any = (w ?? n).runs[0];
  const stagesOf = (runs) => [...new Set(runs.flatMap((r) => Object.keys(r.ms)))];
  const all = [...new Set([...(w ? stagesOf(w.runs) : []), ...(n ? stagesOf(n.runs) : [])])];
  const main = ["decode", ...all.filter((s) => s.startsWith("layer ")), "decision"];
  const engines = all.filter((s) => s.startsWith("face: ") || s.startsWith("ocr: "));
  const stat = (res, get) => (res ? { p50: quantile(res.runs.map(get), 0.5), p95: quantile(res.runs.map(get), 0.95) } : null);
  const row = (label, stage, get) => {
    const a = stat(w, get);
    const b = stat(n, get);
    const mem = w && stage ? Object.values(w.memory[stage] ?? {}).reduce((x, y) => x + y, 0) : NaN;
    return {
      stage: label,
      "workerd p50 / p95 ms": a ? `${fmt(a.p50)} / ${fmt(a.p95)}` : "—",
      "native p50 / p95 ms": b ? `${fmt(b.p50)} / ${fmt(b.p95)}` : "—",
      "workerd/native (p50)": a && b ? (a.p50 >= 1 && b.p50 >= 1 ? `${(a.p50 / b.p50).toFixed(2)}×` : "—") : "—",
      native: stage ? nativeHow(stage) : "",
      "isolate MB (warm-up run)": Number.isFinite(mem) && mem > 0 ? (mem / 1e6).toFixed(1) : "",
    };
  };
  const rows = [
    ...main.map((s) => row(s, s, (r) => r.ms[s] ?? 0)),
    row("**total per verification**", null, (r) => r.total),
    ...engines.map((s) => row(`  (engines) ${s}`, s, (r) => r.ms[s] ?? 0)),
  ];
  const mp = (wh) => ((wh[0] * wh[1]) / 1e6).toFixed(1);
  const lines = [`### ${size}: document ${set.size.document.join("×")} (${mp(set.size.document)} MP, ${(set.document.length / 1e6).toFixed(2)} MB) + selfie ${set.size.selfie.join("×")} (${mp(set.size.selfie)} MP, ${(set.selfie.length / 1e6).toFixed(2)} MB), n = ${(w ?? n).runs.length}`, ""];
  lines.push(`Outcome: ${any.decision}${any.reasons.length ? ` [${any.reasons.join(", ")}]` : ""}; layers: ${any.layers.map((l) => `${l.layer} ${l.status}${l.codes.length ? ` (${l.codes.join(", ")})` : ""}`).join("; ")}`);
  if (w && n) {
    const differ = w.runs[0].layers.filter((l, i) => l.status !== n.runs[0].layers[i]?.status || l.codes.join() !== n.runs[0].layers[i]?.codes.join());
    if (differ.length || w.runs[0].decision !== n.runs[0].decision) lines.push(`Native outcome differs: ${n.runs[0].decision}; layers ${differ.map((l) => l.layer).join(", ")}`);
  }
  if (w) {
    const peak = {};
    for (const m of Object.values(w.memory)) for (const [k, v] of Object.entries(m)) peak[k] = Math.max(peak[k] ?? 0, v);
    lines.push(`workerd isolate memory, highest reading of the warm-up run, MB: ${Object.entries(peak).map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)}`).join(", ")}`);
  }
  lines.push(`Models loaded before timing: workerd ${w ? fmt(w.loadMs) : "—"} ms, native ${n ? fmt(n.loadMs) : "—"} ms`, "", table(rows), "");
  const verdict = [];
  if (w && n) {
    const ratio = quantile(w.runs.map((r) => r.total), 0.5) / quantile(n.runs.map((r) => r.total), 0.5);
    verdict.push(`Total workerd/native (p50) = ${ratio.toFixed(2)}×: ${ratio <= TARGETS.ratio ? "≤" : ">"} ${TARGETS.ratio.toFixed(1)} ${ratio <= TARGETS.ratio ? "✓" : "✗"}`);
  }
  if (w && size === "2MP") {
    const p50 = quantile(w.runs.map((r) => r.total), 0.5);
    const p95 = quantile(w.runs.map((r) => r.total), 0.95);
    verdict.push(`2 MP + 1 MP workerd total: p50 ${(p50 / 1000).toFixed(2)} s ${p50 <= TARGETS.p50 ? "≤ 2.0 s ✓" : "> 2.0 s ✗"}, p95 ${(p95 / 1000).toFixed(2)} s ${p95 <= TARGETS.p95 ? "≤ 3.5 s ✓" : "> 3.5 s ✗"}`);
  }
  if (verdict.length) lines.push(...verdict.map((v) => `- ${v}`), "");
  return lines.join("\n");
}

/** The consumer's table: what each verification recorded, beside the bench Worker's p50 of the same stage. */
function consumerReport(size, c, w) {
  const stat = (xs) => ({ p50: quantile(xs, 0.5), p95: quantile(xs, 0.95) });
  const wP50 = (stage) => (w ? quantile(w.runs.map((r) => r.ms[stage] ?? 0), 0.5) : NaN);
  const layers = [...new Set(c.runs.flatMap((r) => Object.keys(r.ms)))];
  const row = (label, xs, benchP50) => {
    const a = stat(xs);
    return {
      stage: label,
      "consumer p50 / p95 ms": `${fmt(a.p50)} / ${fmt(a.p95)}`,
      "bench Worker p50 ms": fmt(benchP50),
      "consumer/bench (p50)": a.p50 >= 1 && benchP50 >= 1 ? `${(a.p50 / benchP50).toFixed(2)}×` : "—",
    };
  };
  const rows = [
    ...layers.map((l) => row(`layer ${l}`, c.runs.map((r) => r.ms[l] ?? 0), wP50(`layer ${l}`))),
    row("**processing** (consumer start → final state)", c.runs.map((r) => r.processing), w ? quantile(w.runs.map((r) => r.total), 0.5) : NaN),
    row("queue wait (submit → consumer start)", c.runs.map((r) => r.queueWait), NaN),
    row("submit → final, as the client saw it (polling every 50 ms)", c.runs.map((r) => r.endToEnd), NaN),
  ];
  const outcomes = {};
  for (const r of c.runs) outcomes[`${r.status}${r.reasons?.length ? ` [${r.reasons.join(", ")}]` : ""}`] = (outcomes[`${r.status}${r.reasons?.length ? ` [${r.reasons.join(", ")}]` : ""}`] ?? 0) + 1;
  const lines = [`#### ${size} through the real consumer (\`wrangler dev --local\`, live key, one verification at a time), n = ${c.runs.length}`, ""];
  lines.push(`Outcomes: ${Object.entries(outcomes).map(([k, v]) => `${v}× ${k}`).join("; ")}; layers of the first: ${c.runs[0].layers.join("; ")}`, "");
  lines.push(
    "A layer's ms here includes the image decoding it triggers (the first layer to ask for an image decodes it; the bench Worker's rows leave decoding out, in its `decode` row), so intake and exif read higher and the processing row is the one to compare. Every verification sends the same passport, so once enough of them are in, the velocity rule sends one to review (VELOCITY_HIGH).",
    "",
    table(rows),
    "",
  );
  if (size === "2MP") {
    const p = stat(c.runs.map((r) => r.processing));
    lines.push(`- 2 MP + 1 MP through the consumer, processing: p50 ${(p.p50 / 1000).toFixed(2)} s ${p.p50 <= TARGETS.p50 ? "≤ 2.0 s ✓" : "> 2.0 s ✗"}, p95 ${(p.p95 / 1000).toFixed(2)} s ${p.p95 <= TARGETS.p95 ? "≤ 3.5 s ✓" : "> 3.5 s ✗"}`, "");
  }
  return lines.join("\n");
}

const results = [];
const out = [`## Pipeline bench (workerd vs native), ${new Date().toISOString().slice(0, 10)}`, ""];
try {
  for (const size of SIZES) {
    log(`${size}: generating inputs…`);
    const set = { ...(await inputs(size)), size: INPUT_SIZES[size] };
    let w = null;
    let n = null;
    if (runWorkerd) {
      log(`${size}: workerd, ${N} runs (+1 warm-up)…`);
      w = await workerd(set);
    }
    if (runNative) {
      log(`${size}: native, ${N} runs (+1 warm-up)…`);
      n = await native(set);
    }
    results.push({ size, workerd: w, native: n });
    if (w || n) out.push(report(size, set, w, n));
    if (runConsumer) {
      log(`${size}: through the real consumer (wrangler dev --local), ${N} verifications (+1 warm-up)…`);
      const c = await consumer(set);
      results[results.length - 1].consumer = c;
      out.push(consumerReport(size, c, w));
    }
  }
} catch (err) {
  // Stopped on purpose: the requests in flight fail as workerd goes away; the handler that stopped it exits.
  if (stopping) await new Promise(() => {});
  throw err;
} finally {
  await stopAll();
}
if (json) console.log(JSON.stringify(results.map((r) => ({ size: r.size, workerd: r.workerd?.runs.map(({ layers, ...x }) => x), native: r.native?.runs.map(({ layers, memory, ...x }) => x), consumer: r.consumer?.runs }))));
else console.log(out.join("\n"));
log(`bench/pipeline: ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
