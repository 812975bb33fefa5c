/**
 * EXIF orientation (1–8) of an image, read with exifreader, so faces are analysed upright (photon decodes
 * pixels as stored and ignores EXIF; phone cameras often store portraits sideways with orientation 6 or 8).
 * Anything missing or unreadable → 1 (as stored).
 */
import ExifReader from "exifreader";
import { metadataHead } from "../imaging/exif";
import { xmpDomParser } from "../imaging/xml";

export function imageOrientation(bytes: Uint8Array): number {
  try {
    // The XML parser is passed so an XMP packet is parsed instead of warned about (workerd has no DOMParser).
    // Only the segments before the first scan are read (a view: the multi-megabyte upload is not copied).
    const head = metadataHead(bytes);
    const tags = ExifReader.loadView(new DataView(head.buffer, head.byteOffset, head.byteLength), { domParser: xmpDomParser });
    const value = tags.Orientation?.value;
    return typeof value === "number" && value >= 1 && value <= 8 ? value : 1;
  } catch {
    return 1;
  }
}
