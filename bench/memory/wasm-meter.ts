/**
 * Records every WebAssembly memory this isolate creates, so the bench can print each instance's
 * `memory.buffer.byteLength` (which only ever grows). Imported first by the bench Worker, before photon
 * instantiates itself at import time and before onnxruntime-web instantiates on first use. Memories are found as
 * an instance's exports or among its imports (emscripten's threaded builds import theirs), and by constructor.
 */
const seen = new Map<WebAssembly.Memory, string>();

function remember(memory: unknown, label: string) {
  if (memory instanceof WebAssembly.Memory && !seen.has(memory)) seen.set(memory, label);
}

function scan(instance: WebAssembly.Instance, imports: WebAssembly.Imports | undefined, label: string) {
  for (const v of Object.values(instance.exports)) remember(v, label);
  for (const ns of Object.values(imports ?? {})) for (const v of Object.values(ns as Record<string, unknown>)) remember(v, label);
}

/** photon's exports keep their wasm-bindgen names; the only other module in this Worker is onnxruntime-web (minified). */
function labelOf(module: WebAssembly.Module): string {
  return WebAssembly.Module.exports(module).some((e) => e.name.startsWith("photonimage_")) ? "photon" : "onnxruntime-web";
}

const OriginalInstance = WebAssembly.Instance;
const MeteredInstance = function (this: unknown, module: WebAssembly.Module, imports?: WebAssembly.Imports) {
  const instance = new OriginalInstance(module, imports);
  scan(instance, imports, labelOf(module));
  return instance;
} as unknown as typeof WebAssembly.Instance;
MeteredInstance.prototype = OriginalInstance.prototype;
WebAssembly.Instance = MeteredInstance;

const originalInstantiate = WebAssembly.instantiate.bind(WebAssembly) as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>;
WebAssembly.instantiate = (async (source: unknown, imports?: WebAssembly.Imports) => {
  const result = (await originalInstantiate(source, imports)) as WebAssembly.Instance | { instance: WebAssembly.Instance; module: WebAssembly.Module };
  const instance = result instanceof OriginalInstance ? result : result.instance;
  const module = result instanceof OriginalInstance ? (source as WebAssembly.Module) : result.module;
  scan(instance, imports, labelOf(module));
  return result;
}) as typeof WebAssembly.instantiate;

/** Current size of each WebAssembly memory, by instance label (bytes). */
export function wasmMemories(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [memory, label] of seen) out[label] = (out[label] ?? 0) + memory.buffer.byteLength;
  return out;
}
