// The Node side of the docread bench: the same reader and decoder as the Worker, with the onnxruntime-node adapter.
export { createMrzReader, OCR_MODEL_FILES } from "../../src/reading/ocr/reader";
export { decodeBounded } from "../../src/face/decode";
export { releasePixels } from "../../src/face/image";
export { ortNodeRuntime } from "../../src/face/ort-node-runtime";
