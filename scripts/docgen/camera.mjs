/**
 * The synthetic phones: their EXIF identity and the metadata a camera (or an editor keeping EXIF) writes.
 */
import sharp from "sharp";
import { buildExifSegment } from "./exif.mjs";
import { encodeJpeg } from "./jpeg-encode.mjs";
import { ijgTables } from "./quant-tables.mjs";

/** @typedef {{ make: string, model: string, fNumber: number, focalLength: number }} Camera */

/** @type {readonly Camera[]} */
export const CAMERAS = Object.freeze([
  { make: "samsung", model: "SM-S911B", fNumber: 1.8, focalLength: 5.4 },
  { make: "Apple", model: "iPhone 13", fNumber: 1.6, focalLength: 5.1 },
  { make: "Google", model: "Pixel 7", fNumber: 1.85, focalLength: 6.8 },
  { make: "Xiaomi", model: "2201116SG", fNumber: 1.9, focalLength: 5.6 },
]);

/**
 * @typedef {object} CaptureMetadata what the camera recorded, kept in the truth so an editor can rewrite it
 * @property {string} make
 * @property {string} model
 * @property {string} dateTime "YYYY:MM:DD HH:MM:SS"
 * @property {number} exposureDenominator
 * @property {number} fNumber
 * @property {number} iso
 * @property {number} focalLength
 * @property {{ latitude: number, longitude: number } | null} gps
 */

/**
 * A 160×120 baseline JPEG of an RGB image, as cameras store in IFD1.
 * @param {Uint8Array} rgb @param {number} width @param {number} height
 * @returns {Promise<Uint8Array>}
 * @example
 * const thumbnail = await thumbnailJpeg(pixels, 2000, 1500);
 */
export async function thumbnailJpeg(rgb, width, height) {
  const small = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(160, 120, { fit: "fill" }).raw().toBuffer();
  const tables = ijgTables(75);
  return encodeJpeg({ width: 160, height: 120, channels: 3, data: new Uint8Array(small.buffer, small.byteOffset, small.length) }, { ...tables, subsampling: "4:2:0" });
}

/**
 * The Exif APP1 for a capture, optionally with an editor's Software tag.
 * @param {CaptureMetadata} meta
 * @param {{ width: number, height: number, thumbnail: Uint8Array, software?: string }} image
 * @example
 * exifSegment(truth.exif, { width: 2000, height: 1500, thumbnail });
 */
export function exifSegment(meta, image) {
  return buildExifSegment({
    make: meta.make,
    model: meta.model,
    dateTime: meta.dateTime,
    width: image.width,
    height: image.height,
    software: image.software,
    exposureDenominator: meta.exposureDenominator,
    fNumber: meta.fNumber,
    iso: meta.iso,
    focalLength: meta.focalLength,
    gps: meta.gps ?? undefined,
    thumbnail: image.thumbnail,
  });
}
