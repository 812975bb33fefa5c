#!/usr/bin/env node
/**
 * `npm run lint:openapi`: builds the worker (`wrangler deploy --dry-run`, offline), serves it in-process with
 * Miniflare, writes its /openapi.json to dist/openapi.json, and lints that with Redocly's `recommended` rules.
 * Exits non-zero on any lint error (warnings are printed, not fatal). Nothing leaves the machine: wrangler's
 * metrics and Redocly's telemetry and update check are switched off.
 *
 *   node scripts/openapi-lint.mjs [--keep]    (--keep: reuse dist/worker from a previous build)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { generateDevSecrets } from "./dev-secrets.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, "dist/worker");
const specFile = path.join(root, "dist/openapi.json");
const offline = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
};

if (!(process.argv.includes("--keep") && existsSync(path.join(outDir, "index.js")))) {
  await mkdir(outDir, { recursive: true });
  const built = spawnSync(path.join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outDir], { cwd: root, env: offline, encoding: "utf8" });
  if (built.status !== 0) {
    console.error(`lint:openapi: build failed\n${built.stderr || built.stdout}`);
    process.exit(1);
  }
}

const wasm = (await readdir(outDir)).filter((f) => f.endsWith(".wasm"));
const mf = new Miniflare({
  modulesRoot: outDir,
  modules: [{ type: "ESModule", path: path.join(outDir, "index.js") }, ...wasm.map((f) => ({ type: "CompiledWasm", path: path.join(outDir, f) }))],
  compatibilityDate: "2026-04-20",
  compatibilityFlags: ["nodejs_compat"],
  bindings: { ENVIRONMENT: "development", JWT_ISSUER: "https://edge-kyc.local", JWT_AUDIENCE: "edge-kyc-api", ...(await generateDevSecrets()) },
  d1Databases: { DB: "00000000-0000-0000-0000-000000000000" },
  r2Buckets: { MEDIA: "edge-kyc-media", MODELS: "edge-kyc-models" },
  queueProducers: { VERIFICATION_JOBS: "verification-jobs", WEBHOOK_DELIVERIES: "webhook-deliveries" },
  durableObjects: {
    RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
    VERIFICATION_EVENTS: { className: "VerificationEvents", useSQLite: true },
    AUDIT_CHAIN: { className: "AuditChain", useSQLite: true },
  },
});
let spec;
try {
  const res = await mf.dispatchFetch("http://localhost/openapi.json");
  if (!res.ok) throw new Error(`GET /openapi.json → ${res.status}: ${await res.text()}`);
  spec = await res.json();
} finally {
  await mf.dispose();
}
await writeFile(specFile, `${JSON.stringify(spec, null, 2)}\n`);
console.log(`lint:openapi: ${Object.keys(spec.paths).length} paths written to ${path.relative(root, specFile)}`);

const lint = spawnSync(path.join(root, "node_modules/.bin/redocly"), ["lint", specFile, "--extends", "recommended", "--format", "stylish"], {
  cwd: root,
  env: offline,
  encoding: "utf8",
});
// Redocly prints a Node 20 end-of-life banner on stderr; the findings are on stdout.
process.stdout.write(lint.stdout);
process.stderr.write(lint.stderr.replace(/\s*╔[\s\S]*╝\s*/, "\n"));
process.exit(lint.status ?? 1);
