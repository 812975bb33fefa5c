/**
 * Face alignment: a least-squares similarity transform (Umeyama, 1991) from the five detected
 * points to the standard ArcFace 112×112 template, then a bilinear warp of the full-resolution
 * image. Points are in continuous pixel coordinates (the top-left corner of the image is 0,0).
 */
import { type Affine, type RgbaImage, warpAffine } from "./image";

export type Point = readonly [x: number, y: number];

/** The ArcFace / InsightFace 112×112 template (pixel-index coordinates): eyes, nose tip, mouth corners. */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

export const ALIGNED_SIZE = 112;

/** Similarity `dst = s·R·src + t`, stored as the affine `[a, -b, tx, b, a, ty]`. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity (rotation, uniform scale, translation) mapping `src` onto `dst`.
 * Reflections are excluded, as in Umeyama's method.
 *
 * @example
 * const t = estimateSimilarity(landmarks5, ARCFACE_TEMPLATE);
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  const n = src.length;
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i][0]; msy += src[i][1]; mdx += dst[i][0]; mdy += dst[i][1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  // For 2-D similarity the Umeyama solution reduces to a closed form over the centred points.
  let sxx = 0, sxy = 0, varS = 0;
  for (let i = 0; i < n; i++) {
    const ux = src[i][0] - msx, uy = src[i][1] - msy;
    const vx = dst[i][0] - mdx, vy = dst[i][1] - mdy;
    sxx += ux * vx + uy * vy;
    sxy += ux * vy - uy * vx;
    varS += ux * ux + uy * uy;
  }
  if (varS === 0) return { a: 1, b: 0, tx: mdx - msx, ty: mdy - msy };
  const a = sxx / varS;
  const b = sxy / varS;
  return { a, b, tx: mdx - (a * msx - b * msy), ty: mdy - (b * msx + a * msy) };
}

/** Applies a similarity to a point. */
export function applySimilarity(t: Similarity, p: Point): Point {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/** Inverse map (destination → source) of a similarity, as an {@link Affine}. */
export function inverseAffine(t: Similarity): Affine {
  const det = t.a * t.a + t.b * t.b;
  const ia = t.a / det;
  const ib = -t.b / det;
  // x = ia*(u - tx) - ib*(v - ty), y = ib*(u - tx) + ia*(v - ty)
  return [ia, -ib, -(ia * t.tx - ib * t.ty), ib, ia, -(ib * t.tx + ia * t.ty)];
}

/**
 * Warps the face with five points `landmarks5` into the 112×112 ArcFace crop (RGB float 0..255).
 * Large faces are box-filtered by the sampler, so the crop comes from the full-resolution image.
 */
export function alignFace(image: RgbaImage, landmarks5: readonly Point[]): { rgb: Float32Array; transform: Similarity } {
  const template = ARCFACE_TEMPLATE.map(([x, y]) => [x + 0.5, y + 0.5] as const);
  const transform = estimateSimilarity(landmarks5, template);
  return { rgb: warpAffine(image, inverseAffine(transform), ALIGNED_SIZE, ALIGNED_SIZE), transform };
}
