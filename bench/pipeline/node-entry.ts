// The Node side of the pipeline bench: the same timed verification (verify.ts) with the onnxruntime-node adapter.
export { benchMedia, timedVerification } from "./verify";
export { createFaceEngine } from "../../src/face/engine";
export { createMrzReader } from "../../src/reading/ocr/reader";
export { ortNodeRuntime } from "../../src/face/ort-node-runtime";
export { fitInside } from "../../src/face/resizer";
export { ANALYSIS_MAX_PIXELS, ANALYSIS_MAX_SIDE } from "../../src/face/decode";
