/**
 * Per-tenant decision settings, with documented defaults. Stored as JSON in tenant_settings with a version;
 * the version used is stored with every decision so a decision can always be explained later.
 */
import { z } from "zod";
import { LAYER_NAMES, REASON_CODES } from "./codes";

/** Workers AI models the vision layer knows how to ask (src/adapters/ai/workers-ai-vision.ts). */
export const VISION_MODELS = ["@cf/google/gemma-4-26b-a4b-it", "@cf/meta/llama-4-scout-17b-16e-instruct", "@cf/google/gemma-3-12b-it", "@cf/meta/llama-3.2-11b-vision-instruct"] as const;

export const DecisionSettingsSchema = z.object({
  /** Relative weight of each layer's risk score in the total (layers not listed weigh 1; skipped layers are left out). */
  layer_weights: z.partialRecord(z.enum(LAYER_NAMES), z.number().min(0).max(100)),
  thresholds: z
    .object({
      /** Total risk at or below this → `verified`. */
      verified_max: z.number().min(0).max(100),
      /** Total risk at or above this → `not_verified`; in between → `manual_review`. */
      reject_min: z.number().min(0).max(100),
    })
    .refine((t) => t.verified_max < t.reject_min, "verified_max must be below reject_min"),
  /** A finding with one of these codes decides `not_verified` whatever the total. */
  hard_fail_codes: z.array(z.enum(REASON_CODES)),
  /** A finding with one of these codes sends the case to a reviewer whatever the total. */
  review_codes: z.array(z.enum(REASON_CODES)),
  /** Raw media, evidence files and face embeddings are deleted this many days after they were stored (decisions stay). */
  retention_days: z.number().int().min(1).max(3650),
  /** Verifications never submitted are erased this many days after creation. */
  abandoned_after_days: z.number().int().min(1).max(365),
  /** Applicants younger than this (birth date from the MRZ when its check digit holds, else declared) → UNDERAGE; null = no check. */
  minimum_age: z.number().int().min(1).max(125).nullable(),
  /** The Workers AI model the `vision` layer asks to read the printed fields (one of VISION_MODELS). */
  vision_model: z.enum(VISION_MODELS),
  /** VELOCITY_HIGH when as many verifications were created before this one within the window. */
  velocity: z.object({
    /** By the same API key in the last hour. */
    key_per_hour: z.number().int().min(1).max(1_000_000),
    /** By the whole tenant (same mode) in the last hour. */
    tenant_per_hour: z.number().int().min(1).max(10_000_000),
    /** With the same document number in the last 24 hours. */
    document_per_day: z.number().int().min(1).max(1000),
  }),
  /**
   * Seconds between webhook delivery attempts after the first (one entry per retry, each ±10% jitter); null = the
   * Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), shortened in development.
   */
  webhook_retry_schedule_seconds: z.array(z.number().int().min(1).max(86_400)).min(1).max(15).nullable(),
});

export type DecisionSettings = z.infer<typeof DecisionSettingsSchema>;

/**
 * The defaults, and why (README.md, "Reason codes", says the same per code):
 * - Document forensics never reject on their own: published pixel detectors miss about half of forged IDs and a
 *   false alarm costs a tenant a genuine customer, so a localised tamper region, a clone, a substituted portrait, an
 *   editor's name or tables in the file, an embedded thumbnail of another picture and a document image seen under
 *   another name send the case to a reviewer (who sees the heatmap); double compression and date disagreements only
 *   add risk (messengers and gallery apps re-save photos legitimately).
 * - Reading the document: a check digit that fails or an MRZ that disagrees with the declared data or the printed
 *   fields goes to a reviewer, not to a rejection — OCR and vision models misread, and an applicant rejected for our
 *   misreading is our failure; an expired document (expiry from a valid MRZ or declared), an applicant under the
 *   tenant's minimum age and a registry record that contradicts the document (or was revoked) reject. The network's
 *   country and anonymity only add risk (travellers, privacy tools); a burst of verifications goes to review.
 * - The face, liveness and duplicate layers weigh most; each forensic layer weighs 1–2, so a clean file does not
 *   dilute a doubtful face much.
 */
export const DEFAULT_SETTINGS: DecisionSettings = {
  layer_weights: { intake: 1, exif: 1, jpeg: 1, ela: 2, copy_move: 2, face: 4, liveness: 3, vision: 1, duplicates: 3, document_duplicates: 2, geo: 1, mrz: 2, registry: 2 },
  thresholds: { verified_max: 30, reject_min: 70 },
  hard_fail_codes: ["NO_FACE", "FACE_MISMATCH", "SPOOF_SUSPECTED", "IMAGE_UNREADABLE", "DOCUMENT_EXPIRED", "UNDERAGE", "REGISTRY_MISMATCH", "REGISTRY_REVOKED"],
  review_codes: [
    "MULTIPLE_FACES",
    "DUPLICATE_FACE",
    "DUPLICATE_DOCUMENT",
    "PROCESSING_FAILED",
    "CHALLENGE_FAILED",
    "DOC_TAMPER_SUSPECTED",
    "EXIF_EDITED",
    "EXIF_THUMBNAIL_MISMATCH",
    "JPEG_EDITOR_TABLES",
    "DUPLICATE_DOCUMENT_IMAGE",
    "MRZ_CHECKSUM_FAILED",
    "MRZ_MISMATCH",
    "VISION_FIELD_MISMATCH",
    "DOC_TYPE_MISMATCH",
    "DOC_SCREEN_OR_COPY",
    "VELOCITY_HIGH",
  ],
  retention_days: 30,
  abandoned_after_days: 7,
  minimum_age: 18,
  vision_model: "@cf/google/gemma-4-26b-a4b-it",
  velocity: { key_per_hour: 1000, tenant_per_hour: 10000, document_per_day: 10 },
  webhook_retry_schedule_seconds: null,
};
