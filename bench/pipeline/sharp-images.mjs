/**
 * The native counterpart of the pipeline's decode memo (src/pipeline/images.ts decodeOnce) for the Node floor: the
 * same policy — each upload shrunk once to at most ANALYSIS_MAX_SIDE / ANALYSIS_MAX_PIXELS and re-encoded (JPEG
 * q92, as the Images binding does), pixels decoded from that copy on demand, only the most recently used image's
 * pixels kept — with sharp (libvips) doing the resizing and decoding that the Images binding and photon do in workerd.
 * EXIF orientation is applied by sharp while shrinking, so the copy is upright.
 */
import sharp from "sharp";

/**
 * @param {{ fitInside: Function, ANALYSIS_MAX_SIDE: number, ANALYSIS_MAX_PIXELS: number }} P the bundled pipeline module
 * @returns {import("../../src/pipeline/types").DecodedImages}
 */
export function sharpDecodeOnce(P, keep = 1) {
  const shrunk = new Map();
  /** @type {{ sha256: string, image: object }[]} */
  const cache = [];

  async function shrink(bytes) {
    try {
      const meta = await sharp(bytes).metadata();
      const fit = P.fitInside(meta.width, meta.height, P.ANALYSIS_MAX_SIDE, P.ANALYSIS_MAX_PIXELS);
      const swapped = (meta.orientation ?? 1) >= 5;
      const size = swapped ? { width: fit.height, height: fit.width } : fit;
      const out = fit.width === meta.width && fit.height === meta.height && !swapped ? bytes : await sharp(bytes).rotate().resize(size.width, size.height, { fit: "fill" }).jpeg({ quality: 92 }).toBuffer();
      return { bytes: out, sourceWidth: meta.width, sourceHeight: meta.height };
    } catch {
      return null;
    }
  }

  async function decode(s) {
    const { data, info } = await sharp(s.bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const scale = Math.min(1, Math.max(info.width, info.height) / Math.max(s.sourceWidth, s.sourceHeight));
    return { image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, scale, sourceWidth: s.sourceWidth, sourceHeight: s.sourceHeight };
  }

  return {
    async use(media, fn) {
      let hit = cache.find((e) => e.sha256 === media.sha256);
      if (!hit) {
        if (!shrunk.has(media.sha256)) shrunk.set(media.sha256, shrink(media.bytes));
        const s = await shrunk.get(media.sha256);
        if (!s) return fn(null);
        hit = { sha256: media.sha256, image: await decode(s) };
      } else cache.splice(cache.indexOf(hit), 1);
      cache.push(hit);
      while (cache.length > keep) cache.shift();
      return fn(hit.image);
    },
  };
}
