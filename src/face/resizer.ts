/**
 * The port through which large uploads are shrunk before anything decodes them inside the isolate, and its pure
 * twin. A 12 MP photo decoded at full size costs ~48 MB of RGBA in WebAssembly memory that never shrinks; shrunk
 * first (by the Cloudflare Images binding, which runs outside the isolate: src/adapters/images/), the isolate only
 * ever decodes at most `maxSide` pixels a side.
 *
 * Contract: `resize` returns encoded image bytes whose longer side is at most `maxSide` and whose pixel count is at
 * most `maxPixels` (the input itself when it is already small enough), their size, and the source's size as stored. It throws a {@link FaceEngineError}
 * `IMAGE_UNDECODABLE` only when the bytes are not an image it can read; every other failure (a binding error, out
 * of memory) is thrown as is, so a queued job retries instead of blaming the applicant.
 */
import { PhotonImage, SamplingFilter, resize } from "@cf-wasm/photon";
import { FaceEngineError } from "./errors";

export interface ResizedImage {
  /** Encoded image (JPEG unless the input was returned unchanged). */
  bytes: Uint8Array;
  width: number;
  height: number;
  /** The source's size, as stored (before any EXIF orientation). */
  sourceWidth: number;
  sourceHeight: number;
  /** True when the resizer already turned the pixels upright by the source's EXIF orientation. */
  upright: boolean;
}

export interface ImageResizer {
  /** A short label for reports ("images-binding", "photon"). */
  readonly name: string;
  resize(bytes: Uint8Array, maxSide: number, maxPixels?: number): Promise<ResizedImage>;
}

/**
 * The size a `width`×`height` image is shrunk to so its longer side is at most `maxSide` and it has at most
 * `maxPixels` pixels (never enlarged): memory follows the pixel count, so a square photo is shrunk a little more.
 */
export function fitInside(width: number, height: number, maxSide: number, maxPixels = Number.POSITIVE_INFINITY): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height), Math.sqrt(maxPixels / (width * height)));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The pure twin: photon decodes, shrinks and re-encodes inside this isolate. For Node tests and benches, where
 * memory is not the point; in a Worker without the Images binding the pipeline decodes with photon directly.
 *
 * @example
 * const small = await photonResizer().resize(bytes, 2048);
 */
export function photonResizer(quality = 92): ImageResizer {
  return {
    name: "photon",
    async resize(bytes, maxSide, maxPixels) {
      let img: PhotonImage | undefined;
      let small: PhotonImage | undefined;
      try {
        try {
          img = PhotonImage.new_from_byteslice(bytes);
        } catch (e) {
          throw new FaceEngineError("IMAGE_UNDECODABLE", "the bytes are not a decodable image", { cause: e });
        }
        const sourceWidth = img.get_width();
        const sourceHeight = img.get_height();
        const fit = fitInside(sourceWidth, sourceHeight, maxSide, maxPixels);
        if (fit.width === sourceWidth && fit.height === sourceHeight) return { bytes, width: sourceWidth, height: sourceHeight, sourceWidth, sourceHeight, upright: false };
        small = resize(img, fit.width, fit.height, SamplingFilter.Triangle);
        return { bytes: small.get_bytes_jpeg(quality), ...fit, sourceWidth, sourceHeight, upright: false };
      } finally {
        small?.free();
        img?.free();
      }
    },
  };
}
