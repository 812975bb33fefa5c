// The Node side of the bench: the same engine code path with the onnxruntime-node adapter.
export * from "../../src/face/index";
export { ortNodeRuntime } from "../../src/face/ort-node-runtime";
