/**
 * The port between the face engine and an ONNX runtime. The engine only sees these types, so the
 * same code runs on onnxruntime-web inside workerd and on onnxruntime-node in benches and tests.
 */

/** A float32 tensor: flat data plus its dimensions (NCHW for images). */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** One loaded model. */
export interface ModelSession {
  /** Runs the model; feeds and outputs are keyed by the graph's input and output names. */
  run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>>;
}

/** Creates sessions from model bytes. */
export interface OrtRuntime {
  /** A short label for reports ("onnxruntime-web/wasm", "onnxruntime-node"). */
  readonly name: string;
  createSession(model: Uint8Array): Promise<ModelSession>;
}
