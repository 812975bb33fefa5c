#!/usr/bin/env node
/**
 * Puts the face models into the R2 bucket `edge-kyc-models` (binding MODELS).
 *
 *   node scripts/models.mjs            # local bucket (wrangler dev, .wrangler/state)
 *   node scripts/models.mjs --remote   # the deployed bucket
 *   node scripts/models.mjs --force    # upload even when the marker says it is done
 *
 * Every file named by models/*.json is read from the installed npm package, checked against the
 * manifest's sha256 (a mismatch stops everything), derived where the manifest says so (the MRZ recogniser's CTC head
 * cut to the MRZ's classes: scripts/onnx-prune.mjs) and uploaded with `wrangler r2 object put`.
 * A marker (.wrangler/edge-kyc-models.json) remembers which sha went where, so a re-run that has
 * nothing to do returns in milliseconds. The local marker only counts while the local R2 state
 * directory still exists. `ensureModels({ persistTo })` fills the local bucket of another state directory (a
 * throwaway `wrangler dev --persist-to`, scripts/local-server.mjs) with every model, without the marker.
 */
import { spawn } from "node:child_process";
import { modelBytes, readManifests } from "./model-files.mjs";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BUCKET = "edge-kyc-models";
const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Verifies and uploads the models; resolves to the files uploaded (empty when all were current).
 * @param {{ remote?: boolean, force?: boolean, root?: string, log?: (line: string) => void, persistTo?: string }} [options]
 * @returns {Promise<string[]>}
 */
export async function ensureModels({ remote = false, force = false, root = defaultRoot, log = console.log, persistTo } = {}) {
  const manifests = await readManifests(root);
  const target = persistTo ?? (remote ? "remote" : "local");
  const where = persistTo ? ["--local", "--persist-to", persistTo] : [remote ? "--remote" : "--local"];
  // The marker covers the project's own buckets; another state directory is throwaway and gets every model.
  const markerPath = persistTo ? null : path.join(root, ".wrangler", "edge-kyc-models.json");
  const marker = markerPath && existsSync(markerPath) ? JSON.parse(await readFile(markerPath, "utf8")) : {};
  const localState = path.join(root, ".wrangler", "state", "v3", "r2", BUCKET);
  const done = marker[target] && (remote || existsSync(localState)) ? marker[target] : {};
  // Servers with their own state start side by side, so each stages in a directory of its own.
  const staging = persistTo ? await mkdtemp(path.join(tmpdir(), "edge-kyc-models-")) : path.join(root, ".wrangler", "models");

  await mkdir(staging, { recursive: true });
  const uploaded = [];
  try {
    for (const m of manifests) {
      if (!force && done[m.file] === m.sha256) continue;
      // Read, checked and (for a derived model) made from the package file; a mismatch stops everything.
      const bytes = await modelBytes(root, m);
      const staged = path.join(staging, m.file);
      await writeFile(staged, bytes);
      log(`models: uploading ${m.file} to ${BUCKET} (${target})`);
      await wrangler(root, ["r2", "object", "put", `${BUCKET}/${m.file}`, "--file", staged, "--content-type", "application/octet-stream", ...where]);
      done[m.file] = m.sha256;
      uploaded.push(m.file);
      if (!markerPath) continue;
      marker[target] = done;
      await mkdir(path.dirname(markerPath), { recursive: true });
      await writeFile(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
    }
  } finally {
    if (persistTo) await rm(staging, { recursive: true, force: true });
  }
  if (uploaded.length === 0) log(`models: ${manifests.length} models already in ${BUCKET} (${target})`);
  return uploaded;
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
