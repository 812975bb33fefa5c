/** Makes "another photo" of a face for tests: crop around a point, rotate, scale, brighten. */
import { type RgbaImage, warpAffine } from "../../src/face/image";

export function rephotograph(img: RgbaImage, cx: number, cy: number, side: number, deg: number, scale: number, brighten: number): RgbaImage {
  const out = Math.round(side * scale);
  const r = (deg * Math.PI) / 180;
  const c = Math.cos(r) / scale;
  const s = Math.sin(r) / scale;
  const rgb = warpAffine(img, [c, -s, cx - (c * out) / 2 + (s * out) / 2, s, c, cy - (s * out) / 2 - (c * out) / 2], out, out);
  const data = new Uint8ClampedArray(out * out * 4);
  for (let i = 0; i < out * out; i++) {
    for (let ch = 0; ch < 3; ch++) data[i * 4 + ch] = rgb[i * 3 + ch] + brighten;
    data[i * 4 + 3] = 255;
  }
  return { width: out, height: out, data };
}
