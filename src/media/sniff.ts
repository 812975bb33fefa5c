/**
 * Image intake checks that need no decoder: the type from magic bytes (never from the client's Content-Type),
 * the dimensions from the header (so a decompression bomb is refused before anything decodes it), and
 * structural completeness (a truncated upload is refused). Pure functions over bytes.
 */
export type ImageType = "image/jpeg" | "image/png" | "image/webp";

export type SniffResult =
  | { ok: true; type: ImageType; width: number; height: number }
  | { ok: false; reason: "UNSUPPORTED_TYPE" | "UNSUPPORTED_COLOUR_SPACE" | "TRUNCATED" | "CORRUPT_HEADER" | "EMPTY"; message: string };

const startsWith = (b: Uint8Array, sig: number[], offset = 0) => sig.every((v, i) => b[offset + i] === v);

export function detectType(b: Uint8Array): ImageType | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

const truncated = (what: string): SniffResult => ({ ok: false, reason: "TRUNCATED", message: `The ${what} file is truncated or incomplete` });
const corrupt = (what: string): SniffResult => ({ ok: false, reason: "CORRUPT_HEADER", message: `The ${what} header is corrupt` });

/**
 * Walks the JPEG's segments and every scan's entropy-coded data to its end-of-image marker. Bytes after that
 * marker (padding, a second image some cameras append) are ignored, as every standard decoder ignores them; a
 * file that ends before the marker is truncated.
 */
function sniffJpeg(b: Uint8Array): SniffResult {
  let o = 2;
  let size: { width: number; height: number } | null = null;
  let sawScan = false;
  let sawEnd = false;
  while (o + 2 <= b.length) {
    if (b[o] !== 0xff) return corrupt("JPEG");
    const marker = b[o + 1];
    if (marker === 0xff) {
      o++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    if (marker === 0xd9) {
      sawEnd = true;
      break;
    }
    if (o + 4 > b.length) return truncated("JPEG");
    const len = u16be(b, o + 2);
    if (len < 2) return corrupt("JPEG");
    if (o + 2 + len > b.length) return truncated("JPEG");
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (len < 7) return corrupt("JPEG");
      size = { height: u16be(b, o + 5), width: u16be(b, o + 7) };
      // Four components is CMYK (or YCCK): a print file, not a camera's photo, and our decoder reads its colours wrong
      // (the fuzz tests measured a real selfie's liveness falling from 0.91 to 0.44), so it is refused up front.
      if (len >= 8 && b[o + 9] === 4) {
        return { ok: false, reason: "UNSUPPORTED_COLOUR_SPACE", message: "CMYK JPEGs (print files) are not accepted: send the camera's photo (RGB or greyscale)" };
      }
    }
    o += 2 + len;
    if (marker === 0xda) {
      if (!size) return corrupt("JPEG");
      sawScan = true;
      // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte), a restart marker or fill; anything else ends the scan.
      for (;;) {
        o = b.indexOf(0xff, o);
        if (o === -1 || o + 1 >= b.length) return truncated("JPEG");
        const next = b[o + 1];
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) o += 2;
        else if (next === 0xff) o += 1;
        else break;
      }
    }
  }
  if (!size) return o + 4 > b.length ? truncated("JPEG") : corrupt("JPEG");
  if (!sawScan || !sawEnd) return truncated("JPEG");
  if (size.width === 0 || size.height === 0) return corrupt("JPEG");
  return { ok: true, type: "image/jpeg", ...size };
}

function sniffPng(b: Uint8Array): SniffResult {
  if (b.length < 33) return truncated("PNG");
  if (u32be(b, 8) !== 13 || !startsWith(b, [0x49, 0x48, 0x44, 0x52], 12)) return corrupt("PNG");
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (width === 0 || height === 0) return corrupt("PNG");
  // Walk the chunks: every length must fit, and the stream must reach IEND.
  let o = 8;
  while (o + 12 <= b.length) {
    const len = u32be(b, o);
    if (o + 12 + len > b.length) return truncated("PNG");
    if (startsWith(b, [0x49, 0x45, 0x4e, 0x44], o + 4)) return { ok: true, type: "image/png", width, height };
    o += 12 + len;
  }
  return truncated("PNG");
}

function sniffWebp(b: Uint8Array): SniffResult {
  if (b.length < 30) return truncated("WebP");
  if (u32le(b, 4) + 8 > b.length) return truncated("WebP");
  const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
  let width = 0;
  let height = 0;
  if (chunk === "VP8 ") {
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return corrupt("WebP");
    width = u16le(b, 26) & 0x3fff;
    height = u16le(b, 28) & 0x3fff;
  } else if (chunk === "VP8L") {
    if (b[20] !== 0x2f) return corrupt("WebP");
    const bits = u32le(b, 21);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else if (chunk === "VP8X") {
    width = u24le(b, 24) + 1;
    height = u24le(b, 27) + 1;
  } else {
    return corrupt("WebP");
  }
  if (!width || !height) return corrupt("WebP");
  return { ok: true, type: "image/webp", width, height };
}

/** Type, dimensions and completeness of an image upload. */
export function sniffImage(bytes: Uint8Array): SniffResult {
  if (bytes.length === 0) return { ok: false, reason: "EMPTY", message: "The file is empty" };
  const type = detectType(bytes);
  if (type === "image/jpeg") return sniffJpeg(bytes);
  if (type === "image/png") return sniffPng(bytes);
  if (type === "image/webp") return sniffWebp(bytes);
  return { ok: false, reason: "UNSUPPORTED_TYPE", message: "Only JPEG, PNG and WebP images are accepted" };
}
