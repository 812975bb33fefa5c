/**
 * fr_detect (UltraFace RFB-320 style): input 1×3×240×320, RGB, (v − 127) / 128; outputs
 * `scores` [1, 4420, 2] (softmax, column 1 = face) and `boxes` [1, 4420, 4] (corner form,
 * 0..1 of the input, priors already applied inside the graph). Decoding here: threshold,
 * then greedy non-maximum suppression that keeps the highest-scoring box of each cluster.
 */
import type { FloatTensor } from "./runtime";
import { type Rect, type RgbaImage, cropResize, toPlanar } from "./image";

export const DETECT_WIDTH = 320;
export const DETECT_HEIGHT = 240;

export interface Detection {
  /** Box in source-image pixels. */
  box: Rect;
  /** Face probability 0..1. */
  score: number;
}

export interface DetectOptions {
  /** Minimum face probability (default 0.6). */
  scoreThreshold?: number;
  /** IoU above which a lower-scoring box is suppressed (default 0.4). */
  iouThreshold?: number;
}

/** Resamples `region` of `image` into the detector's input tensor. */
export function detectorInput(image: RgbaImage, region: Rect): FloatTensor {
  const rgb = cropResize(image, region, DETECT_WIDTH, DETECT_HEIGHT);
  return { data: toPlanar(rgb, DETECT_WIDTH, DETECT_HEIGHT, "rgb", 127, 128), dims: [1, 3, DETECT_HEIGHT, DETECT_WIDTH] };
}

/**
 * Turns raw detector outputs for an input sampled from `region` into boxes in source pixels,
 * after thresholding and NMS, best first.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  region: Rect,
  options: DetectOptions = {},
): Detection[] {
  const threshold = options.scoreThreshold ?? 0.6;
  const candidates: Detection[] = [];
  const n = scores.length / 2;
  for (let i = 0; i < n; i++) {
    const score = scores[i * 2 + 1];
    if (!(score >= threshold)) continue;
    const x1 = boxes[i * 4], y1 = boxes[i * 4 + 1], x2 = boxes[i * 4 + 2], y2 = boxes[i * 4 + 3];
    if (!(x2 > x1 && y2 > y1)) continue;
    candidates.push({
      score,
      box: {
        x: region.x + x1 * region.width,
        y: region.y + y1 * region.height,
        width: (x2 - x1) * region.width,
        height: (y2 - y1) * region.height,
      },
    });
  }
  return nonMaxSuppression(candidates, options.iouThreshold ?? 0.4);
}

/**
 * Greedy NMS: sort by score, keep a box, drop every remaining box whose IoU with a kept box
 * exceeds `iouThreshold`.
 *
 * @example
 * nonMaxSuppression([{ box: a, score: 0.9 }, { box: a, score: 0.8 }], 0.4) // → only the 0.9 box
 */
export function nonMaxSuppression(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.every((k) => iou(k.box, d.box) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/** Intersection over union of two rectangles. */
export function iou(a: Rect, b: Rect): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * The square the landmark and liveness models were trained on: side = box height, same centre
 * (as the model package does).
 */
export function squareBox(box: Rect): Rect {
  const side = box.height;
  return { x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, width: side, height: side };
}

/** A 4:3 region around `box` for a second, higher-resolution detection pass, clipped to the image. */
export function refineRegion(box: Rect, imageWidth: number, imageHeight: number, context = 2.5): Rect {
  const height = Math.min(imageHeight, box.height * context);
  const width = Math.min(imageWidth, (height * DETECT_WIDTH) / DETECT_HEIGHT);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const x = Math.min(Math.max(0, cx - width / 2), imageWidth - width);
  const y = Math.min(Math.max(0, cy - height / 2), imageHeight - height);
  return { x, y, width, height };
}
