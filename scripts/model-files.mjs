/**
 * The bytes of a model as the Worker loads it from R2, made from its npm package the way models/<id>.json says: the
 * package file is checked against `source.sha256` (or `sha256` when nothing is derived), derived when the manifest
 * has a `derive` step (scripts/onnx-prune.mjs), and the result checked against `sha256`. Used by scripts/models.mjs
 * (upload), the workerd tests (vitest.config.ts) and the benches, so every path runs the same file.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { keptClasses, pruneHead } from "./onnx-prune.mjs";

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Every manifest of models/*.json, sorted by file name. */
export async function readManifests(root) {
  const dir = path.join(root, "models");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(dir, n), "utf8"))));
}

/**
 * @param {string} root the repository
 * @param {{ file: string, sha256: string, source: { package: string, version: string, path: string, sha256?: string }, derive?: { head: { weight: string, bias: string } }, classes?: object }} m
 * @returns {Promise<Uint8Array>}
 */
export async function modelBytes(root, m) {
  const file = path.join(root, "node_modules", m.source.package, m.source.path);
  if (!existsSync(file)) throw new Error(`${m.file}: ${file} is missing — run npm install (${m.source.package}@${m.source.version})`);
  const original = new Uint8Array(await readFile(file));
  const expected = m.source.sha256 ?? m.sha256;
  if (sha256(original) !== expected) throw new Error(`${m.file}: ${m.source.path} has sha256 ${sha256(original)}, models/${m.id}.json expects ${expected}; refusing to use it`);
  const bytes = m.derive ? pruneHead(original, { ...m.derive.head, keep: keptClasses(m.classes) }) : original;
  if (sha256(bytes) !== m.sha256) throw new Error(`${m.file}: the derived file has sha256 ${sha256(bytes)}, models/${m.id}.json expects ${m.sha256}`);
  return bytes;
}
