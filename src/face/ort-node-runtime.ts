/**
 * onnxruntime-node adapter of {@link OrtRuntime} — Node only (benches, calibration, unit tests).
 * Never import this from Worker code: it loads a native addon.
 */
import * as ort from "onnxruntime-node";
import type { FloatTensor, ModelSession, OrtRuntime } from "./runtime";
import { runOnFloatTensors } from "./runtime";

/** Creates the native runtime; `threads` caps intra-op threads (default 1, to compare with workerd). */
export function ortNodeRuntime(threads = 1): OrtRuntime {
  return {
    name: "onnxruntime-node",
    async createSession(model: Uint8Array): Promise<ModelSession> {
      const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
      return {
        run: (feeds: Record<string, FloatTensor>) => runOnFloatTensors(session, (t) => new ort.Tensor("float32", t.data, t.dims), feeds),
      };
    },
  };
}
