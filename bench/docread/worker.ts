/**
 * The workerd side of the docread bench: the MRZ reader on onnxruntime-web with models from the MODELS R2 bucket,
 * behind one route. POST /read with JPEG bytes → the reading, the decode and read times, and the isolate's memory
 * (every WebAssembly memory, and the JS heap read by the bench over the V8 inspector through the PROBE service
 * binding) after each stage, as bench/memory measures it.
 *
 *   POST /read            → { reading, size, ms: { decode, read }, stages }
 *
 * Decoding is the pipeline's: decodeUpload shrinks the upload to 1600 px through the Images binding (outside the
 * isolate) and photon decodes the small copy (decodeBounded); without the IMAGES binding photon decodes and
 * shrinks the upload itself, as the pipeline does then.
 *
 * Timings: workerd's clock only moves between I/O events, so the Worker yields to a 0 ms timer before each
 * reading of the clock; probes run outside the timed spans.
 */
import { wasmMemories } from "../memory/wasm-meter";
import { resizerFromBinding } from "../../src/adapters/images";
import { releasePixels } from "../../src/face/image";
import { ortWebRuntime } from "../../src/face/ort-web-runtime";
import { decodeUpload } from "../../src/pipeline/images";
import { createMrzReader } from "../../src/reading/ocr/reader";

interface Env {
  MODELS: R2Bucket;
  PROBE: Fetcher;
  IMAGES?: ImagesBinding;
}

interface Stage {
  stage: string;
  wasm: Record<string, number>;
  heap: { used: number; total: number; backing?: number };
}

let reader: ReturnType<typeof createMrzReader> | undefined;
let bucket: R2Bucket | undefined;

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The clock after pending I/O had its turn (see the header). */
async function now(): Promise<number> {
  await tick();
  return performance.now();
}

async function loadModel(file: string): Promise<Uint8Array> {
  const object = await bucket!.get(file);
  if (!object) throw new Error(`model ${file} is not in the MODELS bucket`);
  return new Uint8Array(await object.arrayBuffer());
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    bucket = env.MODELS;
    // Fresh bytes from R2 on every load, so they can be detached once the session holds the model (as in production).
    reader ??= createMrzReader({ loadModel, runtime: ortWebRuntime(), now: () => performance.now(), releaseModelBytes: true });
    const stages: Stage[] = [];
    const probe = async (stage: string) => {
      const wasm = wasmMemories();
      const url = `http://probe/heap?stage=${encodeURIComponent(stage)}`;
      // After a long synchronous stretch the pooled connection to Node may have been closed under us: ask again.
      const res = await env.PROBE.fetch(url).catch(() => env.PROBE.fetch(url));
      stages.push({ stage, wasm, heap: (await res.json()) as Stage["heap"] });
    };
    try {
      const bytes = new Uint8Array(await request.arrayBuffer());
      await probe("received");
      const t0 = await now();
      const decoded = await decodeUpload(bytes, resizerFromBinding(env.IMAGES));
      const t1 = await now();
      await probe("decoded");
      const t2 = await now();
      const reading = await reader.read(decoded.image);
      const t3 = await now();
      await probe("read");
      releasePixels(decoded.image);
      return Response.json({ reading, size: [decoded.image.width, decoded.image.height], ms: { decode: t1 - t0, read: t3 - t2 }, stages });
    } catch (err) {
      return Response.json({ error: String(err), stack: (err as Error).stack, stages }, { status: 500 });
    }
  },
};
