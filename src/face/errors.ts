/** The face engine's one error class; `code` is a closed list the API maps to statuses. */

export type FaceEngineErrorCode =
  /** The bytes are not an image photon can decode (→ 4xx). */
  | "IMAGE_UNDECODABLE"
  /** The image decodes but is too small or too large to analyse (→ 4xx). */
  | "IMAGE_DIMENSIONS"
  /**
   * The bytes are a well-formed image (type, header and end all check out) that our decoder still failed on —
   * most likely out of memory: our fault, never the applicant's (→ 5xx / retry).
   */
  | "DECODE_FAILED"
  /** A model file could not be loaded or initialised (→ 5xx / retry). */
  | "MODEL_UNAVAILABLE"
  /** A model ran but returned something unexpected (→ 5xx). */
  | "INFERENCE_FAILED";

export class FaceEngineError extends Error {
  override readonly name = "FaceEngineError";
  constructor(
    readonly code: FaceEngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a {@link FaceEngineError} (also across bundles, where `instanceof` may fail). */
export function isFaceEngineError(e: unknown): e is FaceEngineError {
  return e instanceof FaceEngineError || (typeof e === "object" && e !== null && (e as { name?: unknown }).name === "FaceEngineError");
}
