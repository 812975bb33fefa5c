#!/usr/bin/env node
/**
 * Nothing lost under injected failures (issue 15, `faults`). Starts its own `wrangler dev --local` (fresh state, the
 * crons on their schedule), registers a tenant and a webhook endpoint pointing at a receiver in this process with
 * the faults OFF, then restarts the same state with `FAULTS` on (pipeline runs throw, media reads time out, D1 writes
 * fail, outbox publications fail; src/faults) and submits N live verifications with the demo portraits at
 * concurrency C. The bench is a careful client: a 5xx (an injected D1 failure) is retried, a create with the same
 * Idempotency-Key. Then it waits until every verification is final, has its audit events (created, submitted, the
 * final status) and its final-state webhook, and prints markdown tables. `lost: 0` only when every verification has
 * all three; exits 1 otherwise. Webhooks are at-least-once: the table shows distinct `webhook-id`s and repeats. The
 * server's whole output is kept in a temporary file (its path is printed) for diagnosis.
 *
 *   npm run bench -- faults [--n 30] [--rate 0.3] [--concurrency 8] [--kinds pipeline,r2_read,d1_write,outbox]
 *                           [--seed 7] [--stuck-s 60] [--timeout-s 1200]
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import * as dev from "../../scripts/local-server.mjs";

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const N = Number(arg("--n", 30));
const RATE = Number(arg("--rate", 0.3));
const CONCURRENCY = Number(arg("--concurrency", 8));
const KINDS = arg("--kinds", "pipeline,r2_read,d1_write,outbox").split(",").filter(Boolean);
const SEED = arg("--seed", null);
const STUCK_S = Number(arg("--stuck-s", 60));
const TIMEOUT_MS = Number(arg("--timeout-s", 1200)) * 1000;
const FAULTS = [...KINDS.map((k) => `${k}=${RATE}`), ...(SEED === null ? [] : [`seed=${SEED}`])].join(",");
const say = (line) => console.error(`[faults] ${line}`);
let cronFailures = 0;
/** The dev cron runner's lines, counting minute jobs the Worker answered with a 5xx (the job threw). */
const cronLog = (line) => {
  if (/cron "\* \* \* \* \*" → 5\d\d/.test(line)) cronFailures++;
  say(line);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Webhook receiver: every POST recorded with its `webhook-id`, so repeats (at-least-once delivery) are visible. */
async function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        received.push({ webhookId: String(req.headers["webhook-id"] ?? ""), type: event.type, verificationId: event.data?.verification_id ?? null, status: event.data?.status ?? null, at: performance.now() });
      } catch {}
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, received, close: () => server.close() };
}

const retries = { create: 0, upload: 0, submit: 0, read: 0, abandonedKeys: 0 };
const retriedStatuses = {};

/** One API call, retried as a client would: on a 5xx, a network error, or a 409 CONFLICT (a request with the same key still running). */
async function call(base, method, path, { headers = {}, body, raw, step = "read", attempts = 12 } = {}) {
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let data = null;
    try {
      const res = await fetch(base + path, {
        method,
        signal: AbortSignal.timeout(60_000),
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
        headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      });
      status = res.status;
      data = await res.json().catch(() => null);
    } catch {
      status = 0;
    }
    const retryable = status === 0 || status >= 500 || (status === 409 && data?.error?.code === "CONFLICT");
    if (!retryable || attempt >= attempts) return { status, data };
    retries[step]++;
    retriedStatuses[status] = (retriedStatuses[status] ?? 0) + 1;
    await sleep(Math.min(5000, 250 * 2 ** (attempt - 1)));
  }
}

function must(res, ok, what) {
  if (!ok.includes(res.status)) throw new Error(`${what}: got ${res.status} ${JSON.stringify(res.data)}`);
  return res.data;
}

/** Create (one Idempotency-Key per intent; a new key only when the old one stays wedged), upload both images, submit. */
async function submitOne(base, key) {
  const headers = { "X-API-Key": key };
  const number = `T${Math.floor(Math.random() * 1e8).toString().padStart(8, "0")}`;
  const body = {
    applicant: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE" },
    document: { type: "id_card", number, issuing_country: "DE", expiry_date: "2031-01-01" },
    consent: { granted: true, text_version: "2026-01" },
  };
  let created;
  for (let keys = 1; !created; keys++) {
    const res = await call(base, "POST", "/v1/verifications", { headers: { ...headers, "Idempotency-Key": randomUUID() }, body, step: "create" });
    if (res.status === 201) created = res.data;
    else if (keys >= 3) throw new Error(`create: ${res.status} ${JSON.stringify(res.data)}`);
    else retries.abandonedKeys++;
  }
  for (const [kind, bytes] of Object.entries(dev.portraits())) {
    must(await call(base, "PUT", `/v1/verifications/${created.id}/media/${kind}`, { headers: { ...headers, "Content-Type": "image/jpeg" }, raw: bytes, step: "upload" }), [200, 201], `upload ${kind}`);
  }
  const submitted = await call(base, "POST", `/v1/verifications/${created.id}/submit`, { headers, step: "submit" });
  if (submitted.status !== 202) {
    // A retried submit whose first attempt committed answers 409 INVALID_TRANSITION: fine if it left `created`.
    const now = must(await call(base, "GET", `/v1/verifications/${created.id}`, { headers }), [200], "read after submit");
    if (now.status === "created") throw new Error(`submit: ${submitted.status} ${JSON.stringify(submitted.data)}`);
  }
  return created.id;
}

