/**
 * The benches' esbuild bundles (esbuild is a wrangler dependency): a Node bundle of a bench's native side, and a Worker
 * bundle for Miniflare whose .wasm imports are emitted beside it as CompiledWasm modules, the way wrangler uploads them
 * (workerd compiles no wasm from bytes). Used by bench/faces, bench/docread, bench/memory and bench/pipeline.
 */
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

/** Bundles `entry` for Node into `outfile`, leaving `external` packages to be imported at run time. */
export async function bundleNode(entry, outfile, { external = [], plugins = [] } = {}) {
  await mkdir(path.dirname(outfile), { recursive: true });
  await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", external, outfile, logLevel: "warning", plugins });
  return outfile;
}

/** Bundles `entry` for workerd into `<outDir>/<name>`; returns the bundle and the .wasm modules copied beside it. */
export async function bundleWorker(entry, outDir, { name = "worker.mjs", plugins = [] } = {}) {
  await mkdir(outDir, { recursive: true });
  const wasmFiles = new Map();
  const workerBundle = path.join(outDir, name);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "neutral",
    format: "esm",
    conditions: ["workerd", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    external: ["node:*"],
    outfile: workerBundle,
    logLevel: "warning",
    plugins: [
      ...plugins,
      {
        name: "wasm-modules",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, async (args) => {
            if (args.pluginData?.wasm) return undefined;
            const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { wasm: true } });
            if (resolved.errors.length) return undefined;
            const file = wasmFiles.get(resolved.path) ?? `${wasmFiles.size}-${path.basename(resolved.path)}`;
            wasmFiles.set(resolved.path, file);
            await copyFile(resolved.path, path.join(outDir, file));
            return { path: `./${file}`, external: true };
          });
        },
      },
    ],
  });
  return { workerBundle, wasmModules: [...new Set(wasmFiles.values())].map((n) => path.join(outDir, n)) };
}
