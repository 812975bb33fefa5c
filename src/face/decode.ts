/**
 * Image bytes → RGBA with photon (@cf-wasm/photon resolves to its workerd or Node build by export
 * condition). Anything photon cannot decode becomes a typed `IMAGE_UNDECODABLE` error.
 * EXIF orientation is not applied: callers that need it rotate before analysis.
 */
import { PhotonImage } from "@cf-wasm/photon";
import { FaceEngineError } from "./errors";
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
  if (bytes.byteLength < 8) throw new FaceEngineError("IMAGE_UNDECODABLE", "image is empty or truncated");
  let photon: PhotonImage | undefined;
  try {
    photon = PhotonImage.new_from_byteslice(bytes);
    const width = photon.get_width();
    const height = photon.get_height();
    if (width < MIN_SIDE || height < MIN_SIDE || width * height > MAX_PIXELS) {
      throw new FaceEngineError("IMAGE_DIMENSIONS", `image is ${width}×${height}; sides must be ≥ ${MIN_SIDE} px and at most ${MAX_PIXELS} pixels`);
    }
    return { width, height, data: photon.get_raw_pixels() };
  } catch (e) {
    if (e instanceof FaceEngineError) throw e;
    throw new FaceEngineError("IMAGE_UNDECODABLE", "the bytes are not a decodable image", { cause: e });
  } finally {
    photon?.free();
  }
}
