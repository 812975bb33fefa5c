#!/usr/bin/env node
/**
 * `npm run dev`: everything local, no login, no prompt.
 *  1. writes any missing development secret to the git-ignored .dev.vars;
 *  2. applies the D1 migrations to the local database;
 *  3. checks the ONNX models against models/*.json and puts them in the local R2 bucket;
 *  4. runs `wrangler dev --local --test-scheduled` (extra arguments are passed through, e.g. `npm run dev -- --port 9000`)
 *     and fires each cron of wrangler.toml on its schedule through the Worker's development-only /__dev/scheduled (wrangler's /cdn-cgi/handler/scheduled fails with [assets]), because
 *     wrangler dev runs no cron by itself: the stuck-verification sweeper and the retention job run
 *     locally as they do in production;
 *  5. once /health answers, seeds a demo tenant through the API (admin user, live and test API keys; once, kept in
 *     .dev-seed.json) and prints its credentials.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDevSecrets } from "./dev-secrets.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

export const wranglerEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  // Forces wrangler's non-interactive mode (no confirmation prompts) for the setup commands.
  CI: "true",
};
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

function ensureDevVars() {
  const file = path.join(root, ".dev.vars");
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  const have = new Set(existing.split("\n").map((l) => l.split("=")[0].trim()).filter(Boolean));
  return generateDevSecrets().then((secrets) => {
    const missing = Object.entries(secrets).filter(([k]) => !have.has(k));
    if (missing.length) {
      const lines = missing.map(([k, v]) => `${k}='${v}'`).join("\n");
      writeFileSync(file, (existing && !existing.endsWith("\n") ? existing + "\n" : existing) + lines + "\n", { mode: 0o600 });
      console.log(`[dev] wrote ${missing.map(([k]) => k).join(", ")} to .dev.vars (development values, git-ignored)`);
    }
  });
}

function run(args) {
  const res = spawnSync(wrangler, args, { stdio: ["ignore", "pipe", "pipe"], env: wranglerEnv, encoding: "utf8" });
  if (res.error) throw new Error(`cannot run wrangler (${res.error.message}); did \`npm install\` finish?`);
  if (res.status !== 0) {
    process.stderr.write(res.stdout + res.stderr);
    throw new Error(`wrangler ${args.join(" ")} failed`);
  }
  return res.stdout;
}

async function optionalStep(modulePath, exportName, label) {
  if (!existsSync(path.join(root, modulePath))) return undefined;
  const mod = await import(path.join(root, modulePath));
  console.log(`[dev] ${label}…`);
  return mod[exportName]();
}

async function main() {
  await ensureDevVars();
  console.log("[dev] applying D1 migrations to the local database…");
  run(["d1", "migrations", "apply", "DB", "--local"]);
  await optionalStep("scripts/models.mjs", "ensureModels", "checking the ONNX models and putting them in local R2");
  const args = ["dev", "--local", "--test-scheduled", ...process.argv.slice(2)];
  console.log(`[dev] wrangler ${args.join(" ")}`);
  const child = spawn(wrangler, args, {
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  const base = devBase(process.argv.slice(2));
  seedWhenUp(base).catch((err) => console.error(`[dev] seeding the demo tenant failed: ${err.message}`));
  const stopCrons = runCrons(base);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", stopCrons);
  child.on("exit", (code) => process.exit(code ?? 0));
}

/** Waits for /health, then seeds the demo tenant through the API (scripts/seed.mjs) and prints its credentials. */
async function seedWhenUp(base) {
  const url = new URL(base);
  const hosts = url.hostname === "localhost" ? ["localhost", "127.0.0.1", "[::1]"] : [url.hostname];
  const deadline = Date.now() + 120_000;
  for (;;) {
    for (const host of hosts) {
      const candidate = `${url.protocol}//${host}:${url.port}`;
      const ok = await fetch(`${candidate}/health`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
      if (ok) {
        const { seedDemo } = await import("./seed.mjs");
        const seed = await seedDemo(candidate);
        console.log(`\n[dev] demo tenant ${seed.created ? "seeded" : "ready"} (credentials in .dev-seed.json):`);
        for (const [k, v] of Object.entries(seed)) if (k !== "created") console.log(`      ${k.padEnd(16)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
        console.log("\n[dev] to receive webhooks locally: `WEBHOOK_SECRET=<secret> node examples/webhook-receiver.mjs`, with the secret from");
        console.log(`      curl -s ${base}/v1/webhook-endpoints -H "X-API-Key: ${seed.api_keys.live}" -H "content-type: application/json" -d '{"url":"http://localhost:4000/webhooks"}'`);
        console.log("      or from the console's Webhooks page; the live key's endpoint gets the demo cases' events (they are live mode),");
        console.log("      the test key's gets test-mode events (http://localhost is allowed in development only; retries are seconds apart here)");
        console.log("");
        return;
      }
    }
    if (Date.now() > deadline) throw new Error(`${base}/health did not answer within 2 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Where wrangler dev listens, from the passed-through `--port` / `--ip` (its defaults otherwise). */
export function devBase(argv) {
  const value = (name, fallback) => {
    const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return fallback;
    return argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
  };
  const ip = value("--ip", "localhost");
  return `http://${ip === "0.0.0.0" || ip === "*" ? "localhost" : ip}:${value("--port", "8787")}`;
}

/** The cron expressions of wrangler.toml's [triggers]. */
export function readCrons(file = path.join(root, "wrangler.toml")) {
  const toml = readFileSync(file, "utf8");
  const block = /^\[triggers\][^[]*?crons\s*=\s*\[([^\]]*)\]/m.exec(toml);
  return block ? [...block[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
}

/** Whether a five-field cron expression (numbers, `*`, lists, ranges, steps) matches the UTC minute of `date`. */
export function cronMatches(expr, date) {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  const values = [date.getUTCMinutes(), date.getUTCHours(), date.getUTCDate(), date.getUTCMonth() + 1, date.getUTCDay()];
  const ranges = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
  return fields.every((field, i) =>
    field.split(",").some((part) => {
      const [range, stepText] = part.split("/");
      const step = stepText ? Number(stepText) : 1;
      const [lo, hi] = range === "*" ? ranges[i] : range.includes("-") ? range.split("-").map(Number) : [Number(range), stepText ? ranges[i][1] : Number(range)];
      const v = i === 4 && values[i] === 0 && hi === 7 ? 7 : values[i];
      return v >= lo && v <= hi && (v - lo) % step === 0;
    }),
  );
}

/**
 * The Worker's development-only cron trigger (src/index.ts). wrangler dev 4.86 answers its own
 * /cdn-cgi/handler/scheduled with a 500 as soon as wrangler.toml has an [assets] section (the asset router sits in
 * front of the Worker and has no scheduled handler), so the crons are fired through this path instead.
 */
export const DEV_SCHEDULED_PATH = "/__dev/scheduled";

/**
 * Calls the Worker's scheduled handler for each cron of wrangler.toml at the start of every minute it matches
 * (as Cloudflare does). A failed call is logged and retried on the next matching minute. Returns a stop function.
 */
export function runCrons(base, crons = readCrons(), log = (line) => console.log(line)) {
  if (!crons.length) return () => {};
  log(`[dev] crons run locally on their schedule: ${crons.join(" · ")}`);
  let timer;
  // "localhost" may resolve to ::1 while wrangler listens on 127.0.0.1 (or the reverse): try both, keep what answers.
  const url = new URL(base);
  const hosts = url.hostname === "localhost" ? ["localhost", "127.0.0.1", "[::1]"] : [url.hostname];
  const fire = async (cron, now) => {
    let lastError;
    for (const host of hosts) {
      try {
        const res = await fetch(`${url.protocol}//${host}:${url.port}${DEV_SCHEDULED_PATH}?cron=${encodeURIComponent(cron)}&time=${now.getTime()}`, {
          signal: AbortSignal.timeout(50_000),
        });
        hosts.splice(0, hosts.length, host, ...hosts.filter((h) => h !== host));
        if (!res.ok) log(`[dev] cron "${cron}" → ${res.status}`);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    log(`[dev] cron "${cron}" not delivered (${lastError?.cause?.code ?? lastError?.message}); next try at its next minute`);
  };
  const tick = async () => {
    const now = new Date();
    for (const cron of crons.filter((c) => cronMatches(c, now))) await fire(cron, now);
    schedule();
  };
  const schedule = () => {
    timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
    timer.unref?.();
  };
  schedule();
  return () => clearTimeout(timer);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) main().catch((err) => {
  console.error(`[dev] ${err.message}`);
  process.exit(1);
});
