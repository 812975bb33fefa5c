#!/usr/bin/env node
/**
 * API benchmark: our two hottest authenticated routes against the FastAPI peer baseline
 * (../shared/peers/fastapi), same load clients (autocannon and wrk), same connections, same run, targets one after another.
 *
 *   node bench/api/run.mjs [--duration 10] [--connections 16,64] [--runs 3] [--threads 1] [--no-wrangler-dev] [--storage ram|disk]
 *                         [--socket entry|direct]
 *                         [--clients autocannon,wrk]
 *
 * Routes: GET /v1/verifications/{id} and POST /v1/verifications (JSON body), both with X-API-Key.
 * Targets:
 *   peer (FastAPI)       — uvicorn, 1 worker, seeded with `app.py seed`, as ../shared/peers/README.md says
 *   ours: Miniflare      — the built worker (wrangler deploy --dry-run) under Miniflare directly, no proxy
 *   ours: wrangler dev   — `wrangler dev --local`, which puts a proxy worker in front (costs throughput)
 *   floor: Miniflare     — a Worker that answers a constant JSON body, under the same Miniflare (miniflare-server.mjs
 *                          with FLOOR=1): what the harness alone costs and the latency tail it has at this load
 *   storage floor        — GET only: a Worker that makes our GET's storage round trips and nothing else (one Durable
 *                          Object call, one D1 read; FLOOR=storage): what Miniflare's simulators cost any Worker that
 *                          must make them, so what is left to gain in our own code
 *   D1 floor             — GET only: the same without the Durable Object call (FLOOR=d1): one D1 read by primary key,
 *                          the one trip any GET of a stored verification must make; the tail of Miniflare's D1 simulator
 *                          on its own
 * Storage (`--storage`, default `ram` where /dev/shm is writable): every target keeps its database in the same place.
 * With `ram`, that is a fresh folder under /dev/shm (tmpfs) for the peer's SQLite file and for Miniflare's storage;
 * with `disk`, bench/out/api and the system temp folder. The choice matters for us and not for the peer's GET: Miniflare
 * "in memory" keeps D1 as a SQLite file under the temp folder, and workerd writes and fsyncs its write-ahead log once
 * for every D1 statement, a read included (1,507 fsyncs for 1,505 GETs, traced with strace), on its only thread. D1 at
 * the edge does no such thing on the Worker's thread, so `ram` measures the Worker rather than this machine's disk.
 * Each cell is the median of `--runs` runs of one client (this machine varies by ±20 %). Prints a markdown table with
 * requests/s, p50, p99, the slowest response, the server's CPU ms per request (user + system time of the target's
 * whole process group over the run, divided by the requests served), non-2xx/3xx and socket errors, and ours/peer
 * ratios against the peer measured by the same client.
 * Needs autocannon (a pinned dev dependency), wrk, and /usr/bin/python3 with fastapi + uvicorn (Debian wrk
 * python3-fastapi python3-uvicorn); skips what is missing.
 * Bounded: every child has a time limit, the whole run has a deadline, and every child is killed at the end.
 */
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevSecrets } from "../../scripts/dev-secrets.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const outDir = path.join(root, "bench/out/api");
const peerDir = path.resolve(root, "../shared/peers/fastapi");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const DURATION = Number(opt("--duration", "10"));
const CONNECTIONS = opt("--connections", "16,64").split(",").map(Number);
const RUNS = Math.max(1, Number(opt("--runs", "3")));
/**
 * wrk's threads. One by default: on this 2-core machine two wrk threads at these rates take most of a core from the
 * server, and workerd (unlike the peer's one Python thread) needs that core for V8's helper threads — its collections
 * wait for them, and the tail grows by hundreds of ms (`--threads 2` shows it). Every target gets the same setting.
 */
