/**
 * Test images made in the test itself (photon encodes them inside workerd), so every fixture is ours to ship.
 * `texturedJpeg` looks like a sharp, evenly lit photo to the intake checks; `flatJpeg` is uniform grey.
 */
import { PhotonImage } from "@cf-wasm/photon";

function pixels(width: number, height: number, seed: number, textured: boolean) {
  const data = new Uint8Array(width * height * 4);
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const base = textured ? 90 + ((x >> 3) + (y >> 3)) % 2 * 70 + rand() * 30 : 128;
      data[i] = base;
      data[i + 1] = textured ? base * 0.9 : base;
      data[i + 2] = textured ? base * 0.8 : base;
      data[i + 3] = 255;
    }
  }
  return data;
}

function encode(width: number, height: number, seed: number, textured: boolean, format: "jpeg" | "png") {
  const img = new PhotonImage(pixels(width, height, seed, textured), width, height);
  try {
    return format === "jpeg" ? img.get_bytes_jpeg(85) : img.get_bytes();
  } finally {
    img.free();
  }
}

export const texturedJpeg = (width = 640, height = 480, seed = 1) => encode(width, height, seed, true, "jpeg");
export const texturedPng = (width = 640, height = 480, seed = 1) => encode(width, height, seed, true, "png");
export const flatJpeg = (width = 640, height = 480) => encode(width, height, 1, false, "jpeg");

/** A PNG whose header claims `width`×`height` but whose data is tiny: a decompression-bomb header. */
export function forgedPngHeader(width: number, height: number): Uint8Array {
  const png = texturedPng(16, 16);
  const out = png.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return out;
}
