/**
 * The closed vocabularies of the pipeline: layer names, finding codes and decision reason codes. Each is a
 * `const` list (so zod can check it where it enters, e.g. settings) and a TypeScript union (so a typo is a
 * compile error). Adding a code means adding it here, with a line in README.md's table of codes.
 */

/** Every layer a verification can run, in pipeline order; `sandbox` is the test-mode stand-in. */
export const LAYER_NAMES = ["intake", "exif", "jpeg", "ela", "copy_move", "face", "liveness", "mrz", "vision", "duplicates", "document_duplicates", "registry", "geo", "sandbox"] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Codes a finding can carry. Findings with severity `warning` or `critical` become reason codes of the decision. */
export const FINDING_CODES = [
  // intake
  "IMAGE_UNREADABLE",
  "LOW_RESOLUTION",
  "TOO_DARK",
  "OVEREXPOSED",
  "BLURRY",
  "IMAGES_OK",
  "IMAGE_MEASURES",
  // face
  "INPUT_MISSING",
  "NO_FACE",
  "MULTIPLE_FACES",
  "LOW_QUALITY",
  "FACE_MISMATCH",
  "FACE_MATCH",
  // liveness
  "SPOOF_SUSPECTED",
  "LIVENESS_PASSED",
  "LIVENESS_NOT_RUN",
  "CHALLENGE_FAILED",
  "CHALLENGE_PASSED",
  "FRAMES_IDENTICAL",
  "FRAMES_IDENTITY_MISMATCH",
  // duplicates
  "DUPLICATE_FACE",
  "DUPLICATE_DOCUMENT",
  "RETURNING_APPLICANT",
  "NO_DUPLICATE_FACE",
  "FACE_SEARCH_SKIPPED",
  // exif (the document photo's metadata)
  "EXIF_EDITED",
  "EXIF_DATE_MISMATCH",
  "EXIF_THUMBNAIL_MISMATCH",
  "EXIF_MISSING",
  "EXIF_CONSISTENT",
  // jpeg (the file's structure and compression history)
  "JPEG_DOUBLE_COMPRESSED",
  "JPEG_EDITOR_TABLES",
  "JPEG_STRUCTURE_ANOMALY",
  "JPEG_MEASURES",
  "NOT_A_JPEG",
  // ela, copy_move (pixels: error levels, clones, the portrait's boundary)
  "DOC_TAMPER_SUSPECTED",
  "ELA_MEASURES",
  "NO_CLONE_FOUND",
  "PORTRAIT_BOUNDARY_CONSISTENT",
  // document_duplicates (the same document image seen before)
  "DUPLICATE_DOCUMENT_IMAGE",
  "NO_DUPLICATE_DOCUMENT_IMAGE",
  // mrz (the machine-readable zone read from the image and the client-sent lines: ICAO 9303 check digits, declared data)
  "MRZ_CHECKSUM_FAILED",
  "MRZ_MISMATCH",
  "MRZ_UNREADABLE",
  "MRZ_VALID",
  "DOCUMENT_EXPIRED",
  "UNDERAGE",
  // vision (a Workers AI vision model reading the printed fields)
  "VISION_FIELD_MISMATCH",
  "DOC_TYPE_MISMATCH",
  "DOC_SCREEN_OR_COPY",
  "VISION_CONSISTENT",
  "VISION_UNAVAILABLE",
  // registry (the tenant's own register of issued documents)
  "REGISTRY_MATCH",
  "REGISTRY_MISMATCH",
  "REGISTRY_REVOKED",
  "REGISTRY_NOT_FOUND",
  // geo (the applicant's network) and velocity
  "GEO_MISMATCH",
  "ANONYMOUS_NETWORK",
  "VELOCITY_HIGH",
  "GEO_CONSISTENT",
  "NETWORK_UNKNOWN",
  // test mode
  "SANDBOX_VERIFIED",
  "SANDBOX_REJECTED",
  "SANDBOX_REVIEW",
  "SANDBOX_ERROR",
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** Codes the decision itself adds, beside the findings' codes. */
export const DECISION_CODES = ["NO_LAYER_RAN", "RISK_SCORE_HIGH", "RISK_SCORE_ELEVATED", "PROCESSING_FAILED"] as const;

/** Every code that can appear in a verification's `reasons`. */
export const REASON_CODES = [...FINDING_CODES, ...DECISION_CODES] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * Why a reviewer asked for new images (`request_resubmission`): the tenant shows its applicant what to redo, so the
 * list is closed and each code says what went wrong with the images, never with the person.
 *   DOCUMENT_UNREADABLE: the document photo is blurred, dark, cut off or glared; DOCUMENT_EXPIRED: the document shown
 *   has expired, another one is needed; SELFIE_UNUSABLE: no clear single face in the selfie; DOCUMENT_MISMATCH: the
 *   document shown is not the one declared (type, country); OTHER: anything else (the reason text says what).
 */
export const RESUBMISSION_REASONS = ["DOCUMENT_UNREADABLE", "DOCUMENT_EXPIRED", "SELFIE_UNUSABLE", "DOCUMENT_MISMATCH", "OTHER"] as const;
export type ResubmissionReason = (typeof RESUBMISSION_REASONS)[number];

/** Why a transition happened, as stored in its history row: a reason code, a review/settings marker, or why new images were asked for. */
export const REVIEW_REASONS = ["REVIEW_APPROVE", "REVIEW_REJECT", "SETTINGS_CHANGED"] as const;
export type TransitionReason = ReasonCode | (typeof REVIEW_REASONS)[number] | ResubmissionReason;

export const isReasonCode = (code: string): code is ReasonCode => (REASON_CODES as readonly string[]).includes(code);