/** Every item of a cursor-paginated list. */
async function listAll(base, path, headers) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = must(await call(base, "GET", `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers }), [200], `list ${path}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

const PASSWORD = "Sufficiently-long-test-password-1";

/** Registers a tenant and makes a live key, keeping the admin's credentials: the run outlives a 15-minute access token. */
async function setupTenant(base) {
  const email = `faults-${Date.now().toString(36)}@test.edge-kyc.local`;
  must(await call(base, "POST", "/v1/auth/register", { body: { email, password: PASSWORD, name: "Bench Admin", tenant_name: "Faults Bench" } }), [201], "register");
  const admin = await login(base, email);
  const body = { name: "faults bench", scopes: ["verifications:write", "verifications:read", "webhooks"], rate_limit_per_minute: 100_000, mode: "live" };
  const { key } = must(await call(base, "POST", "/v1/api-keys", { headers: admin, body }), [201], "api key");
  return { email, liveKey: key };
}

async function login(base, email) {
  const { access_token } = must(await call(base, "POST", "/v1/auth/login", { body: { email, password: PASSWORD } }), [200], "login");
  return { Authorization: `Bearer ${access_token}` };
}

const counts = (xs) => xs.reduce((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
const table = (head, rows) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

say("setting up (faults off): fresh state, tenant, webhook endpoint…");
const receiver = await startReceiver();
let server = await dev.startLocalServer({ log: say, vars: { STUCK_AFTER_SECONDS: String(STUCK_S) } });
let exitCode = 1;
try {
  const { email, liveKey } = await setupTenant(server.base);
  must(await call(server.base, "POST", "/v1/webhook-endpoints", { headers: { "X-API-Key": liveKey }, body: { url: `${receiver.origin}/hooks`, events: ["*"] } }), [201], "webhook endpoint");
  await server.stop({ keep: true });

  say(`restarting with FAULTS="${FAULTS}", STUCK_AFTER_SECONDS=${STUCK_S}, crons on`);
  server = await dev.startLocalServer({ reuse: { dir: server.dir }, crons: true, log: cronLog, vars: { FAULTS, STUCK_AFTER_SECONDS: String(STUCK_S) } });
  const base = server.base;
  const headers = { "X-API-Key": liveKey };

  const started = performance.now();
  const ids = [];
  const failedSubmits = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        next++;
        try {
          ids.push(await submitOne(base, liveKey));
        } catch (err) {
          failedSubmits.push(err.message);
        }
      }
    }),
  );
  const submittedAt = performance.now();
  say(`${ids.length}/${N} submitted in ${((submittedAt - started) / 1000).toFixed(1)} s; waiting for final states…`);

  const status = new Map(ids.map((id) => [id, "unknown"]));
  const finalAt = new Map();
  const deadline = started + TIMEOUT_MS;
  while (performance.now() < deadline) {
    for (const id of ids) {
      if (dev.FINAL.includes(status.get(id))) continue;
      const res = await call(base, "GET", `/v1/verifications/${id}`, { headers });
      if (res.status === 200) status.set(id, res.data.status);
      if (dev.FINAL.includes(status.get(id))) finalAt.set(id, performance.now());
    }
    if ([...status.values()].every((s) => dev.FINAL.includes(s))) break;
    await sleep(2000);
  }
  say(`final: ${[...status.values()].filter((s) => dev.FINAL.includes(s)).length}/${ids.length}; waiting for audit events and webhooks…`);

  const finalHook = (id) => receiver.received.some((r) => r.verificationId === id && dev.FINAL.includes(r.status));
  let audit = [];
  let auditOk = () => false;
  const admin = await login(base, email);
  for (;;) {
    audit = await listAll(base, "/v1/audit?target_type=verification", admin);
    const actions = (id) => new Set(audit.filter((e) => e.target_id === id).map((e) => e.action));
    auditOk = (id) => {
      const a = actions(id);
      return a.has("verification.created") && a.has("verification.submitted") && a.has(`verification.${status.get(id)}`);
    };
    if (ids.every((id) => finalHook(id) && auditOk(id)) || performance.now() > deadline) break;
    await sleep(5000);
  }
  const settledAt = performance.now();

  const output = server.output();
  const logFile = path.join(mkdtempSync(path.join(tmpdir(), "faults-bench-")), "wrangler.log");
  writeFileSync(logFile, output);
  say(`the server's output is in ${logFile}`);
  const fired = counts(dev.logLines(output, "fault_injected").map((l) => l.kind));
  const events = (name) => dev.logLines(output, name).length;
  const mine = new Set(ids);
  const orphans = (await listAll(base, "/v1/verifications", headers)).filter((v) => !mine.has(v.id));
  const reasons = new Map();
  for (const id of ids) {
    const v = await call(base, "GET", `/v1/verifications/${id}`, { headers });
    reasons.set(id, (v.data?.reasons ?? v.data?.reason_codes ?? []).join(" ") || "–");
  }

  console.log(`\n### faults: ${N} live verifications at concurrency ${CONCURRENCY}, FAULTS="${FAULTS}", \`wrangler dev --local\`\n`);
  console.log(table(["final state", "count"], Object.entries(counts([...status.values()])).sort().map(([k, v]) => [dev.FINAL.includes(k) ? k : `NOT FINAL (${k})`, v])));
  const processingFailed = ids.filter((id) => reasons.get(id).includes("PROCESSING_FAILED")).length;
  console.log(`\n\`error\` (the pipeline's own failure, a final state): ${counts([...status.values()]).error ?? 0}; manual_review with PROCESSING_FAILED (dead-lettered after the retries): ${processingFailed}.`);
  console.log(`\n${table(["injected fault", "fired"], KINDS.map((k) => [k, fired[k] ?? 0]))}`);
  console.log(
    `\n${table(
      ["recovery seen in the logs", "count"],
      [
        ["verification_job_failed (queue retry)", events("verification_job_failed")],
        ["verification_dead_lettered (DLQ → manual_review)", events("verification_dead_lettered")],
        ["stuck_verifications_swept (sweeper runs that re-queued)", events("stuck_verifications_swept")],
        ["outbox_publish_failed (row left for the cron)", events("outbox_publish_failed")],
        ["webhook_attempt_failed (queue retry)", events("webhook_attempt_failed")],
        ["client retries: create / upload / submit / read", `${retries.create} / ${retries.upload} / ${retries.submit} / ${retries.read}`],
        ["client retries by status", Object.entries(retriedStatuses).map(([s, n]) => `${s === "0" ? "network" : s}: ${n}`).join(", ") || "–"],
        ["Idempotency-Keys abandoned (still 409/5xx after 12 tries)", retries.abandonedKeys],
        ["orphan verifications (created by a failed attempt, never returned)", `${orphans.length}${orphans.length ? ` (${Object.entries(counts(orphans.map((o) => o.status))).map(([k, v]) => `${k}: ${v}`).join(", ")})` : ""}`],
        ["minute cron runs that failed (the job threw; that minute's outbox and audit catch-up skipped)", cronFailures],
        ["submissions that failed outright", failedSubmits.length],
      ],
    )}`,
  );

  const rows = ids.map((id) => {
    const hooks = receiver.received.filter((r) => r.verificationId === id);
    const finals = hooks.filter((r) => dev.FINAL.includes(r.status));
    const unique = new Set(hooks.map((r) => r.webhookId));
    const actions = audit.filter((e) => e.target_id === id).map((e) => e.action.replace(/^verification\./, ""));
    const pending = audit.filter((e) => e.target_id === id && e.pending).length;
    const lost = !dev.FINAL.includes(status.get(id)) || !auditOk(id) || !finalHook(id);
    return { id, lost, cells: [id, status.get(id), reasons.get(id), [...new Set(actions)].reverse().join(", ") + (pending ? ` (${pending} pending)` : ""), `${unique.size} (${hooks.length - unique.size} repeats)`, `${new Set(finals.map((r) => r.webhookId)).size}× ${finals[0]?.type ?? "none"}`, lost ? "**LOST**" : "ok"] };
  });
  console.log(`\n${table(["verification", "final state", "reasons", "audit actions", "webhooks (distinct webhook-id)", "final-state webhook", ""], rows.map((r) => r.cells))}`);

  const lost = rows.filter((r) => r.lost).length + failedSubmits.length;
  const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const lastFinal = Math.max(...finalAt.values(), submittedAt);
  const lastHook = Math.max(...receiver.received.filter((r) => dev.FINAL.includes(r.status)).map((r) => r.at), lastFinal);
  console.log(`\nTime: submitting ${secs(submittedAt - started)}; first submit → every verification final ${secs(lastFinal - started)}; → every final-state webhook ${secs(lastHook - started)}; audit and webhooks settled after ${secs(settledAt - started)} (checked every 5 s; the minute cron publishes and seals what requests left).`);
  if (failedSubmits.length) console.log(`\nSubmissions that failed outright: ${failedSubmits.map((m) => `\`${m.slice(0, 160)}\``).join("; ")}`);
  console.log(`\nlost: ${lost}`);
  exitCode = lost === 0 ? 0 : 1;
} finally {
  await server.stop();
  receiver.close();
}
process.exit(exitCode);
