#!/usr/bin/env node
/**
 * Load under `npm run dev`: starts its own `wrangler dev --local` (scripts/local-server.mjs: fresh state, the
 * crons on their schedule), seeds a tenant through the API, then runs N live verifications with real face
 * images at concurrency C (each client: create → upload document and selfie → submit → poll until final →
 * next; polling every --poll-ms, default 1000, as an integrator's client would). Meanwhile one sampler calls
 * /health and another GET /v1/verifications/{id} of the newest verification, each every 100 ms.
 * Prints a markdown table: p50/p99/max of both, counts by final state, time to drain, p50/p95 submit → final, and
 * `lost: N` — the verifications that did not reach a final state within --timeout-s (exit 1 unless 0).
 *
 *   node bench/dev-load/run.mjs [--count 50] [--concurrency 10] [--poll-ms 1000] [--timeout-s 600] [--server-log FILE]
 *
 * `--server-log FILE` appends the server's whole output (wrangler's and the Worker's structured logs) to FILE, for
 * diagnosing a run that did not drain.
 */
import * as dev from "../../scripts/local-server.mjs";

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const COUNT = arg("--count", 50);
const CONCURRENCY = arg("--concurrency", 10);
const TIMEOUT_MS = arg("--timeout-s", 600) * 1000;
const POLL_MS = arg("--poll-ms", 1000);
const SERVER_LOG = argv.includes("--server-log") ? argv[argv.indexOf("--server-log") + 1] : undefined;

const quantile = (xs, q) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)}` : "–");

async function timed(url, headers) {
  const t = performance.now();
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    return { ms: performance.now() - t, ok: res.ok };
  } catch {
    return { ms: performance.now() - t, ok: false };
  }
}

const t0 = performance.now();
function sampler(fn) {
  const samples = [];
  const at = [];
  let failures = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const r = await fn();
      if (r) {
        samples.push(r.ms);
        at.push([Math.round((performance.now() - t0 - r.ms) / 1000), Math.round(r.ms)]);
        if (!r.ok) failures++;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  return { samples, at, failures: () => failures, stop: async () => ((running = false), await done) };
}

console.error(`[dev-load] starting wrangler dev --local (fresh state)…`);
const server = await dev.startLocalServer({ crons: true, outputFile: SERVER_LOG, log: (l) => console.error(`[dev-load] ${l}`) });
try {
  const { liveKey } = await dev.registerTenant(server.base);
  const headers = { "X-API-Key": liveKey };
  const created = [];
  const health = sampler(() => timed(`${server.base}/health`));
  const reads = sampler(() => (created.length ? timed(`${server.base}/v1/verifications/${created[created.length - 1]}`, headers) : null));

  const started = performance.now();
  let firstSubmit = Infinity;
  let lastFinal = 0;
  const finals = {};
  /** Submit → final per verification (ms), for those that reached a final state. */
  const endToEnd = [];
  let next = 0;
  const client = async () => {
    while (next < COUNT) {
      next++;
      const id = await dev.createVerification(server.base, liveKey);
      const submitted = performance.now();
      firstSubmit = Math.min(firstSubmit, submitted);
      created.push(id);
      const left = TIMEOUT_MS - (performance.now() - started);
      const status = (await dev.waitFinal(server.base, liveKey, [id], { ms: Math.max(0, left), every: POLL_MS })).get(id);
      const key = dev.FINAL.includes(status) ? status : `not final (${status})`;
      finals[key] = (finals[key] ?? 0) + 1;
      if (dev.FINAL.includes(status)) endToEnd.push(performance.now() - submitted);
      lastFinal = Math.max(lastFinal, performance.now());
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  await health.stop();
  await reads.stop();
  const queueLines = (server.output().match(/QUEUE verification-jobs \d+\/\d+/g) ?? []).length;

  console.log(`\n### dev-load: ${COUNT} live verifications at concurrency ${CONCURRENCY} (clients poll every ${POLL_MS} ms), \`wrangler dev --local\`\n`);
  console.log(`| request (sampled every 100 ms during the run) | n | p50 ms | p99 ms | max ms | failed |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const [name, s] of [["GET /health", health], ["GET /v1/verifications/{id}", reads]]) {
    console.log(`| ${name} | ${s.samples.length} | ${ms(quantile(s.samples, 0.5))} | ${ms(quantile(s.samples, 0.99))} | ${ms(Math.max(...s.samples))} | ${s.failures()} |`);
  }
  console.log(`\n| outcome | count |\n|---|---|`);
  for (const [k, v] of Object.entries(finals).sort()) console.log(`| ${k} | ${v} |`);
  console.log(`\nTime to drain (first submit → last final): ${((lastFinal - firstSubmit) / 1000).toFixed(1)} s; whole run ${((performance.now() - started) / 1000).toFixed(1)} s; consumer invocations completed (QUEUE lines): ${queueLines}.`);
  const slow = health.at.filter(([, m]) => m >= 1000).map(([t, m]) => `${m} ms at +${t} s`);
  console.log(`/health samples ≥ 1 s (sent at, seconds after the server was up): ${slow.join(", ") || "none"}.`);
  console.log(`Submit → final (as the polling clients saw it, ±${POLL_MS} ms): p50 ${ms(quantile(endToEnd, 0.5))} ms, p95 ${ms(quantile(endToEnd, 0.95))} ms.`);
  const lost = COUNT - endToEnd.length;
  console.log(`lost: ${lost}`);
  if (lost > 0) process.exitCode = 1;
} finally {
  await server.stop();
}
