import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { imageOrientation } from "../../../src/media/orientation";

/** Inserts an APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation) right after SOI. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = payload.length + 2;
  const app1 = [0xff, 0xe1, len >> 8, len & 0xff, ...payload];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...app1, ...jpeg.subarray(2)]);
}

/** A JPEG without any metadata, as photon writes it. */
function plainJpeg(): Uint8Array {
  const img = new PhotonImage(new Uint8Array(64 * 48 * 4).fill(128), 64, 48);
  try {
    return img.get_bytes_jpeg(80);
  } finally {
    img.free();
  }
}
const sample = plainJpeg();

describe("imageOrientation", () => {
  it("reads the EXIF orientation a phone writes for a sideways portrait", () => {
    expect(imageOrientation(withOrientation(sample, 6))).toBe(6);
    expect(imageOrientation(withOrientation(sample, 8))).toBe(8);
  });

  it("is 1 for images without EXIF and for bytes that are not an image", () => {
    expect(imageOrientation(sample)).toBe(1);
    expect(imageOrientation(new TextEncoder().encode("not an image"))).toBe(1);
    expect(imageOrientation(new Uint8Array())).toBe(1);
  });
});
