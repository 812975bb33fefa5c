/**
 * Bundles the MRZ reader for the docread bench with esbuild (a wrangler dependency), as bench/faces does: one Node
 * bundle (reader + onnxruntime-node adapter) and one Worker bundle for Miniflare (reader + onnxruntime-web, the
 * wasm meter, photon; .wasm files emitted as CompiledWasm modules, the way wrangler uploads them).
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const outDir = path.join(root, "bench/out/docread");

/**
 * Points `src/reading/ocr/reader` at another module with the same contract (`--reader FILE`), to compare readers.
 * @param {string | undefined} file
 */
function readerOverride(file) {
  return {
    name: "reader-override",
    setup(b) {
      if (file) b.onResolve({ filter: /reading\/ocr\/reader$/ }, () => ({ path: path.resolve(file) }));
    },
  };
}

/**
 * @param {{ reader?: string }} [options] reader: a module to bench instead of src/reading/ocr/reader.ts
 * @returns {Promise<{ nodeBundle: string, workerBundle: string, wasmModules: string[] }>}
 */
export async function buildBench({ reader } = {}) {
  await mkdir(outDir, { recursive: true });
  const nodeBundle = path.join(outDir, "reader-node.mjs");
  await build({
    entryPoints: [path.join(root, "bench/docread/node-entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    external: ["onnxruntime-node"],
    outfile: nodeBundle,
    logLevel: "warning",
    plugins: [readerOverride(reader)],
  });
  const wasmFiles = new Map();
  const workerBundle = path.join(outDir, "worker.mjs");
  await build({
    entryPoints: [path.join(root, "bench/docread/worker.ts")],
    bundle: true,
    platform: "neutral",
    format: "esm",
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    external: ["node:*"],
    outfile: workerBundle,
    logLevel: "warning",
    plugins: [
      readerOverride(reader),
      {
        name: "wasm-modules",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, async (args) => {
            if (args.pluginData?.wasm) return undefined;
            const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { wasm: true } });
            if (resolved.errors.length) return undefined;
            const name = wasmFiles.get(resolved.path) ?? `${wasmFiles.size}-${path.basename(resolved.path)}`;
            wasmFiles.set(resolved.path, name);
            await copyFile(resolved.path, path.join(outDir, name));
            return { path: `./${name}`, external: true };
          });
        },
      },
    ],
  });
  return { nodeBundle, workerBundle, wasmModules: [...new Set(wasmFiles.values())].map((n) => path.join(outDir, n)) };
}
