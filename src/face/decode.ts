/**
 * Image bytes → RGBA with photon (@cf-wasm/photon resolves to its workerd or Node build by export
 * condition). A failure is `IMAGE_UNDECODABLE` only when the bytes are not a well-formed image by their type,
 * header and end (src/media/sniff.ts): photon reports every failure, out of memory included, as the same wasm
 * trap, so a well-formed image it cannot decode is `DECODE_FAILED` — ours to retry, not the applicant's fault.
 * EXIF orientation is not applied: callers that need it rotate before analysis.
 */
import { PhotonImage, SamplingFilter, resize } from "@cf-wasm/photon";
import { sniffImage } from "../media/sniff";
import { FaceEngineError } from "./errors";
import { fitInside } from "./resizer";
import type { RgbaImage } from "./image";

/** Largest accepted image, in pixels (decoded RGBA must stay well inside the Worker's memory). */
export const MAX_PIXELS = 40_000_000;
export const MIN_SIDE = 32;

/**
 * Decodes JPEG, PNG, WebP, GIF or BMP bytes.
 *
 * @example
 * const img = decodeImage(new Uint8Array(await req.arrayBuffer())); // throws FaceEngineError
 */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  return decodeBounded(bytes, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY).image;
}

/**
 * Largest size images are analysed at: enough for the portrait on an ID card photographed whole (the detector sees
 * 320×240, the face crops are 112 px), small enough that decoding it fits a Worker's memory next to the models
 * (measured by `npm run bench -- memory`). Longest side and pixel count (4:3 at 1600 px; a square is 1385 px).
 */
export const ANALYSIS_MAX_SIDE = 1600;
export const ANALYSIS_MAX_PIXELS = 1600 * 1200;

export interface BoundedImage {
  image: RgbaImage;
  /** analysed pixels per source pixel (≤ 1); divide analysed coordinates by it to get source coordinates. */
  scale: number;
  sourceWidth: number;
  sourceHeight: number;
}

/** The source's size the way `b.image` is turned (EXIF orientation may have swapped its axes). */
export function uprightSourceSize(b: BoundedImage): { width: number; height: number } {
  const swapped = b.image.width !== b.image.height && b.image.width > b.image.height !== b.sourceWidth > b.sourceHeight;
  return swapped ? { width: b.sourceHeight, height: b.sourceWidth } : { width: b.sourceWidth, height: b.sourceHeight };
}

/**
 * Decodes and, when the longest side exceeds `maxSide`, shrinks inside photon's memory before the pixels are
 * copied out, so a 12 MP photo costs a 2560 px copy in JavaScript rather than a second 48 MB one.
 */
export function decodeBounded(bytes: Uint8Array, maxSide = ANALYSIS_MAX_SIDE, maxPixels = ANALYSIS_MAX_PIXELS): BoundedImage {
  if (bytes.byteLength < 8) throw new FaceEngineError("IMAGE_UNDECODABLE", "image is empty or truncated");
  let photon: PhotonImage | undefined;
  let small: PhotonImage | undefined;
  try {
    photon = PhotonImage.new_from_byteslice(bytes);
    const width = photon.get_width();
    const height = photon.get_height();
    if (width < MIN_SIDE || height < MIN_SIDE || width * height > MAX_PIXELS) {
      throw new FaceEngineError("IMAGE_DIMENSIONS", `image is ${width}×${height}; sides must be ≥ ${MIN_SIDE} px and at most ${MAX_PIXELS} pixels`);
    }
    const { width: w, height: h } = fitInside(width, height, maxSide, maxPixels);
    if (w === width && h === height) return { image: { width, height, data: photon.get_raw_pixels() }, scale: 1, sourceWidth: width, sourceHeight: height };
    small = resize(photon, w, h, SamplingFilter.Triangle);
    return { image: { width: w, height: h, data: small.get_raw_pixels() }, scale: w / width, sourceWidth: width, sourceHeight: height };
  } catch (e) {
    if (e instanceof FaceEngineError) throw e;
    if (sniffImage(bytes).ok) throw new FaceEngineError("DECODE_FAILED", "a well-formed image could not be decoded (out of memory?)", { cause: e });
    throw new FaceEngineError("IMAGE_UNDECODABLE", "the bytes are not a decodable image", { cause: e });
  } finally {
    small?.free();
    photon?.free();
  }
}
