/**
 * The workerd side of the pipeline bench: the product's runtime parts — the decode memo over the Images binding
 * (photon decodes the shrunk copy), the face engine and the MRZ reader on one onnxruntime-web from the MODELS
 * bucket — under timedVerification (verify.ts). The models load once per isolate (POST /warmup), as in a warm
 * Worker; each POST /verify is one verification of the uploads stored in MEDIA under `doc` and `selfie`.
 *
 *   POST /warmup                          → { ms }
 *   POST /verify?doc=<key>&selfie=<key>[&probe=1]   → TimedVerification (probe: memory read after every stage)
 */
import { wasmMemories } from "../memory/wasm-meter";
import { resizerFromBinding } from "../../src/adapters/images";
import { workerFaceEngine } from "../../src/face/ort-web-runtime";
import { workerMrzReader } from "../../src/reading/worker-reader";
import { decodeOnce } from "../../src/pipeline/images";
import { benchMedia, timedVerification } from "./verify";

interface Env {
  MODELS: R2Bucket;
  MEDIA: R2Bucket;
  IMAGES?: ImagesBinding;
  /** The bench (Node) reading this isolate's JS heap over the V8 inspector while the isolate waits. */
  PROBE: Fetcher;
}

/** Whole-isolate memory after a stage: every wasm memory, and the JS heap + ArrayBuffer backing stores (no GC first). */
async function probe(env: Env): Promise<Record<string, number>> {
  const wasm = Object.fromEntries(Object.entries(wasmMemories()).map(([k, v]) => [`wasm ${k}`, v]));
  const heap = (await (await env.PROBE.fetch("http://probe/heap")).json()) as { used: number; backing?: number };
  return { ...wasm, "JS heap": heap.used, ArrayBuffers: heap.backing ?? 0 };
}

async function bytesOf(env: Env, key: string): Promise<Uint8Array> {
  const obj = await env.MEDIA.get(key);
  if (!obj) throw new Error(`no ${key} in MEDIA`);
  return new Uint8Array(await obj.arrayBuffer());
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      // As the consumer does (src/verifications/processing.ts): the recogniser's session first, then the face models.
      const mrzReader = workerMrzReader(env.MODELS);
      const engine = workerFaceEngine(env.MODELS);
      if (url.pathname === "/warmup") {
        const started = performance.now();
        await mrzReader.warmUp();
        await engine.warmUp();
        return Response.json({ ms: performance.now() - started });
      }
      if (url.pathname === "/verify") {
        const media = await benchMedia(await bytesOf(env, url.searchParams.get("doc")!), await bytesOf(env, url.searchParams.get("selfie")!));
        const result = await timedVerification({ engine, mrzReader, images: decodeOnce(resizerFromBinding(env.IMAGES)), media, memory: url.searchParams.has("probe") ? () => probe(env) : undefined });
        return Response.json(result);
      }
      return new Response("not found", { status: 404 });
    } catch (err) {
      return Response.json({ error: String(err), stack: (err as Error).stack }, { status: 500 });
    }
  },
};
