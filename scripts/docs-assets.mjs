#!/usr/bin/env node
/**
 * The static files behind /docs. Scalar's standalone API-reference bundle (4.7 MB) is copied from node_modules into
 * public/assets/scalar/, the directory wrangler serves as static assets (`[assets]` in wrangler.toml): the browser
 * loads it from our origin (no CDN, so /docs works offline) and the Worker never imports it (it would sit in every
 * isolate's 128 MB, the queue consumers' included). The copy is git-ignored (public/.gitignore) and made again by
 * `npm run dev`, `npm test`, `npm run deploy` (their `pre` scripts) and the docs browser test, only when the installed
 * version differs from the copied one.
 *
 *   node scripts/docs-assets.mjs
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const packageDir = path.join(root, "node_modules", "@scalar", "api-reference");

/** Where the bundle lands, and the URL path wrangler serves it at (public/ is the assets root). */
export const SCALAR_ASSET = { file: path.join(root, "public", "assets", "scalar", "standalone.js"), url: "/assets/scalar/standalone.js" };

/**
 * Copies the installed @scalar/api-reference standalone bundle to public/ unless the same version is there already.
 * @example
 *   const { version, copied } = ensureDocsAssets(); // { version: "1.76.0", copied: false } on the second run
 * @returns {{ file: string, version: string, copied: boolean }}
 */
export function ensureDocsAssets() {
  const source = path.join(packageDir, "dist", "browser", "standalone.js");
  if (!existsSync(source)) throw new Error(`${source} is missing: run \`npm install\` (@scalar/api-reference is a dev dependency)`);
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  const stamp = `${SCALAR_ASSET.file}.version`;
  const current = existsSync(stamp) && existsSync(SCALAR_ASSET.file) ? readFileSync(stamp, "utf8").trim() : undefined;
  if (current === version) return { file: SCALAR_ASSET.file, version, copied: false };
  mkdirSync(path.dirname(SCALAR_ASSET.file), { recursive: true });
  copyFileSync(source, SCALAR_ASSET.file);
  writeFileSync(stamp, `${version}\n`);
  return { file: SCALAR_ASSET.file, version, copied: true };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { file, version, copied } = ensureDocsAssets();
  console.log(`[docs] Scalar API reference ${version} ${copied ? "copied to" : "already in"} ${path.relative(root, file)}`);
}
