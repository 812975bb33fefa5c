/**
 * Images for a run, within a Worker's memory. Every layer that needs pixels asks this memo. Each upload is shrunk
 * once (through the {@link ImageResizer} port — the Images binding in a Worker, outside the isolate — to at most
 * ANALYSIS_MAX_SIDE), and only the small encoded copy is kept; pixels are decoded from it on demand and only the
 * KEEP_DECODED most recently used images' pixels stay alive, however many uploads the run has. Without a resizer, photon decodes the upload itself and shrinks it in its own memory (the bounded
 * photon path: correct, but a 12 MP photo then costs ~60 MB of WebAssembly memory that never shrinks).
 *
 * Pixels are handed out inside `use(media, fn)` only, and freed (detached) as soon as they leave the cache and
 * no `fn` is running on them: V8 collects unreachable ArrayBuffers lazily, and until it does they count against
 * the isolate's memory like live ones.
 *
 * `null` means the upload is not an image anyone can decode (the intake layer reports IMAGE_UNREADABLE, the other
 * layers skip it). Any other failure — out of memory, a binding error — throws, so the job retries and a job that
 * keeps failing ends in review with PROCESSING_FAILED, never as the applicant's fault.
 */
import { ANALYSIS_MAX_PIXELS, ANALYSIS_MAX_SIDE, MAX_PIXELS, decodeBounded } from "../face/decode";
import type { BoundedImage } from "../face/decode";
import { FaceEngineError, isFaceEngineError } from "../face/errors";
import { applyOrientation, releasePixels } from "../face/image";
import type { ImageResizer } from "../face/resizer";
import { imageOrientation } from "../media/orientation";
import type { DecodedImages, MediaInput } from "./types";

export type { DecodedImages } from "./types";

/** What the memo keeps per upload: the shrunk encoding (small), or that it does not decode. */
interface Shrunk {
  bytes: Uint8Array;
  orientation: number;
  upright: boolean;
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * Decodes an upload for analysis: shrunk (by `resizer` when given, else inside photon), upright by its EXIF
 * orientation, with the scale back to source pixels. Throws FaceEngineError IMAGE_UNDECODABLE / IMAGE_DIMENSIONS
 * for the upload's faults, and anything else for ours.
 *
 * @example
 * const { image, scale } = await decodeUpload(bytes, imagesBindingResizer(env.IMAGES));
 */
export async function decodeUpload(bytes: Uint8Array, resizer?: ImageResizer, maxSide = ANALYSIS_MAX_SIDE): Promise<BoundedImage> {
  return decodeShrunk(await shrink(bytes, resizer, maxSide), maxSide);
}

async function shrink(bytes: Uint8Array, resizer: ImageResizer | undefined, maxSide: number): Promise<Shrunk> {
  const orientation = imageOrientation(bytes);
  if (!resizer) return { bytes, orientation, upright: false, sourceWidth: 0, sourceHeight: 0 };
  const r = await resizer.resize(bytes, maxSide, ANALYSIS_MAX_PIXELS);
  if (r.sourceWidth * r.sourceHeight > MAX_PIXELS) {
    throw new FaceEngineError("IMAGE_DIMENSIONS", `image is ${r.sourceWidth}×${r.sourceHeight}; at most ${MAX_PIXELS} pixels`);
  }
  return { bytes: r.bytes, orientation, upright: r.upright, sourceWidth: r.sourceWidth, sourceHeight: r.sourceHeight };
}

function decodeShrunk(s: Shrunk, maxSide: number): BoundedImage {
  let bounded = decodeBounded(s.bytes, maxSide);
  if (s.sourceWidth) {
    // Decoded from the resizer's copy: sizes and scale are relative to the original upload.
    const scale = Math.max(bounded.image.width, bounded.image.height) / Math.max(s.sourceWidth, s.sourceHeight);
    bounded = { image: bounded.image, scale: Math.min(1, scale), sourceWidth: s.sourceWidth, sourceHeight: s.sourceHeight };
  }
  if (s.upright || s.orientation <= 1) return bounded;
  const upright = applyOrientation(bounded.image, s.orientation);
  if (upright !== bounded.image) releasePixels(bounded.image);
  return { ...bounded, image: upright };
}

/**
 * Decoded images kept per run. One: an image leaving the cache is freed at once, so decoding it again later (from
 * the small shrunk copy, ~50 ms) costs time, not memory, while keeping two costs ~8 MB (measured).
 */
export const KEEP_DECODED = 1;

const uploadsFault = (err: unknown) => isFaceEngineError(err) && (err.code === "IMAGE_UNDECODABLE" || err.code === "IMAGE_DIMENSIONS");

/**
 * The run's memo (one per verification run).
 *
 * @example
 * const images = decodeOnce(imagesBindingResizer(env.IMAGES));
 * const quality = await images.use(inputs.media[0], (img) => img && measureQuality(img.image)); // null: not an image
 */
export function decodeOnce(resizer?: ImageResizer, maxSide = ANALYSIS_MAX_SIDE, keep = KEEP_DECODED): DecodedImages {
  const shrunk = new Map<string, Promise<Shrunk | null>>();
  /** Decoded images, least recently used first; `users` counts the `use` calls running on each. */
  const cache: Entry[] = [];

  function evict() {
    while (cache.length > keep) {
      const entry = cache.shift()!;
      entry.evicted = true;
      if (entry.users === 0) release(entry);
    }
  }

  async function decoded(media: MediaInput): Promise<Entry | null> {
    const hit = cache.find((e) => e.sha256 === media.sha256);
    if (hit) {
      cache.splice(cache.indexOf(hit), 1);
      cache.push(hit);
      return hit;
    }
    let pending = shrunk.get(media.sha256);
    if (!pending) {
      pending = shrink(media.bytes, resizer, maxSide).catch((err) => {
        if (uploadsFault(err)) return null;
        throw err;
      });
      shrunk.set(media.sha256, pending);
      // A failure of ours is not remembered: the next layer (or the retried job) tries again.
      pending.catch(() => shrunk.delete(media.sha256));
    }
    const s = await pending;
    if (!s) return null;
    const again = cache.find((e) => e.sha256 === media.sha256);
    if (again) return again;
    // Make room first, so the oldest image's pixels are gone before the next ones are decoded.
    cache.push({ sha256: media.sha256, image: null, users: 0, evicted: false });
    const entry = cache[cache.length - 1];
    evict();
    try {
      entry.image = decodeShrunk(s, maxSide);
    } catch (err) {
      cache.splice(cache.indexOf(entry), 1);
      if (!uploadsFault(err)) throw err;
      shrunk.set(media.sha256, Promise.resolve(null));
      return null;
    }
    return entry;
  }

  return {
    async use(media, fn) {
      const entry = await decoded(media);
      if (!entry) return fn(null);
      entry.users++;
      try {
        return await fn(entry.image);
      } finally {
        entry.users--;
        if (entry.evicted && entry.users === 0) release(entry);
      }
    },
  };
}

interface Entry {
  sha256: string;
  image: BoundedImage | null;
  users: number;
  evicted: boolean;
}

function release(entry: Entry) {
  if (entry.image) releasePixels(entry.image.image);
  entry.image = null;
}
