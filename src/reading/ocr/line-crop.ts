/**
 * Cuts one MRZ line out of the image along the band's tilt and turns it into the recogniser's input: height
 * 48, a fixed number of frames per character along the line (so the width follows the character count, not the
 * photo's resolution), BGR planes scaled to −1..1. One line at a time, so the tensor stays small (a 44-character
 * line is 48 × 1,096 × 3 floats, 0.6 MB).
 */
import { type Affine, type RgbaImage, releaseBuffer, toPlanar, warpAffine } from "../../face/image";
import type { FloatTensor } from "../../face/runtime";
import type { MrzBand } from "./band";
import { REC_HEIGHT, REC_STRIDE } from "./manifest";

/** Crop height in character heights: the line with a margin, short of its neighbours. */
export const LINE_CROP_HEIGHT = 1.3;
/** Margin before the first and after the last character, in character heights. */
export const LINE_CROP_MARGIN = 0.5;
/**
 * Recogniser frames per character pitch: the line is resampled along its length so that each printed character
 * spans this many output frames (8 input pixels each), whatever the photo's resolution. The recogniser's cost is
 * linear in the input width, so this is the speed knob; CTC needs two frames to separate two equal neighbours
 * (`<<`), and the fixed-pitch slot windows (./reader.ts) keep characters from drifting at low rates. On the tuning
 * split 3 → 72/80 documents exact and 3.5 → 74/80, but on held-out documents 3.5 read fillers as 4s (TD3 85 %, TD1
 * 78 %); the old isotropic cut (~4.7) read every held-out line of a 40-document run but split a TD1 name at a part
 * boundary; 4 read every tuning test document. Each line is read in parts no wider than PART_MAX_WIDTH (./reader.ts)
 * to bound memory.
 */
export const FRAMES_PER_CHARACTER = 4;

/** Overrides of the crop constants (for tuning). */
export interface CropShape {
  height?: number;
  margin?: number;
  frames?: number;
  fill?: number;
}

/**
 * Share of the recogniser's 48 rows the crop fills at most; the rest, above and below, is paper. When a line
 * gets fewer frames per character than its shape at full height would (a squeezed long line), the fill shrinks
 * with it, so characters keep their aspect ratio and are printed smaller rather than narrower.
 */
export const LINE_FILL = 1;

/**
 * Widest input produced: onnxruntime-web's wasm memory grows (and never shrinks) once an input is wider than about
 * 1,100 px (bench/memory: 50 MB at ≤ 1,100, 60 MB at 1,400); a longer line is squeezed to fit.
 */
export const MAX_LINE_WIDTH = 1096;

export interface LineCrop {
  tensor: FloatTensor;
  /** The output frame (fractional) that sees a position along the line, in the band's coordinates (`band.start`…`band.end`). */
  frameAt(position: number): number;
}

/**
 * The recogniser input for line `index` of `band`.
 *
 * @example
 * const { tensor } = cropLine(image, band, 0); // tensor.dims = [1, 3, 48, W]
 */
export function cropLine(image: RgbaImage, band: MrzBand, index: number, shape: CropShape = {}): LineCrop {
  const cos = Math.cos(band.angle), sin = Math.sin(band.angle);
  const height = (shape.height ?? LINE_CROP_HEIGHT) * band.charHeight;
  const margin = (shape.margin ?? LINE_CROP_MARGIN) * band.charHeight;
  const frames = shape.frames ?? FRAMES_PER_CHARACTER;
  const fill = shape.fill ?? LINE_FILL;
  const from = band.start - margin;
  const length = band.end - band.start + 2 * margin;
  const width = Math.min(MAX_LINE_WIDTH, Math.max(REC_STRIDE, Math.round((length / band.pitch) * frames) * REC_STRIDE));
  const scaleX = length / width; // source pixels per output pixel, along the line
  // Rows that keep the characters' aspect ratio at this width (height / scaleX), at most the fill.
  const rows = Math.max(8, Math.min(Math.round(REC_HEIGHT * fill), Math.round(height / scaleX)));
  const top = Math.floor((REC_HEIGHT - rows) / 2);
  const scale = height / rows; // source pixels per output pixel, across the line
  const [cx, cy] = band.centres[index];
  // Output (x, y) → source: origin + x·scaleX·u + y·scale·v, with u along the line and v across it.
  const reach = (REC_HEIGHT / 2) * scale; // half the output's height, in source pixels
  const ox = cx + from * cos + reach * sin;
  const oy = cy + from * sin - reach * cos;
  const map: Affine = [scaleX * cos, -scale * sin, ox, scaleX * sin, scale * cos, oy];
  const rgb = warpAffine(image, map, width, REC_HEIGHT);
  if (rows < REC_HEIGHT) paperOutside(rgb, width, top, top + rows);
  const data = toPlanar(rgb, width, REC_HEIGHT, "bgr", 127.5, 127.5);
  // Up to 0.4 MB per part: detached now rather than at V8's next collection (it counts against the isolate).
  releaseBuffer(rgb);
  return {
    tensor: { data, dims: [1, 3, REC_HEIGHT, width] },
    frameAt: (position) => (position - from) / scaleX / REC_STRIDE,
  };
}

/**
 * Paints the rows outside `[from, to)` with the paper colour of the rows inside (per channel, the brightest
 * tenth's mean), so the neighbouring lines the wider cut reached do not reach the recogniser.
 */
function paperOutside(rgb: Float32Array, width: number, from: number, to: number): void {
  const paper = [0, 0, 0];
  const luma = new Float32Array((to - from) * width);
  for (let i = from * width, j = 0; i < to * width; i++, j++) luma[j] = rgb[i * 3] * 0.3 + rgb[i * 3 + 1] * 0.59 + rgb[i * 3 + 2] * 0.11;
  const bright = luma.slice().sort()[Math.floor(luma.length * 0.9)];
  let n = 0;
  for (let i = from * width, j = 0; i < to * width; i++, j++) {
    if (luma[j] < bright) continue;
    for (let c = 0; c < 3; c++) paper[c] += rgb[i * 3 + c];
    n++;
  }
  for (let c = 0; c < 3; c++) paper[c] /= Math.max(1, n);
  const rows = rgb.length / 3 / width;
  for (let y = 0; y < rows; y++) {
    if (y >= from && y < to) continue;
    for (let i = y * width; i < (y + 1) * width; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = paper[c];
  }
}
