/**
 * Cuts one MRZ line out of the image along the band's tilt and turns it into the recogniser's input: height
 * 48, width as the line needs (rounded to the model's stride), BGR planes scaled to −1..1. One line at a time,
 * so the tensor stays small (a 44-character line at 1600 px is about 48 × 1,800 × 3 floats, 1 MB).
 */
import { type Affine, type RgbaImage, toPlanar, warpAffine } from "../../face/image";
import type { FloatTensor } from "../../face/runtime";
import type { MrzBand } from "./band";
import { REC_HEIGHT, REC_STRIDE } from "./manifest";

/** Crop height in character heights: the line with a margin, short of its neighbours. */
export const LINE_CROP_HEIGHT = 1.3;
/** Margin before the first and after the last character, in character heights. */
export const LINE_CROP_MARGIN = 0.5;
/**
 * Horizontal scale relative to vertical: frames per character for the recogniser. On the tuning set 0.8–0.9 lost
 * characters, 1.0 one line in 200, 1.1–1.15 none; each 0.1 costs about 10 % more inference time.
 */
export const LINE_SQUEEZE = 1.1;

/** Overrides of the crop constants (for tuning). */
export interface CropShape {
  height?: number;
  margin?: number;
  squeeze?: number;
}

/** Widest input accepted (frames = width / 8); longer lines are squeezed. */
const MAX_WIDTH = 2400;

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
  const squeeze = shape.squeeze ?? LINE_SQUEEZE;
  const from = band.start - margin;
  const length = band.end - band.start + 2 * margin;
  const scale = height / REC_HEIGHT; // source pixels per output pixel, both axes
  const width = Math.min(MAX_WIDTH, Math.max(REC_STRIDE, Math.round((length * squeeze) / scale / REC_STRIDE) * REC_STRIDE));
  const scaleX = length / width;
  const [cx, cy] = band.centres[index];
  // Output (x, y) → source: origin + x·scaleX·u + y·scale·v, with u along the line and v across it.
  const ox = cx + from * cos + (height / 2) * sin;
  const oy = cy + from * sin - (height / 2) * cos;
  const map: Affine = [scaleX * cos, -scale * sin, ox, scaleX * sin, scale * cos, oy];
  const rgb = warpAffine(image, map, width, REC_HEIGHT);
  const data = toPlanar(rgb, width, REC_HEIGHT, "bgr", 127.5, 127.5);
  return {
    tensor: { data, dims: [1, 3, REC_HEIGHT, width] },
    frameAt: (position) => (position - from) / scaleX / REC_STRIDE,
  };
}
