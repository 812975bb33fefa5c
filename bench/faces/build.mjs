/**
 * Bundles the face engine for the bench with esbuild (a wrangler dependency): one Node bundle
 * (engine + onnxruntime-node adapter) and one Worker bundle for Miniflare (engine +
 * onnxruntime-web adapter, with its .wasm files emitted as CompiledWasm modules).
 */
import path from "node:path";
import { bundleNode, bundleWorker } from "../lib/bundle.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const outDir = path.join(root, "bench/out/faces");

/** @returns {Promise<{ nodeBundle: string, workerBundle: string, wasmModules: string[] }>} */
export async function buildBench() {
  const nodeBundle = await bundleNode(path.join(root, "bench/faces/node-entry.ts"), path.join(outDir, "engine-node.mjs"), { external: ["onnxruntime-node"] });
  return { nodeBundle, ...(await bundleWorker(path.join(root, "bench/faces/worker.ts"), outDir)) };
}
