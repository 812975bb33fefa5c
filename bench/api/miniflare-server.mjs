#!/usr/bin/env node
/**
 * Serves the BUILT worker (bench/out/api, from `wrangler deploy --dry-run --outdir`) under Miniflare directly —
 * no wrangler dev proxy in front. Bindings as in wrangler.toml (D1, R2, Queues, Durable Objects; no Workers AI,
 * which is not available offline), fresh dev secrets, D1 migrations applied, loopback only. Storage is Miniflare's
 * "in memory" kind: SQLite files in a fresh folder under os.tmpdir() (so TMPDIR), removed on exit; bench/api/run.mjs
 * points TMPDIR at tmpfs (--storage ram).
 *
 *   node bench/api/miniflare-server.mjs <outDir> <port> [maxSeconds]
 *
 * FLOOR in the environment serves instead one of two floors under the same Miniflare (201 for POST, 200 otherwise):
 * - FLOOR=1: a Worker that answers every request with a constant JSON body, its D1, R2 and queue bindings unused: the
 *   floor this harness sets on latency and throughput, whatever the Worker does.
 * - FLOOR=storage: a Worker that makes, per request, the storage round trips our GET /v1/verifications/{id} makes and
 *   nothing else: one call to a Durable Object (a counter kept in memory, as the RATE_LIMITER keeps its buckets) and one
 *   D1 statement (a read by primary key), then a small JSON body. No authentication, no routing, no decryption: what
 *   Miniflare's Durable Object and D1 simulators alone cost a Worker that must make those two trips.
 * - FLOOR=d1: the same Worker without the Durable Object call: one D1 read by primary key per request, the one trip to
 *   storage any GET of a verification must make, so the latency tail of Miniflare's D1 simulator on its own.
 *
 * DIRECT_PORT=<port> in the environment also serves the Worker on its own socket there (Miniflare's `unsafeDirectSockets`)
 * and prints that address, so requests skip Miniflare's entry Worker (which re-creates each request and response to add
 * the `cf` object, pretty error pages and request logs, on the same workerd thread; nothing like it runs in front of a
 * Worker at the edge). The seeding requests of bench/api/run.mjs go to that address too.
 *
 * Prints one line `READY <url>` when it accepts requests. Stops on SIGTERM/SIGINT or after maxSeconds
 * (default 600), disposing Miniflare (which ends workerd).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { generateDevSecrets } from "../../scripts/dev-secrets.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [outDir, portArg, maxArg] = process.argv.slice(2);
const port = Number(portArg);
const maxSeconds = Number(maxArg) || 600;
if (!outDir || !port) {
  console.error("usage: miniflare-server.mjs <outDir> <port> [maxSeconds]");
  process.exit(2);
}

const files = await readdir(outDir);
const wasm = files.filter((f) => f.endsWith(".wasm"));

const FLOOR = { 1: "constant", storage: "storage", d1: "d1" }[process.env.FLOOR] ?? null;
const DIRECT_PORT = Number(process.env.DIRECT_PORT) || null;
const FLOOR_WORKERS = {
  constant: `export default {
  async fetch(request) {
    await request.arrayBuffer();
    return Response.json({ id: "ver_floor", status: "created", mode: "live" }, { status: request.method === "POST" ? 201 : 200 });
  },
};`,
  storage: `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  taken = 0;
  take() {
    this.taken++;
    return { allowed: true, remaining: 100000 - (this.taken % 100000) };
  }
}
export default {
  async fetch(request, env) {
    await request.arrayBuffer();
    const limit = await env.COUNTER.get(env.COUNTER.idFromName("bench")).take();
    const row = await env.DB.prepare("SELECT id, status, mode FROM floor WHERE id = ?").bind("ver_floor").first();
    return Response.json({ ...row, remaining: limit.remaining }, { status: request.method === "POST" ? 201 : 200 });
  },
};`,
  d1: `export default {
  async fetch(request, env) {
    await request.arrayBuffer();
    const row = await env.DB.prepare("SELECT id, status, mode FROM floor WHERE id = ?").bind("ver_floor").first();
    return Response.json(row, { status: request.method === "POST" ? 201 : 200 });
  },
};`,
};

const mf = new Miniflare({
  host: "127.0.0.1",
  port,
  ...(FLOOR
    ? { modules: true, script: FLOOR_WORKERS[FLOOR] }
    : {
        modulesRoot: outDir,
        modules: [
          { type: "ESModule", path: path.join(outDir, "index.js") },
          ...wasm.map((f) => ({ type: "CompiledWasm", path: path.join(outDir, f) })),
        ],
      }),
  ...(DIRECT_PORT ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: DIRECT_PORT }] } : {}),
  compatibilityDate: "2026-04-20",
  compatibilityFlags: ["nodejs_compat"],
  bindings: {
    ENVIRONMENT: "development",
    JWT_ISSUER: "https://edge-kyc.local",
    JWT_AUDIENCE: "edge-kyc-api",
    CORS_ORIGINS: "*",
    MAX_UPLOAD_BYTES: "10485760",
    STUCK_AFTER_SECONDS: "300",
    ...(await generateDevSecrets()),
  },
  d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
  r2Buckets: { MEDIA: "edge-kyc-media", MODELS: "edge-kyc-models" },
  queueProducers: { VERIFICATION_JOBS: "verification-jobs", WEBHOOK_DELIVERIES: "webhook-deliveries" },
  queueConsumers: FLOOR ? {} : {
    "verification-jobs": { maxBatchSize: 1, maxBatchTimeout: 1, maxRetries: 3, retryDelay: 2, deadLetterQueue: "verification-jobs-dlq" },
    "verification-jobs-dlq": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10 },
    "webhook-deliveries": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 8, retryDelay: 5, deadLetterQueue: "webhook-deliveries-dlq" },
    "webhook-deliveries-dlq": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10 },
  },
  durableObjects: FLOOR === "storage" ? { COUNTER: { className: "Counter", useSQLite: true } } : FLOOR ? {} : {
    RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
    VERIFICATION_EVENTS: { className: "VerificationEvents", useSQLite: true },
    AUDIT_CHAIN: { className: "AuditChain", useSQLite: true },
  },
  // Forward the worker's console output (errors only matter here) to our stderr.
  handleRuntimeStdio(stdout, stderr) {
    stdout.resume();
    stderr.pipe(process.stderr);
  },
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(code);
  }
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
setTimeout(() => {
  console.error(`miniflare-server: ${maxSeconds} s limit reached, stopping`);
  stop(1);
}, maxSeconds * 1000).unref();

try {
  const url = await mf.ready;
  const ready = DIRECT_PORT ? `http://127.0.0.1:${DIRECT_PORT}` : url.href.replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  if (FLOOR === "storage" || FLOOR === "d1") {
    await db.batch([
      db.prepare("CREATE TABLE floor (id TEXT PRIMARY KEY, status TEXT NOT NULL, mode TEXT NOT NULL)"),
      db.prepare("INSERT INTO floor VALUES ('ver_floor', 'created', 'live')"),
    ]);
  }
  if (FLOOR) {
    console.log(`READY ${ready}`);
    setInterval(() => {}, 1 << 30);
    await new Promise(() => {});
  }
  const migrations = (await readdir(path.join(root, "migrations"))).filter((f) => f.endsWith(".sql")).sort();
  for (const file of migrations) {
    const sql = await readFile(path.join(root, "migrations", file), "utf8");
    const statements = sql.split("--> statement-breakpoint").map((s) => s.trim()).filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  console.log(`READY ${ready}`);
  // Keep the event loop alive until stopped.
  setInterval(() => {}, 1 << 30);
} catch (err) {
  console.error("miniflare-server failed:", err);
  await stop(1);
}