const THREADS = Math.max(1, Number(opt("--threads", "1")));
const WARMUP_SECONDS = 2;
const WITH_WRANGLER_DEV = !args.includes("--no-wrangler-dev");
const STORAGE = opt("--storage", canWrite("/dev/shm") ? "ram" : "disk");
if (!["ram", "disk"].includes(STORAGE)) {
  console.error(`bench/api: --storage must be ram or disk, not ${STORAGE}`);
  process.exit(2);
}
/**
 * Where the clients send the load under Miniflare: `direct` (the default since 2026-12-05), the Worker's own socket
 * (`unsafeDirectSockets`), as requests reach a Worker at the edge; or `entry`, Miniflare's entry socket, as before: its
 * entry Worker re-creates every request and response on workerd's one thread, to add the `cf` object, pretty error pages
 * and request logs (the constant-JSON floor answers about 6,000 GETs/s through it and 16,000–20,000 directly on this
 * machine). wrangler dev is always `entry`.
 */
const SOCKET = opt("--socket", "direct");
/**
 * The load clients, each run against every target in turn (`--clients`, default both). They agree on requests per
 * second and disagree on the tail, because they count it differently:
 * - `autocannon` (8.0.0, one Node process, one request in flight per connection) records each response's latency as
 *   it happened: what these 16 or 64 callers waited.
 * - `wrk` (one thread) corrects its histogram for coordinated omission before it reports: for every response slower
 *   than twice the run's mean interval per connection (about the mean latency), it adds synthetic samples at that
 *   latency minus one, two, three… intervals, standing for the requests an open-loop caller would have sent meanwhile
 *   (wrk.c, `stats_correct`). One 150 ms stall at a 10 ms mean thus counts as 14 samples, so a server with rare long
 *   stalls shows a far higher p99 under wrk than the same run's callers saw.
 */
const CLIENTS = opt("--clients", "autocannon,wrk").split(",");
/**
 * Tenants per target (`--tenants`, default 4), each with its own API key and verification; every connection sends
 * their requests in turn. One tenant's keys together may send at most 100,000 requests a minute (the API's highest
 * per-key limit, and the tenant's bucket follows its highest key): about 1,667 a second, which our GET now passes
 * under this load, so with one tenant the runs would measure our 429s. The peer is seeded the same way (it has no
 * limits) so both clients send the same pattern to every target.
 */
const TENANTS = Math.max(1, Number(opt("--tenants", "4")));
if (!CLIENTS.length || CLIENTS.some((c) => !["wrk", "autocannon"].includes(c))) {
  console.error(`bench/api: --clients takes autocannon, wrk or both (comma-separated), not ${CLIENTS.join(",")}`);
  process.exit(2);
}
const AUTOCANNON = path.join(root, "node_modules/autocannon/package.json");
if (!["entry", "direct"].includes(SOCKET)) {
  console.error(`bench/api: --socket must be entry or direct, not ${SOCKET}`);
  process.exit(2);
}
/** Where every target keeps its data: a fresh tmpfs folder (ram) or bench/out/api and the system temp folder (disk). */
const storageDir = STORAGE === "ram" ? await mkdtemp("/dev/shm/edge-kyc-bench-api-") : outDir;
/** Miniflare (and so wrangler dev) keeps its "in-memory" storage under os.tmpdir(), which follows TMPDIR. */
const storageEnv = STORAGE === "ram" ? { TMPDIR: storageDir } : {};
const miniflareEnv = { ...process.env, ...storageEnv };
if (STORAGE === "ram") process.on("exit", () => rmSync(storageDir, { recursive: true, force: true }));
const DEADLINE_SECONDS = 900 * CLIENTS.length;
const wranglerEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

