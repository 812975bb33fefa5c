/**
 * workerd adapter: onnxruntime-web (WebAssembly backend) as an {@link OrtRuntime}, and the R2 model
 * loader. The only face-engine file that knows about Workers.
 *
 * workerd forbids compiling WebAssembly from bytes at run time, so the ORT wasm binary is imported
 * as a module (compiled at deploy time) and ORT is handed a tiny placeholder `wasmBinary`;
 * while ORT initialises, `WebAssembly.instantiate` is wrapped so that a call with the placeholder
 * instantiates the imported module instead. Single-threaded, no proxy worker.
 *
 * Every session create and run first yields to the event loop (a 0 ms timer) and then waits its
 * turn for a lock whose waiters await promises they made themselves. Why: ORT work is synchronous
 * wasm, and local workerd (wrangler dev) serves D1, R2, Queues and Durable Objects in-process, so a
 * consumer that goes inference → binding call → inference never leaves the event loop idle; workerd
 * only polls sockets and timers when it is idle, so every HTTP request (/health too) waited for the
 * whole batch, and wrangler's proxy in front turned that into requests that never returned. The timer
 * makes the loop idle between runs. The lock replaces a promise chain shared by every invocation:
 * awaiting a promise made by another request is what workerd cancels when that request ends.
 */
import * as ort from "onnxruntime-web/wasm";
import ortWasmModule from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import { createFaceEngine, type FaceEngine } from "./engine";
import { FaceEngineError } from "./errors";
import { MANIFESTS } from "./manifest";
import type { FloatTensor, ModelSession, OrtRuntime } from "./runtime";
import { runOnFloatTensors } from "./runtime";

// "\0asm", version 1, then bytes no real module has at that position.
const PLACEHOLDER = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x65, 0x6b, 0x79, 0x63, 0x2d, 0x6f, 0x72, 0x74]);

function isPlaceholder(source: unknown): boolean {
  let bytes: Uint8Array | undefined;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (!bytes || bytes.byteLength !== PLACEHOLDER.byteLength) return false;
  return bytes.every((b, i) => b === PLACEHOLDER[i]);
}

let patched = false;

/**
 * Routes `WebAssembly.instantiate(placeholder, imports)` to the imported module. Installed once and
 * left in place: it only touches calls carrying the placeholder bytes.
 */
function patchInstantiate(): void {
  if (patched) return;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = PLACEHOLDER.slice().buffer;
  ort.env.logLevel = "error";
  const original = WebAssembly.instantiate.bind(WebAssembly) as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>;
  WebAssembly.instantiate = ((source: unknown, imports?: WebAssembly.Imports) =>
    isPlaceholder(source)
      ? (original(ortWasmModule, imports) as Promise<WebAssembly.Instance>).then((instance) => ({ instance, module: ortWasmModule }))
      : original(source, imports)) as typeof WebAssembly.instantiate;
  patched = true;
}

/** Resolves on a later turn of the event loop, after pending socket and timer events had their chance. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * One ORT task at a time. Each waiter awaits a promise it created itself; the holder only resolves
 * those (workerd delivers that to the waiter's own request), so no invocation ever awaits a promise
 * owned by another one. All waiters are woken and re-check, so a waiter whose request ended
 * meanwhile cannot keep the lock.
 */
function exclusive() {
  let busy = false;
  let waiters: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    await yieldToEventLoop();
    while (busy) await new Promise<void>((resolve) => waiters.push(resolve));
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    }
  };
}

/**
 * onnxruntime-web in workerd. Runs are serialised (the single-threaded backend gains nothing from
 * overlapping them) and each one yields to the event loop first (see the module header).
 *
 * @example
 * const engine = createFaceEngine({ loadModel: r2ModelLoader(env.MODELS), runtime: ortWebRuntime() });
 */
export function ortWebRuntime(): OrtRuntime {
  const serial = exclusive();
  return {
    name: "onnxruntime-web/wasm",
    async createSession(model: Uint8Array): Promise<ModelSession> {
      patchInstantiate();
      const session = await serial(() =>
        ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" }),
      );
      return {
        run: (feeds: Record<string, FloatTensor>) =>
          serial(() => runOnFloatTensors(session, (t) => new ort.Tensor("float32", t.data, t.dims), feeds)),
      };
    },
  };
}

/**
 * Loads model files from an R2 bucket (keys = file names) and checks each against the sha256 in
 * its manifest, so a stale or corrupted upload fails loudly instead of scoring wrongly.
 */
export function r2ModelLoader(bucket: R2Bucket, manifests: readonly { file: string; sha256: string }[] = Object.values(MANIFESTS)): (file: string) => Promise<Uint8Array> {
  const expected = new Map(manifests.map((m) => [m.file, m.sha256]));
  return async (file) => {
    const object = await bucket.get(file);
    if (!object) throw new FaceEngineError("MODEL_UNAVAILABLE", `model ${file} is not in the MODELS bucket (run scripts/models.mjs)`);
    const bytes = new Uint8Array(await object.arrayBuffer());
    const want = expected.get(file);
    if (want) {
      const got = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
      if (got !== want) throw new FaceEngineError("MODEL_UNAVAILABLE", `model ${file} in R2 has sha256 ${got}, manifest says ${want}`);
    }
    return bytes;
  };
}

let runtime: OrtRuntime | undefined;

/**
 * The isolate's one onnxruntime-web runtime: the face engine and the MRZ reader share its wasm memory (which never
 * shrinks, so two instances would each keep their peak) and its lock (one inference at a time).
 */
export function sharedOrtWebRuntime(): OrtRuntime {
  runtime ??= ortWebRuntime();
  return runtime;
}

let engine: FaceEngine | undefined;
let currentBucket: R2Bucket | undefined;

/**
 * The isolate's face engine: models are fetched from `bucket` and sessions created once per
 * isolate, on first use. Sessions are keyed by file name (each file is sha256-checked against its
 * manifest), so they stay valid whichever `env` object a request brings.
 *
 * @example
 * const { faces } = await workerFaceEngine(env.MODELS).analyze(bytes, { embed: true });
 */
export function workerFaceEngine(bucket: R2Bucket): FaceEngine {
  currentBucket = bucket;
  engine ??= createFaceEngine({
    loadModel: (file) => r2ModelLoader(currentBucket as R2Bucket)(file),
    runtime: sharedOrtWebRuntime(),
    now: () => performance.now(),
    releaseModelBytes: true,
  });
  return engine;
}
