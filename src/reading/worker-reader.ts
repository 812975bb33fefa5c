/**
 * The isolate's MRZ reader in workerd: the PP-OCR recogniser from the MODELS bucket (sha256-checked against
 * models/ocr_rec.json), on the same onnxruntime-web runtime as the face engine, so both share one wasm memory.
 */
import { r2ModelLoader, sharedOrtWebRuntime } from "../face/ort-web-runtime";
import { RECOGNISER } from "./ocr/manifest";
import { createMrzReader } from "./ocr/reader";
import type { MrzReader } from "./ocr/reader";

let reader: MrzReader | undefined;
let currentBucket: R2Bucket | undefined;

/**
 * @example
 * const reading = await workerMrzReader(env.MODELS).read(decoded.image); // null when no MRZ band is found
 */
export function workerMrzReader(bucket: R2Bucket): MrzReader {
  currentBucket = bucket;
  reader ??= createMrzReader({
    loadModel: (file) => r2ModelLoader(currentBucket as R2Bucket, [RECOGNISER])(file),
    runtime: sharedOrtWebRuntime(),
    now: () => performance.now(),
    releaseModelBytes: true,
  });
  return reader;
}
