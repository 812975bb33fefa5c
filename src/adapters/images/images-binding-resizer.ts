/**
 * workerd adapter of the {@link ImageResizer} port over the Cloudflare Images binding (`[images]` in
 * wrangler.toml). The binding decodes and shrinks outside the isolate, so a 12 MP upload never occupies the
 * Worker's 128 MB; locally Miniflare simulates it with sharp (resize and rotate only).
 *
 * Classification: the binding refusing the bytes as an image is `IMAGE_UNDECODABLE` (the applicant's upload);
 * anything else the binding throws propagates, so the job retries and ends in review, never as the applicant's fault.
 */
import { FaceEngineError } from "../../face/errors";
import type { ImageResizer, ResizedImage } from "../../face/resizer";
import { fitInside } from "../../face/resizer";
import { imageOrientation } from "../../media/orientation";
import { sniffImage } from "../../media/sniff";

/** Images error codes that mean "these bytes are not an image we can read" (9412: not an image; 9520: unsupported format). */
const NOT_AN_IMAGE = new Set([9412, 9520]);

function refusedAsImage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "number" && NOT_AN_IMAGE.has(code)) return true;
  // Local mode reports sharp's own refusal in the message.
  const message = err instanceof Error ? err.message : String(err);
  return /\b(9412|9520)\b|unsupported image format|corrupt|premature end|bad seek|vips/i.test(message);
}

const stream = (bytes: Uint8Array) => new Response(bytes).body as ReadableStream<Uint8Array>;

/**
 * @example
 * const resizer = imagesBindingResizer(env.IMAGES);
 * const { bytes, width, height } = await resizer.resize(upload, 2048);
 */
export function imagesBindingResizer(binding: ImagesBinding, quality = 92): ImageResizer {
  return {
    name: "images-binding",
    async resize(bytes, maxSide, maxPixels): Promise<ResizedImage> {
      const source = sniffImage(bytes);
      if (!source.ok) throw new FaceEngineError("IMAGE_UNDECODABLE", source.message);
      const { width: sourceWidth, height: sourceHeight } = source;
      const fit = fitInside(sourceWidth, sourceHeight, maxSide, maxPixels);
      if (fit.width === sourceWidth && fit.height === sourceHeight) return { bytes, width: sourceWidth, height: sourceHeight, sourceWidth, sourceHeight, upright: false };
      let out: Uint8Array;
      try {
        // One side only: with both, Miniflare's sharp letterboxes to a square ("contain"), unlike production.
        const transform = sourceWidth >= sourceHeight ? { width: fit.width } : { height: fit.height };
        const result = await binding.input(stream(bytes)).transform(transform).output({ format: "image/jpeg", quality });
        out = new Uint8Array(await result.response().arrayBuffer());
      } catch (err) {
        if (refusedAsImage(err)) throw new FaceEngineError("IMAGE_UNDECODABLE", "the bytes are not a decodable image", { cause: err });
        throw err;
      }
      const resized = sniffImage(out);
      if (!resized.ok) throw new Error(`the Images binding returned an unreadable image: ${resized.message}`);
      return { bytes: out, width: resized.width, height: resized.height, sourceWidth, sourceHeight, upright: turnedUpright(bytes, sourceWidth, sourceHeight, resized) };
    },
  };
}

/**
 * Whether the binding applied the source's EXIF orientation. Miniflare's sharp does not (it drops EXIF and keeps
 * the stored pixels); if a deployment does, a quarter turn shows as swapped axes. Half turns and mirrors cannot be
 * told from the size and are assumed not applied, as locally.
 */
function turnedUpright(source: Uint8Array, sw: number, sh: number, out: { width: number; height: number }): boolean {
  if (sw === sh || imageOrientation(source) < 5) return false;
  return sw > sh !== out.width > out.height;
}
