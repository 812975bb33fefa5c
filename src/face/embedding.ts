/**
 * fr_feature (ArcFace-style, 512-d): input 1×3×112×112, the aligned crop in **BGR** order,
 * (v − 127) / 128. The engine embeds the crop and its mirror image, sums the two vectors and
 * L2-normalises the sum (measured best on the development set; see models/fr_feature.json).
 */
import type { FloatTensor } from "./runtime";
import { flipHorizontal, toPlanar } from "./image";
import { ALIGNED_SIZE } from "./align";

/** Embedding inputs for an aligned 112×112 RGB crop: the crop, then its mirror. */
export function embeddingInputs(alignedRgb: Float32Array, flip = true): FloatTensor[] {
  const dims = [1, 3, ALIGNED_SIZE, ALIGNED_SIZE];
  const crops = flip ? [alignedRgb, flipHorizontal(alignedRgb, ALIGNED_SIZE, ALIGNED_SIZE)] : [alignedRgb];
  return crops.map((rgb) => ({ data: toPlanar(rgb, ALIGNED_SIZE, ALIGNED_SIZE, "bgr", 127, 128), dims }));
}

/** Sums the raw model outputs and L2-normalises the result. */
export function combineEmbeddings(outputs: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(outputs[0].length);
  for (const o of outputs) for (let i = 0; i < out.length; i++) out[i] += o[i];
  return l2Normalize(out);
}

/** Returns `v / |v|` (a zero vector stays zero). */
export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n > 0) for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

/**
 * Cosine similarity in −1..1. For L2-normalised embeddings this is their dot product.
 *
 * @example
 * cosineSimilarity(a.embedding, b.embedding) >= thresholds.match // same person
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
