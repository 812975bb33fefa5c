#!/usr/bin/env node
/**
 * `npm run dev`: everything local, no login, no prompt.
 *  1. writes any missing development secret to the git-ignored .dev.vars;
 *  2. applies the D1 migrations to the local database;
 *  3. checks the ONNX models against models/*.json and puts them in the local R2 bucket;
 *  4. seeds a demo tenant (admin user, live and test API keys) once, and prints the credentials;
 *  5. runs `wrangler dev --local` (extra arguments are passed through, e.g. `npm run dev -- --port 9000`).
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
  const seed = await optionalStep("scripts/seed.mjs", "seedDemo", "seeding the demo tenant");
  const args = ["dev", "--local", ...process.argv.slice(2)];
  console.log(`[dev] wrangler ${args.join(" ")}`);
  const child = spawn(wrangler, args, {
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  if (seed) {
    const printSeed = () => {
      console.log("\n[dev] demo tenant credentials (from .dev-seed.json):");
      for (const [k, v] of Object.entries(seed)) console.log(`      ${k.padEnd(16)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
      console.log("");
    };
    setTimeout(printSeed, 4000).unref();
  }
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code) => process.exit(code ?? 0));
}

main().catch((err) => {
  console.error(`[dev] ${err.message}`);
  process.exit(1);
});
