#!/usr/bin/env node
/**
 * Audit chain benchmark: the built worker under Miniflare (bench/api/miniflare-server.mjs), one fresh tenant.
 *  1. appends: N audited requests (POST /v1/verifications with an API key, each commits one pending audit row and
 *     then seals through the tenant's AuditChain Durable Object), C at a time — requests/s and p50/p99 latency;
 *  2. GET /v1/audit/verify?full=true over the whole log (leaves a checkpoint at the head);
 *  3. M more appends, then the default GET /v1/audit/verify, which resumes from that checkpoint.
 * Steps 2 and 3 are repeated `--rounds` times; the table shows the median and the range.
 * Prints a markdown table. Timings describe the local emulated stack, not the edge.
 *
 *   node bench/audit/run.mjs [--events 2000] [--concurrency 16] [--after 50] [--rounds 5] [--out bench/out/api]
 * (--out reuses an existing build from bench:api instead of building again.)
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const EVENTS = Number(opt("--events", "2000"));
const CONCURRENCY = Number(opt("--concurrency", "16"));
const AFTER = Number(opt("--after", "50"));
const ROUNDS = Number(opt("--rounds", "5"));
const outDir = path.resolve(root, opt("--out", "bench/out/audit"));
const DEADLINE_SECONDS = 600;

let server = null;
const stop = () => {
  if (server) {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
};
process.on("exit", stop);
setTimeout(() => {
  console.error(`bench/audit: ${DEADLINE_SECONDS} s deadline reached`);
  process.exit(1);
}, DEADLINE_SECONDS * 1000).unref();

if (!existsSync(path.join(outDir, "index.js"))) {
  await mkdir(outDir, { recursive: true });
  console.error("bench/audit: building the worker (wrangler deploy --dry-run)…");
  const built = spawnSync(path.join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outDir], {
    cwd: root,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
    timeout: 180_000,
  });
  if (built.status !== 0) {
    console.error(built.stderr || built.stdout);
    process.exit(1);
  }
}

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
server = spawn(process.execPath, [path.join(root, "bench/api/miniflare-server.mjs"), outDir, String(port), String(DEADLINE_SECONDS)], {
  cwd: root,
  detached: true,
  stdio: ["ignore", "pipe", "pipe"],
});
server.stderr.resume();
const base = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = /^READY (\S+)$/m.exec(out);
    if (m) resolve(m[1]);
  });
  server.once("exit", (code) => reject(new Error(`server exited (${code})`)));
});

async function call(p, init = {}) {
  const res = await fetch(`${base}${p}`, init);
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${p}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const reg = await call("/v1/auth/register", {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ email: `bench-${Date.now()}@bench.local`, password: "Bench-password-long-1", name: "Bench", tenant_name: "Bench" }),
});
const auth = { Authorization: `Bearer ${reg.access_token}` };
// The audited requests go through an API key with a high limit: a signed-in user's own budget (600 a minute,
// src/identity/rate-limit.ts) would cap the bench at 10 requests a second. Each creates a verification, which
// commits a pending audit row with it and asks for a seal after the commit.
const key = await call("/v1/api-keys", {
  method: "POST",
  headers: { ...auth, "Content-Type": "application/json" },
  body: JSON.stringify({ name: "bench", scopes: ["verifications:write"], rate_limit_per_minute: 100000, mode: "live" }),
});
const CREATE = JSON.stringify({
  applicant: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE" },
  document: { type: "id_card", number: "T22000129", issuing_country: "DE", expiry_date: "2031-01-01" },
  consent: { granted: true, text_version: "2026-01" },
});
const audited = () => call("/v1/verifications", { method: "POST", headers: { "X-API-Key": key.key, "Content-Type": "application/json" }, body: CREATE });

async function appendMany(n) {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) {
        next++;
        const s = performance.now();
        await audited();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: n / seconds, p50: q(0.5), p99: q(0.99) };
}

async function timed(p) {
  const s = performance.now();
  const body = await call(p, { headers: auth });
  return { ms: performance.now() - s, body };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await audited(); // warm-up: isolates, keys, the tenant's Durable Object
  const appends = await appendMany(EVENTS);
  const fulls = [];
  for (let i = 0; i < ROUNDS; i++) fulls.push(await timed("/v1/audit/verify?full=true"));
  const resumed = [];
  let more;
  for (let i = 0; i < ROUNDS; i++) {
    more = await appendMany(AFTER);
    resumed.push(await timed("/v1/audit/verify"));
  }
  const last = resumed.at(-1).body;
  if (![...fulls, ...resumed].every((r) => r.body.valid)) throw new Error(`chain not valid: ${JSON.stringify(last)}`);
  const f = (x, d = 0) => x.toFixed(d);
  const ms = (runs) => `median ${f(median(runs.map((r) => r.ms)))} ms (min ${f(Math.min(...runs.map((r) => r.ms)))}, max ${f(Math.max(...runs.map((r) => r.ms)))})`;
  console.log(`\nAudit chain — ${EVENTS} audited requests (POST /v1/verifications with an API key), ${CONCURRENCY} at a time, then ${ROUNDS} × full verify, then ${ROUNDS} × (${AFTER} more + default verify); built worker under Miniflare, ${(await import("node:os")).cpus().length} cores, load ${(await import("node:os")).loadavg()[0].toFixed(1)}\n`);
  console.log("| step | events checked | result |");
  console.log("|---|---|---|");
  console.log(`| audited requests (insert pending + seal via DO) | ${EVENTS} written | ${f(appends.rps)} req/s, p50 ${f(appends.p50)} ms, p99 ${f(appends.p99)} ms |`);
  console.log(`| GET /v1/audit/verify?full=true | ${fulls[0].body.events} (from seq ${fulls[0].body.from_seq}) | ${ms(fulls)} |`);
  console.log(`| GET /v1/audit/verify after ${AFTER} more (default) | ${last.events} (from seq ${last.from_seq}) | ${ms(resumed)} |`);
  console.log(`\nhead seq ${last.head?.seq}, pending ${last.pending}`);
} finally {
  stop();
}
process.exit(0);
