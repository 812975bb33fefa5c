/**
 * Renders a per-block heat map (0..1) as a picture reviewers can read: black → red → yellow,
 * block-replicated up to about 800 px on the longest side (never below one pixel per block).
 */
import { encodePng } from "../../face/image";
import type { RgbaImage } from "../../face/image";

export interface HeatmapOptions {
  /** Longest side of the output in pixels; default 800. Maps with more blocks than this get one pixel a block. */
  maxSide?: number;
}

/** Black (0) → red (0.5) → yellow (1). */
function colour(t: number): [number, number, number] {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  return v < 0.5 ? [Math.round(v * 510), 0, 0] : [255, Math.round((v - 0.5) * 510), 0];
}

/**
 * Block heat → RGBA image, each block an integer square of pixels.
 *
 * @example
 * const img = heatmapImage(result.heat, result.blocksWide, result.blocksHigh); // ≤ 800 px longest side
 */
export function heatmapImage(heat: ArrayLike<number>, blocksWide: number, blocksHigh: number, opts: HeatmapOptions = {}): RgbaImage {
  if (blocksWide < 1 || blocksHigh < 1 || heat.length < blocksWide * blocksHigh) throw new RangeError("heat map size mismatch");
  const maxSide = opts.maxSide ?? 800;
  const cell = Math.max(1, Math.floor(maxSide / Math.max(blocksWide, blocksHigh)));
  const width = blocksWide * cell;
  const height = blocksHigh * cell;
  const data = new Uint8Array(width * height * 4);
  for (let by = 0; by < blocksHigh; by++) {
    for (let bx = 0; bx < blocksWide; bx++) {
      const [r, g, b] = colour(heat[by * blocksWide + bx]);
      for (let y = by * cell; y < (by + 1) * cell; y++) {
        let o = (y * width + bx * cell) * 4;
        for (let x = 0; x < cell; x++, o += 4) {
          data[o] = r;
          data[o + 1] = g;
          data[o + 2] = b;
          data[o + 3] = 255;
        }
      }
    }
  }
  return { width, height, data };
}

/**
 * Block heat → PNG bytes (see {@link heatmapImage}).
 *
 * @example
 * const png = heatmapPng(result.heat, result.blocksWide, result.blocksHigh);
 */
export function heatmapPng(heat: ArrayLike<number>, blocksWide: number, blocksHigh: number, opts: HeatmapOptions = {}): Uint8Array {
  return encodePng(heatmapImage(heat, blocksWide, blocksHigh, opts));
}