function canWrite(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const CREATE_BODY = JSON.stringify({
  applicant: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE" },
  document: { type: "id_card", number: "T22000129", issuing_country: "DE", expiry_date: "2031-01-01" },
  consent: { granted: true, text_version: "2026-01" },
});

// ---------- child processes: each in its own process group, all killed on exit ----------
const children = new Set();

function start(cmd, argv, options = {}) {
  const child = spawn(cmd, argv, { detached: true, stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function killGroup(child, signal = "SIGTERM") {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopChild(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, "SIGKILL"); // anything left in the group (e.g. workerd)
}

function killAllNow() {
  for (const c of children) {
    killGroup(c, "SIGKILL");
  }
}
process.on("exit", killAllNow);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    console.error(`\nbench/api: ${sig}, stopping children`);
    killAllNow();
    process.exit(130);
  });
}
setTimeout(() => {
  console.error(`bench/api: ${DEADLINE_SECONDS} s deadline reached, stopping`);
  killAllNow();
  process.exit(1);
}, DEADLINE_SECONDS * 1000).unref();

// ---------- helpers ----------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line matching `re`, or rejects on exit / timeout (with the output tail). */
function waitForLine(child, re, timeoutMs, label) {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => done(new Error(`${label}: not ready after ${timeoutMs / 1000} s\n${err.slice(-2000)}`)), timeoutMs);
    const onOut = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) done(null, m);
    };
    const onErr = (d) => {
      err += d;
    };
    const onExit = (code) => done(new Error(`${label}: exited early (code ${code})\n${err.slice(-2000)}${out.slice(-1000)}`));
    child.stdout.on("data", onOut);
    child.stderr.on("data", onErr);
    child.once("exit", onExit);
    function done(e, m) {
      clearTimeout(timer);
      child.stdout.off("data", onOut);
      child.stderr.off("data", onErr);
      child.off("exit", onExit);
      // Keep draining so a full pipe never blocks the server.
      child.stdout.resume();
      child.stderr.resume();
      e ? reject(e) : resolve(m);
    }
  });
}

async function waitForHttp(url, timeoutMs, label, child) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`${label}: exited early (code ${child.exitCode})`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status < 500) return;
    } catch {
      // not yet
    }
    await sleep(500);
  }
  throw new Error(`${label}: ${url} not answering after ${timeoutMs / 1000} s`);
}

async function call(url, init, expect, label) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15000) });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${label}: expected ${expect}, got ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

