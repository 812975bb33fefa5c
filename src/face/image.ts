/**
 * Raster helpers for the face engine: an RGBA image type and one resampling primitive.
 *
 * Every crop, resize and alignment warp is an affine map from output to source pixels, sampled
 * bilinearly; when the map shrinks the source, each output pixel averages a k×k grid of bilinear
 * taps (k = ceil(shrink), capped) so large photos are box-filtered instead of aliased. Pixels
 * outside the source are clamped to the nearest edge pixel.
 */
import { PhotonImage } from "@cf-wasm/photon";

/** Decoded image: `data` is RGBA, 4 bytes a pixel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Affine map from output pixel centres to source coordinates:
 * `sx = a*x + b*y + c`, `sy = d*x + e*y + f`.
 */
export type Affine = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

/** Axis-aligned rectangle in source pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const MAX_TAPS = 8;

/**
 * Samples `src` through `map` into an `outW`×`outH` RGB float buffer (0..255, interleaved).
 *
 * @example
 * const rgb = warpAffine(img, rectToAffine({ x: 0, y: 0, width: img.width, height: img.height }, 320, 240), 320, 240);
 */
export function warpAffine(src: RgbaImage, map: Affine, outW: number, outH: number): Float32Array {
  const [a, b, c, d, e, f] = map;
  const out = new Float32Array(outW * outH * 3);
  const shrinkX = Math.hypot(a, d);
  const shrinkY = Math.hypot(b, e);
  const kx = Math.min(MAX_TAPS, Math.max(1, Math.ceil(shrinkX - 1e-6)));
  const ky = Math.min(MAX_TAPS, Math.max(1, Math.ceil(shrinkY - 1e-6)));
  const taps = kx * ky;
  const { width: w, height: h, data } = src;
  const maxX = w - 1;
  const maxY = h - 1;
  const px = [0, 0, 0];
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let j = 0; j < ky; j++) {
        const oy = y + (j + 0.5) / ky - 0.5;
        for (let i = 0; i < kx; i++) {
          const ox = x + (i + 0.5) / kx - 0.5;
          // Output pixel centre (ox+0.5) maps to source centre convention (s-0.5).
          const sx = a * (ox + 0.5) + b * (oy + 0.5) + c - 0.5;
          const sy = d * (ox + 0.5) + e * (oy + 0.5) + f - 0.5;
          bilinear(data, w, maxX, maxY, sx, sy, px);
          r += px[0];
          g += px[1];
          bl += px[2];
        }
      }
      const o = (y * outW + x) * 3;
      out[o] = r / taps;
      out[o + 1] = g / taps;
      out[o + 2] = bl / taps;
    }
  }
  return out;
}

function bilinear(
  data: Uint8Array | Uint8ClampedArray,
  w: number,
  maxX: number,
  maxY: number,
  sx: number,
  sy: number,
  out: number[],
): void {
  const cx = sx < 0 ? 0 : sx > maxX ? maxX : sx;
  const cy = sy < 0 ? 0 : sy > maxY ? maxY : sy;
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = x0 < maxX ? x0 + 1 : x0;
  const y1 = y0 < maxY ? y0 + 1 : y0;
  const fx = cx - x0;
  const fy = cy - y0;
  const i00 = (y0 * w + x0) * 4;
  const i01 = (y0 * w + x1) * 4;
  const i10 = (y1 * w + x0) * 4;
  const i11 = (y1 * w + x1) * 4;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  out[0] = data[i00] * w00 + data[i01] * w01 + data[i10] * w10 + data[i11] * w11;
  out[1] = data[i00 + 1] * w00 + data[i01 + 1] * w01 + data[i10 + 1] * w10 + data[i11 + 1] * w11;
  out[2] = data[i00 + 2] * w00 + data[i01 + 2] * w01 + data[i10 + 2] * w10 + data[i11 + 2] * w11;
}

