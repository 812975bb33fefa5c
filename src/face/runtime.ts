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

/** The slice of an ORT InferenceSession both runtimes share (their Tensor classes differ, their shape does not). */
interface OrtSessionLike<T> {
  run(feeds: Record<string, T>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}

/** Runs an ORT session on plain float tensors, converting in and out with the runtime's own Tensor class. */
export async function runOnFloatTensors<T>(session: OrtSessionLike<T>, toTensor: (t: FloatTensor) => T, feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>> {
  const input: Record<string, T> = {};
  for (const [k, v] of Object.entries(feeds)) input[k] = toTensor(v);
  const out = await session.run(input);
  const result: Record<string, FloatTensor> = {};
  for (const [k, v] of Object.entries(out)) result[k] = { data: v.data as Float32Array, dims: v.dims };
  return result;
}
