/**
 * Image quality measures over decoded RGBA, on a grayscale copy downscaled (area average) to at most 512 px:
 * mean brightness (0–255), the fraction of clipped pixels, and sharpness as the variance of the Laplacian.
 * Pure; used by the intake layer.
 */
import { releaseBuffer } from "../../face/image";
import { laplacianVariance } from "../../face/quality";
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface QualityMeasures {
  brightness: number;
  clipped: number;
  sharpness: number;
  analysedWidth: number;
  analysedHeight: number;
}

const MAX_SIDE = 512;

/** Grayscale (Rec. 601 luma), area-averaged down so the longer side is at most `maxSide`. */
export function toGrayDownscaled(img: Rgba, maxSide = MAX_SIDE): { width: number; height: number; gray: Float32Array } {
  const scale = Math.max(1, Math.max(img.width, img.height) / maxSide);
  const width = Math.max(1, Math.floor(img.width / scale));
  const height = Math.max(1, Math.floor(img.height / scale));
  const gray = new Float32Array(width * height);
  const counts = new Uint32Array(width * height);
  for (let y = 0; y < img.height; y++) {
    const gy = Math.min(height - 1, Math.floor(y / scale));
    for (let x = 0; x < img.width; x++) {
      const gx = Math.min(width - 1, Math.floor(x / scale));
      const i = (y * img.width + x) * 4;
      const g = gy * width + gx;
      gray[g] += 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
      counts[g]++;
    }
  }
  for (let i = 0; i < gray.length; i++) gray[i] /= counts[i] || 1;
  releaseBuffer(counts);
  return { width, height, gray };
}

export function measureQuality(img: Rgba): QualityMeasures {
  const { width, height, gray } = toGrayDownscaled(img);
  let sum = 0;
  let clipped = 0;
  for (const v of gray) {
    sum += v;
    if (v <= 5 || v >= 250) clipped++;
  }
  const measures = {
    brightness: gray.length ? sum / gray.length : 0,
    clipped: gray.length ? clipped / gray.length : 0,
    sharpness: width > 2 && height > 2 ? laplacianVariance(gray, width, height) : 0,
    analysedWidth: width,
    analysedHeight: height,
  };
  // The grey copy (~0.8 MB) goes now rather than at V8's next collection: the isolate counts it until then.
  releaseBuffer(gray);
  return measures;
}
