/**
 * Single-person "photos" cut from face-api's group demo photos with photon, inside workerd: a document
 * portrait and a selfie of the same woman (sample1 and sample3), and a portrait of someone else (sample5).
 * Each crop holds one face with generous margins, as an ID photo or a selfie would.
 */
import { PhotonImage, crop } from "@cf-wasm/photon";
import { sample1, sample3, sample5 } from "../face/fixtures";

function cut(bytes: Uint8Array, x1: number, y1: number, x2: number, y2: number, quality = 90): Uint8Array {
  const img = PhotonImage.new_from_byteslice(bytes);
  try {
    const part = crop(img, x1, y1, x2, y2);
    try {
      return part.get_bytes_jpeg(quality);
    } finally {
      part.free();
    }
  } finally {
    img.free();
  }
}

/** The woman of sample1 (face box ≈ x 1459, y 223, 232×219). */
export const documentPortrait = () => cut(sample1(), 1330, 60, 1830, 640);
/** The same woman in sample3 (face box ≈ x 1056, y 218, 249×307). */
export const selfiePortrait = () => cut(sample3(), 900, 40, 1450, 700);
/** The same selfie re-encoded at another quality: other bytes, same person. */
export const selfiePortraitAgain = () => cut(sample3(), 905, 45, 1445, 695, 80);
/** Someone else: the dominant face of sample5 (≈ x 369). */
export const otherPortrait = () => cut(sample5(), 180, 0, 760, 660);
