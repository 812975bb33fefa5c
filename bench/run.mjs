#!/usr/bin/env node
/**
 * `npm run bench -- <name> [args]`: the one way to run a bench; runs bench/<name>/run.mjs with the rest of the
 * arguments. Without a name, lists the benches.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(path.join(here, d.name, "run.mjs"))).map((d) => d.name);
/** Names the issue tracker and README use for benches whose folder is named otherwise. */
const ALIASES = { load: "dev-load" };
const [given, ...args] = process.argv.slice(2);
const name = ALIASES[given] ?? given;
if (!name || !benches.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\nbenches: ${benches.join(", ")} (load = dev-load; all runs every one)`);
  process.exit(name ? 2 : 0);
}
const run = spawnSync(process.execPath, ["--expose-gc", path.join(here, name, "run.mjs"), ...args], { stdio: "inherit" });
process.exit(run.status ?? 1);
