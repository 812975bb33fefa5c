/**
 * metadataHead: the orientation read from a JPEG's head is the orientation of the whole file, and the head is a small
 * view (no copy) ending where the first scan starts.
 */
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { metadataHead } from "../../../src/imaging/exif";
import { imageOrientation } from "../../../src/media/orientation";

/** Inserts an APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation) after `after` bytes (2: right after SOI). */
function withOrientation(jpeg: Uint8Array, orientation: number, after = 2): Uint8Array {
  const tiff = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = payload.length + 2;
  const app1 = [0xff, 0xe1, len >> 8, len & 0xff, ...payload];
  return Uint8Array.from([...jpeg.subarray(0, after), ...app1, ...jpeg.subarray(after)]);
}

function noisyJpeg(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height * 4);
  let seed = 7;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pixels[i] = i % 4 === 3 ? 255 : seed & 0xff;
  }
  const img = new PhotonImage(pixels, width, height);
  try {
    return img.get_bytes_jpeg(90);
  } finally {
    img.free();
  }
}

const photo = noisyJpeg(640, 480);

describe("metadataHead", () => {
  it("keeps the orientation a phone writes, whether the Exif segment comes first or after other segments", () => {
    for (const orientation of [1, 3, 6, 8]) {
      const first = withOrientation(photo, orientation);
      expect(imageOrientation(metadataHead(first))).toBe(imageOrientation(first));
      expect(imageOrientation(metadataHead(first))).toBe(orientation);
      // After photon's own header segments (APP0/DQT…): still before the scan.
      const sos = metadataHead(photo).length;
      const later = withOrientation(photo, orientation, sos);
      expect(imageOrientation(metadataHead(later))).toBe(orientation);
    }
  });

  it("is a view of the segments before the first scan, a small fraction of a photo", () => {
    const file = withOrientation(photo, 6);
    const head = metadataHead(file);
    expect(head.buffer).toBe(file.buffer);
    expect(head.length).toBeLessThan(file.length / 10);
    expect([file[head.length], file[head.length + 1]]).toEqual([0xff, 0xda]);
  });

  it("returns anything that is not a walkable JPEG whole", () => {
    const text = new TextEncoder().encode("not an image at all");
    expect(metadataHead(text)).toBe(text);
    const broken = photo.slice(0, 40);
    broken[20] = 0x00; // a segment that does not start with a marker
    expect(metadataHead(broken)).toBe(broken);
    const truncated = photo.slice(0, 30); // ends inside the header
    expect(metadataHead(truncated)).toBe(truncated);
  });
});
