/**
 * A per-face quality estimate in 0..1 with its components, so a reviewer can see *why* a face is
 * poor. Each component is a saturating map of a measurable quantity; the total is their
 * geometric mean, so one bad component pulls the whole score down.
 */
import { ALIGNED_SIZE } from "./align";
import type { HeadPose } from "./pose";
import { toGray } from "./image";

export interface FaceQuality {
  /** Geometric mean of the components, 0..1. */
  score: number;
  /** Face size: inter-ocular distance in source pixels → 0 at ≤ 10 px, 1 at ≥ 40 px. */
  size: number;
  /** Sharpness: variance of the Laplacian of the aligned crop → 0 at ≤ 20, 1 at ≥ 300. */
  sharpness: number;
  /** Frontalness from the head pose: 1 when frontal, 0 at |yaw| ≥ 50° or |pitch| ≥ 40°. */
  frontal: number;
  /** Exposure: mean luma of the aligned crop → 1 in 70..190, 0 at ≤ 20 or ≥ 240. */
  exposure: number;
  /** The detector's face probability. */
  detector: number;
  /** The raw measurements behind the components. */
  raw: { interOcularPx: number; laplacianVariance: number; meanLuma: number };
}

const ramp = (v: number, lo: number, hi: number) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)));

/** Variance of the 4-neighbour Laplacian over a grey image. */
export function laplacianVariance(gray: Float32Array, width: number, height: number): number {
  let sum = 0, sum2 = 0, n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const l = gray[i - 1] + gray[i + 1] + gray[i - width] + gray[i + width] - 4 * gray[i];
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  const m = sum / n;
  return sum2 / n - m * m;
}

/** Scores a face from its aligned crop, eye positions, pose and detector score. */
export function estimateQuality(input: {
  alignedRgb: Float32Array;
  interOcularPx: number;
  pose: HeadPose;
  detectorScore: number;
}): FaceQuality {
  const gray = toGray(input.alignedRgb);
  // The central region excludes the background corners of the aligned crop.
  const inner = centre(gray, ALIGNED_SIZE, 16);
  const lv = laplacianVariance(inner.data, inner.size, inner.size);
  let meanLuma = 0;
  for (const v of inner.data) meanLuma += v;
  meanLuma /= inner.data.length;
  const size = ramp(input.interOcularPx, 10, 40);
  const sharpness = ramp(lv, 20, 300);
  const frontal = Math.min(1 - Math.min(1, Math.abs(input.pose.yaw) / 50), 1 - Math.min(1, Math.abs(input.pose.pitch) / 40));
  const exposure = meanLuma < 70 ? ramp(meanLuma, 20, 70) : 1 - ramp(meanLuma, 190, 240);
  const detector = Math.min(1, Math.max(0, input.detectorScore));
  const parts = [size, sharpness, frontal, exposure, detector];
  const score = Math.pow(parts.reduce((p, v) => p * Math.max(v, 1e-3), 1), 1 / parts.length);
  return {
    score: parts.some((v) => v === 0) ? 0 : score,
    size,
    sharpness,
    frontal,
    exposure,
    detector,
    raw: { interOcularPx: input.interOcularPx, laplacianVariance: lv, meanLuma },
  };
}

function centre(gray: Float32Array, size: number, margin: number): { data: Float32Array; size: number } {
  const s = size - 2 * margin;
  const out = new Float32Array(s * s);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) out[y * s + x] = gray[(y + margin) * size + x + margin];
  return { data: out, size: s };
}
