/**
 * Bundles the pipeline bench with esbuild (a wrangler dependency), as bench/faces and bench/docread do: one Node
 * bundle (node-entry.ts: the pipeline + onnxruntime-node adapter) and one Worker bundle for Miniflare (worker.ts:
 * the pipeline + onnxruntime-web, photon; .wasm files emitted as CompiledWasm modules, the way wrangler uploads them).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleNode, bundleWorker } from "../lib/bundle.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const outDir = path.join(root, "bench/out/pipeline");

/** @returns {Promise<{ nodeBundle: string, workerBundle: string, wasmModules: string[] }>} */
export async function buildBench() {
  const nodeBundle = await bundleNode(path.join(root, "bench/pipeline/node-entry.ts"), path.join(outDir, "pipeline-node.mjs"), {
    external: ["onnxruntime-node", "@cf-wasm/photon", "sharp"],
  });
  return { nodeBundle, ...(await bundleWorker(path.join(root, "bench/pipeline/worker.ts"), outDir)) };
}