/** The affine map that stretches `rect` (source pixels) onto an `outW`×`outH` output. */
export function rectToAffine(rect: Rect, outW: number, outH: number): Affine {
  const sx = rect.width / outW;
  const sy = rect.height / outH;
  return [sx, 0, rect.x, 0, sy, rect.y];
}

/** Crops `rect` and resizes it to `outW`×`outH` (RGB float, 0..255). */
export function cropResize(src: RgbaImage, rect: Rect, outW: number, outH: number): Float32Array {
  return warpAffine(src, rectToAffine(rect, outW, outH), outW, outH);
}

/** Mirrors an interleaved RGB float buffer left to right. */
export function flipHorizontal(rgb: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const t = (y * width + (width - 1 - x)) * 3;
      out[t] = rgb[s];
      out[t + 1] = rgb[s + 1];
      out[t + 2] = rgb[s + 2];
    }
  }
  return out;
}

/** ITU-R BT.601 luma of an interleaved RGB float buffer. */
export function toGray(rgb: Float32Array): Float32Array {
  const n = rgb.length / 3;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  return out;
}

/**
 * Interleaved RGB (0..255) to planar NCHW float with `(v - mean) / std`,
 * in the given channel order ("rgb" or "bgr").
 */
export function toPlanar(
  rgb: Float32Array,
  width: number,
  height: number,
  order: "rgb" | "bgr",
  mean: number,
  std: number,
): Float32Array {
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  const map = order === "rgb" ? [0, 1, 2] : [2, 1, 0];
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (rgb[i * 3 + map[c]] - mean) / std;
  }
  return out;
}

/** Makes a synthetic RGBA image from a per-pixel colour function (tests and benches). */
export function makeImage(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      const o = (y * width + x) * 4;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/**
 * A 64-bit FNV-1a style hash (hex) of the RGB pixels and dimensions: equal for pixel-identical
 * images whatever their encoding or metadata.
 */
export function pixelHash(image: RgbaImage): string {
  let h1 = 0x811c9dc5 ^ image.width;
  let h2 = 0x01000193 ^ image.height;
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    const v = d[i] | (d[i + 1] << 8) | (d[i + 2] << 16);
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v + i), 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/**
 * Frees an image's pixel buffer now instead of at the next garbage collection: a Worker's memory limit counts
 * unreachable ArrayBuffers until they are collected, and V8 collects lazily. Detaches the buffer (the image must
 * not be used afterwards); does nothing when the pixels are a view into a larger buffer they do not own.
 */
export function releasePixels(image: RgbaImage): void {
  releaseBuffer(image.data);
}

/** Detaches `view`'s ArrayBuffer when the view spans all of it (see {@link releasePixels}). */
export function releaseBuffer(view: ArrayBufferView): void {
  const buffer = view.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
  if (!(buffer instanceof ArrayBuffer) || buffer.detached || view.byteOffset !== 0 || view.byteLength !== buffer.byteLength) return;
  buffer.transfer?.(0);
}

/**
 * Applies an EXIF orientation (1–8) so the image is upright; photon decodes pixels as stored.
 * Unknown values leave the image unchanged.
 */
export function applyOrientation(image: RgbaImage, orientation: number): RgbaImage {
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8ClampedArray(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Source pixel for output (x, y), per the EXIF definitions.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break;
      }
      const s = (sy * w + sx) * 4;
      const d = (y * ow + x) * 4;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
      out[d + 3] = data[s + 3];
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Interleaved float RGB (0–255) → RGBA bytes, e.g. an aligned face crop for a reviewer. */
export function rgbToRgba(rgb: Float32Array, width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    data[i * 4] = rgb[j];
    data[i * 4 + 1] = rgb[j + 1];
    data[i * 4 + 2] = rgb[j + 2];
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** RGBA → PNG bytes (photon; small images only, e.g. a 112×112 face crop). */
export function encodePng(img: RgbaImage): Uint8Array {
  const photon = new PhotonImage(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), img.width, img.height);
  try {
    return photon.get_bytes();
  } finally {
    photon.free();
  }
}
