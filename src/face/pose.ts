/**
 * Head pose from 68 landmarks, geometrically (the package ships no usable pose head we rely on).
 *
 * Method: six landmarks (nose tip 30, chin 8, outer eye corners 36 and 45, mouth corners 48 and
 * 54) are matched to a generic 3-D face (millimetre-scale, nose tip at the origin, z towards the
 * camera). A weak-perspective (scaled orthographic) camera is fitted by linear least squares,
 * its two rows are orthonormalised into a rotation, and the angles are read from the face's
 * forward axis (yaw, pitch) and its left→right axis (roll).
 *
 * Conventions, in image terms (the applicant sees a mirror; we do not):
 * - yaw > 0: the nose points towards the image's right — in an unmirrored camera image the person
 *   turned to *their* left;
 * - pitch > 0: the face points up;
 * - roll > 0: the eye line descends to the right in the image (clockwise).
 *
 * Limits: a generic face and weak perspective give roughly ±5–10° accuracy near frontal and
 * under-estimate large angles (the landmark model itself degrades beyond ~45° yaw). Good enough
 * for coarse challenges ("turn left": |yaw| ≥ 15°), not for measurement.
 */
import type { Point } from "./align";

export interface HeadPose {
  /** Degrees, positive = nose towards image right. */
  yaw: number;
  /** Degrees, positive = looking up. */
  pitch: number;
  /** Degrees, positive = clockwise in the image. */
  roll: number;
}

const MODEL_INDEX = [30, 8, 36, 45, 48, 54] as const;
const MODEL_3D: readonly (readonly [number, number, number])[] = [
  [0, 0, 0],
  [0, -330, -65],
  [-225, 170, -135],
  [225, 170, -135],
  [-150, -150, -125],
  [150, -150, -125],
];
/**
 * The generic model's zero pitch is not where the landmark model puts a frontal face; this
 * offset (degrees) is the median pitch measured on the frontal development photos.
 */
export const PITCH_OFFSET = 0;

const DEG = 180 / Math.PI;

/**
 * Estimates yaw, pitch and roll (degrees) from 68 landmarks in image pixels.
 *
 * @example
 * const { yaw } = estimateHeadPose(face.landmarks); // yaw > 15 → turned to the image right
 */
export function estimateHeadPose(landmarks68: readonly Point[]): HeadPose {
  const img = MODEL_INDEX.map((i) => [landmarks68[i][0], -landmarks68[i][1]] as const);
  return poseFromCorrespondences(MODEL_3D, img, PITCH_OFFSET);
}

/** Fits a weak-perspective camera to 3-D ↔ 2-D (y up) correspondences and returns its angles. */
export function poseFromCorrespondences(
  model: readonly (readonly [number, number, number])[],
  image: readonly (readonly [number, number])[],
  pitchOffset = 0,
): HeadPose {
  const n = model.length;
  const mm = [0, 0, 0];
  const mi = [0, 0];
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 3; c++) mm[c] += model[k][c] / n;
    for (let c = 0; c < 2; c++) mi[c] += image[k][c] / n;
  }
  // Normal equations: A (2×3) = (xᵀX)(XᵀX)⁻¹ over centred points.
  const xtx = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const ytx = [[0, 0, 0], [0, 0, 0]];
  for (let k = 0; k < n; k++) {
    const X = [model[k][0] - mm[0], model[k][1] - mm[1], model[k][2] - mm[2]];
    const Y = [image[k][0] - mi[0], image[k][1] - mi[1]];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) xtx[r][c] += X[r] * X[c];
    for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) ytx[r][c] += Y[r] * X[c];
  }
  const inv = invert3(xtx);
  const A = ytx.map((row) => [0, 1, 2].map((c) => row[0] * inv[0][c] + row[1] * inv[1][c] + row[2] * inv[2][c]));
  const r1 = normalize(A[0]);
  const r2raw = A[1];
  const d = dot(r2raw, r1);
  const r2 = normalize([r2raw[0] - d * r1[0], r2raw[1] - d * r1[1], r2raw[2] - d * r1[2]]);
  const r3 = cross(r1, r2);
  // Forward axis of the face = third column of R; left→right axis = first column.
  const yaw = Math.atan2(r1[2], r3[2]) * DEG;
  const pitch = Math.asin(Math.max(-1, Math.min(1, r2[2]))) * DEG - pitchOffset;
  const roll = Math.atan2(-r2[0], r1[0]) * DEG;
  return { yaw, pitch, roll };
}

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0];
  const [d, e, f] = m[1];
  const [g, h, i] = m[2];
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new RangeError("degenerate landmark model");
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}
const dot = (u: number[], v: number[]) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
const normalize = (u: number[]) => {
  const n = Math.hypot(u[0], u[1], u[2]) || 1;
  return [u[0] / n, u[1] / n, u[2] / n];
};
const cross = (u: number[], v: number[]) => [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
