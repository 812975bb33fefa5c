/**
 * Decode once per run: every layer that needs pixels asks this memo, which decodes each upload once with
 * photon, shrinks it inside photon's memory to at most ANALYSIS_MAX_SIDE, and turns it upright by its EXIF
 * orientation. `null` means the bytes do not decode (the intake layer reports it; others skip the image).
 */
import { decodeBounded } from "../face/decode";
import type { BoundedImage } from "../face/decode";
import { isFaceEngineError } from "../face/errors";
import { applyOrientation } from "../face/image";
import { imageOrientation } from "../media/orientation";
import type { DecodedImages } from "./types";

export type { DecodedImages } from "./types";

export function decodeOnce(): DecodedImages {
  const cache = new Map<string, BoundedImage | null>();
  return {
    get(media) {
      if (cache.has(media.sha256)) return cache.get(media.sha256) ?? null;
      let decoded: BoundedImage | null;
      try {
        const bounded = decodeBounded(media.bytes);
        const orientation = imageOrientation(media.bytes);
        decoded = orientation > 1 ? { ...bounded, image: applyOrientation(bounded.image, orientation) } : bounded;
      } catch (err) {
        if (!isFaceEngineError(err)) throw err;
        decoded = null;
      }
      cache.set(media.sha256, decoded);
      return decoded;
    },
  };
}
