/**
 * fr_landmark: input 1×1×64×64 grey (BT.601 luma / 256) of the square face box; output [1, 136]
 * = 68 (x, y) pairs as fractions of that box (iBUG 300-W order: 0–16 jaw, 17–26 brows,
 * 27–35 nose, 36–47 eyes, 48–67 mouth).
 */
import type { Point } from "./align";
import type { FloatTensor } from "./runtime";
import { type Rect, type RgbaImage, cropResize, toGray } from "./image";

export const LANDMARK_SIZE = 64;

/** Landmark model input for the square crop `box`. */
export function landmarkInput(image: RgbaImage, box: Rect): FloatTensor {
  const gray = toGray(cropResize(image, box, LANDMARK_SIZE, LANDMARK_SIZE));
  for (let i = 0; i < gray.length; i++) gray[i] /= 256;
  return { data: gray, dims: [1, 1, LANDMARK_SIZE, LANDMARK_SIZE] };
}

/** Maps the model's 136 outputs back to 68 points in source pixels. */
export function decodeLandmarks(output: Float32Array, box: Rect): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < 68; i++) points.push([box.x + output[i * 2] * box.width, box.y + output[i * 2 + 1] * box.height]);
  return points;
}

const mean = (pts: readonly Point[], idx: readonly number[]): Point => {
  let x = 0, y = 0;
  for (const i of idx) {
    x += pts[i][0];
    y += pts[i][1];
  }
  return [x / idx.length, y / idx.length];
};

/**
 * The five alignment points from 68 landmarks, in the ArcFace template's order: image-left eye
 * centre (eyelid points 37, 38, 40, 41), image-right eye centre (43, 44, 46, 47), nose tip (30),
 * image-left mouth corner (48 and inner 60), image-right mouth corner (54 and inner 64).
 */
export function fivePoints(landmarks68: readonly Point[]): Point[] {
  return [
    mean(landmarks68, [37, 38, 40, 41]),
    mean(landmarks68, [43, 44, 46, 47]),
    landmarks68[30],
    mean(landmarks68, [48, 60]),
    mean(landmarks68, [54, 64]),
  ];
}
