#!/usr/bin/env node
/**
 * Every bench in one command, one after another (they would measure each other if run at once):
 *
 *   npm run bench -- all            # the quick profile: small counts, short runs (minutes)
 *   npm run bench -- all --full     # the long profile: the counts RESULTS.md quotes (an hour or more)
 *   npm run bench -- all --only api,faults
 *
 * Each bench's own output goes to the terminal as it runs; at the end a table says how long each took and whether it
 * passed (exit 0), and the markdown tables every bench printed are written to bench/RESULTS.md (section "all (quick)"
 * or "all (full)") with the date, the machine (cores, memory) and the commit. A bench that skips (its data or tool is
 * missing) says so in its own output and counts as passed. Exits non-zero when any bench failed.
 */
import { execSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const benchDir = path.resolve(here, "..");
const root = path.resolve(benchDir, "..");
const argv = process.argv.slice(2);
const full = argv.includes("--full");
const onlyIndex = argv.indexOf("--only");
const only = onlyIndex >= 0 ? new Set(argv[onlyIndex + 1].split(",")) : null;

/**
 * The profiles: bench directory → arguments. Quick keeps every bench to a few minutes on a 2-core machine; full runs
 * the counts the README and RESULTS.md quote (`load` at 1,000 verifications).
 */
const PROFILES = {
  quick: [
    ["api", ["--duration", "5", "--connections", "16", "--no-wrangler-dev"]],
    ["load", ["--count", "30", "--concurrency", "8"]],
    ["faults", ["--n", "10"]],
    ["memory", ["--sizes", "2MP,12MP"]],
    ["pipeline", ["--n", "5", "--sizes", "2MP"]],
    ["faces", ["--timing-only", "--timing-images", "5"]],
    ["docread", ["--count", "12", "--no-write"]],
    ["forensics", ["--genuine", "40", "--tampered", "30", "--no-write"]],
    ["audit", ["--events", "300", "--rounds", "2"]],
  ],
  full: [
    ["api", []],
    ["load", ["--count", "1000", "--concurrency", "32", "--timeout-s", "3600"]],
    ["faults", ["--n", "30"]],
    ["memory", ["--sizes", "2MP,12MP,16.7MP"]],
    ["pipeline", []],
    ["faces", []],
    ["docread", []],
    ["forensics", ["--genuine", "500", "--tampered", "300"]],
    ["audit", []],
  ],
};

/** Runs `npm run bench -- <name> …` as a child, echoing its output; resolves to its exit code, output and seconds. */
function runBench(name, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(benchDir, "run.mjs"), name, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on("data", (d) => process.stderr.write(d));
    child.on("close", (code) => resolve({ code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The markdown tables (and the line before each, its caption) in a bench's output. */
function tablesOf(output) {
  const lines = output.split("\n");
  const kept = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("|")) continue;
    if (kept.length === 0 || !lines[i - 1]?.startsWith("|")) kept.push("", ...(lines[i - 1]?.trim() && !lines[i - 1].startsWith("|") ? [lines[i - 1]] : []));
    kept.push(lines[i]);
  }
  return kept.join("\n").trim();
}

/** Replaces (or appends) the `## <title>` section of bench/RESULTS.md. */
function writeSection(title, body) {
  const file = path.join(benchDir, "RESULTS.md");
  const text = readFileSync(file, "utf8");
  const heading = `## ${title}`;
  const start = text.indexOf(`${heading}\n`);
  const section = `${heading}\n${body.trim()}\n`;
  if (start < 0) return writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf("\n## ", start + heading.length);
  writeFileSync(file, `${text.slice(0, start)}${section}${next < 0 ? "" : text.slice(next)}`);
}

const profile = full ? "full" : "quick";
const plan = PROFILES[profile].filter(([name]) => !only || only.has(name));
const results = [];
for (const [name, args] of plan) {
  console.log(`\n### bench ${name} ${args.join(" ")}\n`);
  results.push({ name, args, ...(await runBench(name, args)) });
}

const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim();
  } catch {
    return "unknown";
  }
})();
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
const summary = [
  "| bench | arguments | seconds | result |",
  "|---|---|---|---|",
  ...results.map((r) => `| ${r.name} | \`${r.args.join(" ") || "(defaults)"}\` | ${r.seconds.toFixed(0)} | ${r.code === 0 ? "passed" : `failed (exit ${r.code})`} |`),
].join("\n");
console.log(`\n## all (${profile})\n\n${summary}\n\ntotal: ${results.reduce((t, r) => t + r.seconds, 0).toFixed(0)} s`);

if (!only) {
  const body = [
    `\`npm run bench -- all${full ? " --full" : ""}\` on ${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${machine}; ${results.reduce((t, r) => t + r.seconds, 0).toFixed(0)} s in all.`,
    "",
    summary,
    ...results.map((r) => `\n### ${r.name}\n${tablesOf(r.output) || "(no table printed: see the bench's own output)"}`),
  ].join("\n");
  writeSection(`all (${profile})`, body);
}
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
