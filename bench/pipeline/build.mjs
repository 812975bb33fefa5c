/**
 * Bundles the pipeline bench with esbuild (a wrangler dependency), as bench/faces and bench/docread do: one Node
 * bundle (node-entry.ts: the pipeline + onnxruntime-node adapter) and one Worker bundle for Miniflare (worker.ts:
 * the pipeline + onnxruntime-web, photon; .wasm files emitted as CompiledWasm modules, the way wrangler uploads them).
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const outDir = path.join(root, "bench/out/pipeline");

/** @returns {Promise<{ nodeBundle: string, workerBundle: string, wasmModules: string[] }>} */
export async function buildBench() {
  await mkdir(outDir, { recursive: true });
  const nodeBundle = path.join(outDir, "pipeline-node.mjs");
  await build({
    entryPoints: [path.join(root, "bench/pipeline/node-entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    external: ["onnxruntime-node", "@cf-wasm/photon", "sharp"],
    outfile: nodeBundle,
    logLevel: "warning",
  });
  const wasmFiles = new Map();
  const workerBundle = path.join(outDir, "worker.mjs");
  await build({
    entryPoints: [path.join(root, "bench/pipeline/worker.ts")],
    bundle: true,
    platform: "neutral",
    format: "esm",
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    external: ["node:*"],
    outfile: workerBundle,
    logLevel: "warning",
    plugins: [
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
