/**
 * Reads the EXIF orientation (1–8) of a JPEG, so the face engine can turn phone photos upright
 * (photon decodes pixels as stored and ignores EXIF). Bounded and defensive: anything unexpected → 1.
 */
export function jpegOrientation(b: Uint8Array): number {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return 1;
  let p = 2;
  // Walk the marker segments up to the start of scan; EXIF lives in an APP1 segment before it.
  for (let guard = 0; guard < 64 && p + 4 <= b.length; guard++) {
    if (b[p] !== 0xff) return 1;
    const marker = b[p + 1];
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = (b[p + 2] << 8) | b[p + 3];
    if (length < 2 || p + 2 + length > b.length) return 1;
    if (marker === 0xe1 && length >= 16) {
      const found = exifOrientation(b, p + 4, p + 2 + length);
      if (found) return found;
    }
    p += 2 + length;
  }
  return 1;
}

/** Orientation tag of IFD0 in the APP1 payload [start, end), or 0 when absent. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  // "Exif\0\0"
  if (b[start] !== 0x45 || b[start + 1] !== 0x78 || b[start + 2] !== 0x69 || b[start + 3] !== 0x66 || b[start + 4] !== 0 || b[start + 5] !== 0) return 0;
  const tiff = start + 6;
  const little = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  const big = b[tiff] === 0x4d && b[tiff + 1] === 0x4d;
  if (!little && !big) return 0;
  const u16 = (o: number) => (o + 2 > end ? -1 : little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
  const u32 = (o: number) => (o + 4 > end ? -1 : little ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0);
  if (u16(tiff + 2) !== 42) return 0;
  const ifd0 = u32(tiff + 4);
  if (ifd0 < 8) return 0;
  const count = u16(tiff + ifd0);
  if (count < 0) return 0;
  for (let i = 0; i < Math.min(count, 256); i++) {
    const entry = tiff + ifd0 + 2 + i * 12;
    const tag = u16(entry);
    if (tag < 0) return 0;
    if (tag === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 0;
    }
  }
  return 0;
}
