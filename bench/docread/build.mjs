/**
 * Bundles the MRZ reader for the docread bench with esbuild (a wrangler dependency), as bench/faces does: one Node
 * bundle (reader + onnxruntime-node adapter) and one Worker bundle for Miniflare (reader + onnxruntime-web, the
 * wasm meter, photon; .wasm files emitted as CompiledWasm modules, the way wrangler uploads them).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleNode, bundleWorker } from "../lib/bundle.mjs";

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
  const plugins = [readerOverride(reader)];
  const nodeBundle = await bundleNode(path.join(root, "bench/docread/node-entry.ts"), path.join(outDir, "reader-node.mjs"), { external: ["onnxruntime-node"], plugins });
  return { nodeBundle, ...(await bundleWorker(path.join(root, "bench/docread/worker.ts"), outDir, { plugins })) };
}