function run(cmd, argv, options, timeoutMs) {
  return new Promise((resolve) => {
    const child = start(cmd, argv, options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---------- CPU of a target: user + system time of every process in its process group ----------
const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
async function groupCpuMs(pgid) {
  const { readdir: ls } = await import("node:fs/promises");
  let ticks = 0;
  for (const pid of await ls("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd (state) on
    if (Number(fields[2]) !== pgid) continue; // pgrp
    ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

// ---------- load ----------
/**
 * One timed run with the given client: wrk, or autocannon in its own Node process. `reqs` are the requests to send,
 * one per tenant ({ path, key }), all to the same origin with the same method and body; every connection sends them in
 * turn, so each tenant gets an equal share of the load.
 */
const load = (client, ...a) => (client === "autocannon" ? autocannon(...a) : wrk(...a));

async function autocannon(origin, { method, body, reqs }, connections, seconds) {
  const spec = { origin, method, body: body ?? null, reqs, connections, seconds };
  const r = await run(process.execPath, [path.join(here, "autocannon.mjs"), JSON.stringify(spec)], {}, (seconds + 30) * 1000);
  let s;
  try {
    s = JSON.parse(r.stdout);
  } catch {
    throw new Error(`autocannon failed (code ${r.code} ${r.signal ?? ""}): ${r.stderr || r.stdout}`);
  }
  return {
    rps: s.requests.total / s.duration,
    p50: s.latency.p50,
    p99: s.latency.p99,
    max: s.latency.max,
    non2xx: s.non2xx,
    errors: s.errors,
    requests: s.requests.total,
  };
}

async function wrk(origin, { method, body, reqs }, connections, seconds) {
  const env = {
    ...process.env,
    BENCH_METHOD: method,
    BENCH_BODY: body ?? "",
    BENCH_PATHS: reqs.map((q) => q.path).join(" "),
    BENCH_KEYS: reqs.map((q) => q.key).join(" "),
  };
  const r = await run(
    "wrk",
    ["-t", String(THREADS), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "5s", "--latency", "-s", path.join(here, "wrk.lua"), origin],
    { env },
    (seconds + 30) * 1000,
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCHJSON "));
  if (!line) throw new Error(`wrk failed (code ${r.code} ${r.signal ?? ""}): ${r.stderr || r.stdout}`);
  const s = JSON.parse(line.slice("BENCHJSON ".length));
  return {
    rps: s.requests / (s.duration_us / 1e6),
    p50: s.p50_us / 1000,
    p99: s.p99_us / 1000,
    max: s.max_us / 1000,
    non2xx: s.non2xx3xx,
    errors: s.connect + s.read + s.write + s.timeout,
    requests: s.requests,
  };
}

/**
 * Sanity check (one request per tenant and route, expected status), warm-up, then every route × client × connection
 * count, `RUNS` times each. `tenants` is [{ key, verificationId }], one per seeded tenant.
 */
async function measure(target, base, tenants, rows, pgid, only = null) {
  const routes = [
    { route: "GET /v1/verifications/{id}", method: "GET", expect: 200, path: (t) => `/v1/verifications/${t.verificationId}` },
    { route: "POST /v1/verifications", method: "POST", body: CREATE_BODY, expect: 201, path: () => "/v1/verifications" },
  ].filter((r) => !only || only.includes(r.method));
  for (const r of routes) {
    for (const t of tenants) {
      const init = { method: r.method, headers: { "X-API-Key": t.key, ...(r.body ? { "Content-Type": "application/json" } : {}) }, body: r.body };
      await call(`${base}${r.path(t)}`, init, r.expect, `${target} ${r.route}`);
    }
  }
  for (const r of routes) {
    const spec = { method: r.method, body: r.body, reqs: tenants.map((t) => ({ path: r.path(t), key: t.key })) };
    await load(CLIENTS[0], base, spec, CONNECTIONS[0], WARMUP_SECONDS);
    for (const client of CLIENTS) {
      for (const c of CONNECTIONS) {
        const runs = [];
        for (let i = 0; i < RUNS; i++) {
          const cpuBefore = pgid ? await groupCpuMs(pgid) : null;
          const m = await load(client, base, spec, c, DURATION);
          m.cpuMsPerRequest = cpuBefore === null ? null : ((await groupCpuMs(pgid)) - cpuBefore) / Math.max(1, m.requests);
          console.error(`  ${target} | ${r.route} | ${client} c=${c} run ${i + 1}/${RUNS}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, max ${m.max.toFixed(0)} ms, CPU ${m.cpuMsPerRequest?.toFixed(2) ?? "—"} ms/req, non-2xx ${m.non2xx}, errors ${m.errors}`);
          runs.push(m);
        }
        const med = (k) => median(runs.map((m) => m[k]).filter((v) => v !== null));
        rows.push({
          target,
          route: r.route,
          client,
          connections: c,
          rps: med("rps"),
          p50: med("p50"),
          p99: med("p99"),
          max: med("max"),
          cpu: runs.some((m) => m.cpuMsPerRequest === null) ? null : med("cpuMsPerRequest"),
          non2xx: runs.reduce((a, m) => a + m.non2xx, 0),
          errors: runs.reduce((a, m) => a + m.errors, 0),
        });
      }
    }
  }
}

// ---------- targets ----------
async function peerTarget(rows) {
  const label = "peer: FastAPI (uvicorn, 1 worker)";
  if (!existsSync(path.join(peerDir, "app.py"))) {
    console.log(`bench/api: peer not found at ${peerDir} — skipping the peer baseline (no ratios).`);
    return;
  }
  const check = spawnSync("/usr/bin/python3", ["-c", "import fastapi, uvicorn"], { encoding: "utf8" });
  if (check.status !== 0) {
    console.log(
      "bench/api: /usr/bin/python3 lacks fastapi/uvicorn — skipping the peer baseline (no ratios).\n" +
        "  install with: apt-get update && apt-get install -y python3-fastapi python3-uvicorn",
    );
    return;
  }
  // The peer folder is read-only shared material: run it from there, but keep its database with ours (--storage).
  const db = path.join(storageDir, "peer.db");
  for (const f of [db, `${db}-wal`, `${db}-shm`]) await rm(f, { force: true });
  const env = { ...process.env, PEER_DB: db };
  const tenants = [];
  for (let i = 0; i < TENANTS; i++) {
    const seeded = await run("/usr/bin/python3", ["app.py", "seed"], { cwd: peerDir, env }, 30000);
    const [key, verificationId] = seeded.stdout.trim().split(/\s+/);
    if (seeded.code !== 0 || !key || !verificationId) throw new Error(`peer seed failed: ${seeded.stderr || seeded.stdout}`);
    tenants.push({ key, verificationId });
  }
  const port = 8899;
  const server = start("/usr/bin/python3", ["-m", "uvicorn", "app:app", "--port", String(port)], { cwd: peerDir, env });
  server.stdout.resume();
  let serverErr = "";
  server.stderr.on("data", (d) => (serverErr = (serverErr + d).slice(-4000)));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/docs`, 30000, label, server).catch((e) => {
      throw new Error(`${e.message}\n${serverErr}`);
    });
    await measure(label, `http://127.0.0.1:${port}`, tenants, rows, server.pid);
  } finally {
    await stopChild(server);
  }
}

/** The floors ignore the key and the id; they get as many (identical) requests per turn as the other targets. */
const floorTenants = Array.from({ length: TENANTS }, () => ({ key: "unused", verificationId: "ver_floor" }));

/** Seeds `TENANTS` tenants, each with an admin, an API key and one verification, through the real API. */
async function seedOurs(base) {
  const tenants = [];
  for (let i = 0; i < TENANTS; i++) tenants.push(await seedTenant(base, i));
  return tenants;
}

async function seedTenant(base, i) {
  const reg = await call(
    `${base}/v1/auth/register`,
    {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: `bench-${Date.now()}-${i}@bench.example.com`, password: "Zq8!bench-pass-771", name: "Bench Admin", tenant_name: `Bench Tenant ${i + 1}` }),
    },
    201,
    "register",
  );
  const created = await call(
    `${base}/v1/api-keys`,
    {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${reg.access_token}` },
      // 100 000/min is the schema's maximum (1 000 000 is refused with 400).
      body: JSON.stringify({ name: "bench", scopes: ["verifications:write", "verifications:read"], rate_limit_per_minute: 100000, mode: "live" }),
    },
    201,
    "create API key",
  );
  const v = await call(
    `${base}/v1/verifications`,
    { method: "POST", headers: { "Content-Type": "application/json", "X-API-Key": created.key }, body: CREATE_BODY },
    201,
    "create verification",
  );
  return { key: created.key, verificationId: v.id };
}

/** Starts bench/api/miniflare-server.mjs (ours, or a floor) on free ports, with the Worker's own socket when --socket direct. */
async function startMiniflare(extraEnv = {}) {
  const port = await freePort();
  const env = { ...miniflareEnv, ...extraEnv, ...(SOCKET === "direct" ? { DIRECT_PORT: String(await freePort()) } : {}) };
  return start(process.execPath, [path.join(here, "miniflare-server.mjs"), outDir, String(port), String(DEADLINE_SECONDS)], { cwd: root, env });
}

/**
 * One target under bench/api/miniflare-server.mjs: starts it (`env` picks ours or a floor), seeds it through `tenants`
 * (called with its address), measures it (`only`: the methods to load, all when null), and stops it.
 */
async function miniflareServed(rows, label, env, tenants, only = null) {
  const server = await startMiniflare(env);
  try {
    const [, base] = await waitForLine(server, /^READY (\S+)$/m, 90000, label);
    await measure(label, base, await tenants(base), rows, server.pid, only);
  } finally {
    await stopChild(server);
  }
}

const miniflareTarget = (rows) => miniflareServed(rows, "ours: built worker under Miniflare", {}, seedOurs);

const floorTarget = (rows) => miniflareServed(rows, "floor: constant-JSON Worker, same Miniflare", { FLOOR: "1" }, async () => floorTenants);

/** GET only: the floor makes our GET's storage round trips (one Durable Object call, one D1 statement), not our POST's. */
const storageFloorTarget = (rows) =>
  miniflareServed(rows, "floor: GET's DO + D1 trips only, same Miniflare", { FLOOR: "storage" }, async () => floorTenants, ["GET"]);

/** GET only: one D1 read per request and nothing else, the trip no GET of a stored verification can skip. */
const d1FloorTarget = (rows) => miniflareServed(rows, "floor: one D1 read only, same Miniflare", { FLOOR: "d1" }, async () => floorTenants, ["GET"]);

async function wranglerDevTarget(rows) {
  const label = "ours: wrangler dev --local (proxy in front)";
  const state = path.join(storageDir, "wrangler-state");
  const envFile = path.join(outDir, "bench.env");
  await rm(state, { recursive: true, force: true });
  const secrets = await generateDevSecrets();
  await writeFile(envFile, Object.entries(secrets).map(([k, v]) => `${k}='${v}'`).join("\n") + "\n", { mode: 0o600 });
  const mig = await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { cwd: root, env: { ...wranglerEnv, CI: "1" } }, 120000);
  if (mig.code !== 0) throw new Error(`wrangler d1 migrations apply failed: ${mig.stderr || mig.stdout}`);
  const port = await freePort();
  const inspector = await freePort();
  const server = start(
    wrangler,
    ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, "--env-file", envFile, "--show-interactive-dev-session=false", "--log-level", "warn"],
    { cwd: root, env: { ...wranglerEnv, ...storageEnv } },
  );
  server.stdout.resume();
  let serverErr = "";
  server.stderr.on("data", (d) => (serverErr = (serverErr + d).slice(-4000)));
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, 120000, label, server).catch((e) => {
      throw new Error(`${e.message}\n${serverErr}`);
    });
    await measure(label, base, await seedOurs(base), rows, server.pid);
  } finally {
    await stopChild(server);
    await rm(envFile, { force: true });
  }
}

// ---------- main ----------
if (CLIENTS.includes("wrk") && spawnSync("wrk", ["-v"], { encoding: "utf8" }).error) {
  console.log("bench/api: wrk not found — measuring with autocannon only (install wrk with: apt-get update && apt-get install -y wrk).");
  CLIENTS.splice(CLIENTS.indexOf("wrk"), 1);
  if (!CLIENTS.length) process.exit(0);
}
if (CLIENTS.includes("autocannon") && !existsSync(AUTOCANNON)) {
  console.error(`bench/api: autocannon not found at ${AUTOCANNON} — run npm ci`);
  process.exit(1);
}

await mkdir(outDir, { recursive: true });
console.error("bench/api: building the worker (wrangler deploy --dry-run)…");
const built = await run(wrangler, ["deploy", "--dry-run", "--outdir", outDir], { cwd: root, env: wranglerEnv }, 180000);
if (built.code !== 0 || !existsSync(path.join(outDir, "index.js"))) {
  console.error(`bench/api: build failed:\n${built.stderr || built.stdout}`);
  process.exit(1);
}

const rows = [];
const failures = [];
const targets = [
  ["peer", peerTarget],
  ["miniflare", miniflareTarget],
  ["floor", floorTarget],
  ["storage floor", storageFloorTarget],
  ["d1 floor", d1FloorTarget],
  ...(WITH_WRANGLER_DEV ? [["wrangler dev", wranglerDevTarget]] : []),
];
for (const [name, fn] of targets) {
  console.error(`bench/api: target ${name}…`);
  try {
    await fn(rows);
  } catch (err) {
    failures.push(`${name}: ${err.message}`);
    console.error(`bench/api: target ${name} failed: ${err.stack ?? err}`);
  }
  await sleep(1000);
}

const fmt = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? "—" : v.toFixed(d));
const peerOf = (r) => rows.find((p) => p.target.startsWith("peer") && p.route === r.route && p.client === r.client && p.connections === r.connections);
const table = rows.map((r) => {
  const p = peerOf(r);
  const isPeer = r.target.startsWith("peer");
  return {
    target: r.target,
    route: r.route,
    client: r.client,
    conns: r.connections,
    "req/s": fmt(r.rps),
    "p50 ms": fmt(r.p50, 2),
    "p99 ms": fmt(r.p99, 2),
    "max ms": fmt(r.max, 0),
    "CPU ms/req": fmt(r.cpu, 2),
    "CPU ours/peer": isPeer ? "(baseline)" : p && r.cpu !== null && p.cpu ? fmt(r.cpu / p.cpu, 2) : "—",
    "non-2xx": r.non2xx,
    "sock err": r.errors,
    "req/s ours/peer": isPeer ? "(baseline)" : p ? fmt(r.rps / p.rps, 2) : "—",
    "p99 ours/peer": isPeer ? "(baseline)" : p ? fmt(r.p99 / p.p99, 2) : "—",
  };
});

console.log(`\nAPI benchmark — clients: ${CLIENTS.map((c) => (c === "wrk" ? `wrk (${THREADS} thread${THREADS > 1 ? "s" : ""}, p99 corrected for coordinated omission)` : "autocannon (latencies as measured)")).join(" and ")}, each cell the median of ${RUNS} runs of ${DURATION} s (after a ${WARMUP_SECONDS} s warm-up per route), 127.0.0.1, targets run one after another on ${(await import("node:os")).cpus().length} cores; storage: ${STORAGE === "ram" ? "RAM (tmpfs, /dev/shm)" : "disk"} for every target; Miniflare targets loaded through ${SOCKET === "direct" ? "the Worker's own socket (--socket direct)" : "Miniflare's entry Worker (--socket entry)"}`);
if (table.length) {
  const cols = Object.keys(table[0]);
  const width = cols.map((c) => Math.max(c.length, ...table.map((r) => String(r[c]).length)));
  const line = (vals) => `| ${vals.map((v, i) => String(v).padEnd(width[i])).join(" | ")} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of table) console.log(line(cols.map((c) => r[c])));
  console.log(
    "non-2xx = non-2xx/3xx responses (summed over the runs); sock err = connect + read + write + timeout errors; CPU = user + system time of the server's process group per request served. Ratios: > 1 for req/s and < 1 for p99 and CPU favour ours.",
  );
  // Ours against the Worker that makes only our GET's storage round trips, in the same Miniflare.
  for (const r of rows.filter((x) => x.target.startsWith("ours: built") && x.route.startsWith("GET"))) {
    const f = rows.find((x) => x.target.startsWith("floor: GET's") && x.route === r.route && x.client === r.client && x.connections === r.connections);
    if (f) console.log(`GET with ${r.client} at ${r.connections} connections against the storage floor: ${fmt(r.rps / f.rps, 2)}× its req/s; p99 ${fmt(r.p99, 1)} ms against its ${fmt(f.p99, 1)} ms.`);
    const d = rows.find((x) => x.target.startsWith("floor: one D1") && x.route === r.route && x.client === r.client && x.connections === r.connections);
    if (d) console.log(`GET with ${r.client} at ${r.connections} connections against the D1 floor (one D1 read, nothing else): p99 ${fmt(r.p99, 1)} ms against its ${fmt(d.p99, 1)} ms.`);
  }
}
if (failures.length) {
  console.log(`\nFailed targets:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
}
killAllNow();
process.exit(failures.length && !rows.length ? 1 : 0);
