/**
 * fr_liveness (MiniFASNet-style passive anti-spoofing, 3 classes): input 1×3×128×128, raw 0..255
 * pixels of the face box enlarged 2.7× (less when the image edge is closer), as the model
 * package's lib/fr_liveness.js crops it. Output [1, 3] logits; the softmax of the "real" class is
 * the liveness score. See models/fr_liveness.json for the class meaning we measured and what the
 * score does and does not claim.
 */
import type { FloatTensor } from "./runtime";
import { type Rect, type RgbaImage, cropResize, toPlanar } from "./image";

export const LIVENESS_SIZE = 128;
export const LIVENESS_CONTEXT = 2.7;
/** Index of the "real face" class in the model output (measured; see models/fr_liveness.json). */
export const LIVENESS_REAL_CLASS = 0;
/** Channel order the model expects (measured; see models/fr_liveness.json). */
export const LIVENESS_ORDER: "rgb" | "bgr" = "bgr";

/** The liveness crop around the square face box: enlarged up to 2.7×, shifted to stay inside the image. */
export function livenessRegion(box: Rect, imageWidth: number, imageHeight: number): Rect {
  const scale = Math.min((imageHeight - 1) / box.height, (imageWidth - 1) / box.width, LIVENESS_CONTEXT);
  const width = box.width * scale;
  const height = box.height * scale;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x = Math.min(Math.max(0, cx - width / 2), imageWidth - 1 - width);
  const y = Math.min(Math.max(0, cy - height / 2), imageHeight - 1 - height);
  return { x: Math.max(0, x), y: Math.max(0, y), width, height };
}

/** Liveness model input for the square face box `box`. */
export function livenessInput(image: RgbaImage, box: Rect, order: "rgb" | "bgr" = LIVENESS_ORDER): FloatTensor {
  const rgb = cropResize(image, livenessRegion(box, image.width, image.height), LIVENESS_SIZE, LIVENESS_SIZE);
  return { data: toPlanar(rgb, LIVENESS_SIZE, LIVENESS_SIZE, order, 0, 1), dims: [1, 3, LIVENESS_SIZE, LIVENESS_SIZE] };
}

/** Numerically stable softmax. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i] - max));
  const sum = exps.reduce((s, v) => s + v, 0);
  return exps.map((v) => v / sum);
}

export interface LivenessResult {
  /** Softmax probability of the "real" class, 0..1. Not a certified PAD score. */
  score: number;
  /** Softmax over all three classes, in model order. */
  probabilities: number[];
}

/** Interprets the model's logits. */
export function decodeLiveness(logits: Float32Array, realClass = LIVENESS_REAL_CLASS): LivenessResult {
  const probabilities = softmax(logits);
  return { score: probabilities[realClass], probabilities };
}
