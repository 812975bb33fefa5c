/**
 * Reading and checking uploaded images, shared by every route that takes one: an early refusal on the declared
 * length, multipart parsing that turns a malformed body into a 400, file parts (missing, repeated or text → 400),
 * and the image check (size 413, type by magic bytes 415, header dimensions and completeness 422). Nothing here
 * stores anything; a request that fails a check leaves no trace.
 */
import type { HonoRequest } from "hono";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { sniffImage } from "./sniff";
import type { ImageType } from "./sniff";

/**
 * Largest image accepted, in pixels (4096 × 4096). photon decodes the whole image into its WebAssembly memory
 * before shrinking it, and a Worker has 128 MB: 16.7 MP is 64 MB of RGBA, a 40 MP image would be 160 MB.
 * Phone cameras write 12 MP by default; larger uploads are refused from their header, before any decoding.
 */
export const MAX_PIXELS = 4096 * 4096;
/** Multipart framing on top of the images, for the early refusal on a declared Content-Length. */
const FRAMING_MARGIN = 64 * 1024;

export interface CheckedImage {
  bytes: Uint8Array;
  type: ImageType;
  width: number;
  height: number;
  sha256: string;
}

export function checkUploadSize(length: number, maxBytes: number) {
  if (length > maxBytes) {
    throw new ApiError("PAYLOAD_TOO_LARGE", `Images are limited to ${maxBytes} bytes`, { details: { max_bytes: maxBytes, bytes: length } });
  }
}

/** Refuses a body whose declared length already exceeds what the route accepts (`maxBody`), before reading it. */
export function refuseDeclaredLength(req: HonoRequest, maxBody: number, maxBytes: number) {
  const declared = Number(req.header("Content-Length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBody + FRAMING_MARGIN) checkUploadSize(declared, maxBytes);
}

export function isForm(req: HonoRequest): boolean {
  const type = (req.header("Content-Type") ?? "").toLowerCase();
  return type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded");
}

export async function readForm(req: HonoRequest): Promise<Record<string, unknown>> {
  try {
    return await req.parseBody({ all: true });
  } catch {
    throw new ApiError("VALIDATION_ERROR", "The multipart body is malformed");
  }
}

const fieldError = (field: string, problem: string, message: string) => new ApiError("VALIDATION_ERROR", message, { details: { fields: { [field]: [problem] } } });

/** The bytes of the file parts called `name` (none when absent); more than `max`, or a text part, is a 400. */
export async function fileParts(form: Record<string, unknown>, name: string, maxBytes: number, max = 1): Promise<Uint8Array[]> {
  const value = form[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (list.length > max) {
    throw fieldError(name, "repeated", max === 1 ? `Only one \`${name}\` part is accepted` : `At most ${max} \`${name}\` parts are accepted`);
  }
  const out: Uint8Array[] = [];
  for (const item of list) {
    if (!(item instanceof Blob)) throw fieldError(name, "must be a file", `The \`${name}\` part must be a file`);
    checkUploadSize(item.size, maxBytes);
    out.push(new Uint8Array(await item.arrayBuffer()));
  }
  return out;
}

/** The bytes of exactly one file part called `name`; missing is a 400 naming it. */
export async function requiredFilePart(form: Record<string, unknown>, name: string, maxBytes: number): Promise<Uint8Array> {
  const [bytes] = await fileParts(form, name, maxBytes);
  if (!bytes) throw fieldError(name, "required", `A \`${name}\` part with the image is required`);
  return bytes;
}

/** Validates an upload; throws the right 4xx and stores nothing. */
export async function checkImage(bytes: Uint8Array, maxBytes: number, field = "file"): Promise<CheckedImage> {
  checkUploadSize(bytes.byteLength, maxBytes);
  const sniff = sniffImage(bytes);
  if (!sniff.ok) {
    if (sniff.reason === "UNSUPPORTED_TYPE") {
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE", sniff.message, { details: { field, accepted: ["image/jpeg", "image/png", "image/webp"] } });
    }
    throw new ApiError("IMAGE_INVALID", sniff.message, { details: { field, reason: sniff.reason } });
  }
  if (sniff.width * sniff.height > MAX_PIXELS) {
    throw new ApiError("IMAGE_INVALID", `The image is ${sniff.width}×${sniff.height}; at most ${(MAX_PIXELS / 1e6).toFixed(1)} megapixels are accepted`, {
      details: { field, reason: "TOO_MANY_PIXELS", width: sniff.width, height: sniff.height, max_pixels: MAX_PIXELS },
    });
  }
  return { bytes, type: sniff.type, width: sniff.width, height: sniff.height, sha256: await sha256Hex(bytes) };
}
