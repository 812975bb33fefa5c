/**
 * The test-mode sandbox: verifications created with an `ekyc_test_…` key run no model. The applicant's last
 * name picks the outcome, so integrations can exercise every branch deterministically:
 *   VERIFIED → verified · REJECTED → not_verified · REVIEW → manual_review · ERROR → error · anything else → verified;
 *   a reason code from {@link SANDBOX_CODES} (e.g. `DOC_TAMPER_SUSPECTED`) → that finding, decided by the tenant's
 *   settings exactly as a live finding would be (with the defaults: review codes → manual_review, hard-fail codes →
 *   not_verified).
 */
import { decide } from "./decision";
import type { DecisionOutcome } from "./decision";
import type { FindingCode, LayerName } from "./codes";
import type { DecisionSettings } from "./settings";
import type { Finding, Layer, LayerResult, Severity } from "./types";
import { timed } from "./types";

export type SandboxOutcome = "verified" | "not_verified" | "manual_review" | "error";

/**
 * Every warning or critical finding a live layer can produce, with the layer that produces it and its severity:
 * a test-mode applicant whose last name is one of these codes gets that finding.
 */
export const SANDBOX_CODES = {
  IMAGE_UNREADABLE: { layer: "intake", severity: "critical" },
  LOW_RESOLUTION: { layer: "intake", severity: "warning" },
  TOO_DARK: { layer: "intake", severity: "warning" },
  OVEREXPOSED: { layer: "intake", severity: "warning" },
  BLURRY: { layer: "intake", severity: "warning" },
  EXIF_EDITED: { layer: "exif", severity: "warning" },
  EXIF_DATE_MISMATCH: { layer: "exif", severity: "warning" },
  EXIF_THUMBNAIL_MISMATCH: { layer: "exif", severity: "warning" },
  JPEG_DOUBLE_COMPRESSED: { layer: "jpeg", severity: "warning" },
  JPEG_EDITOR_TABLES: { layer: "jpeg", severity: "warning" },
  JPEG_STRUCTURE_ANOMALY: { layer: "jpeg", severity: "warning" },
  DOC_TAMPER_SUSPECTED: { layer: "ela", severity: "critical" },
  NO_FACE: { layer: "face", severity: "critical" },
  MULTIPLE_FACES: { layer: "face", severity: "warning" },
  LOW_QUALITY: { layer: "face", severity: "warning" },
  FACE_MISMATCH: { layer: "face", severity: "critical" },
  SPOOF_SUSPECTED: { layer: "liveness", severity: "critical" },
  CHALLENGE_FAILED: { layer: "liveness", severity: "critical" },
  FRAMES_IDENTICAL: { layer: "liveness", severity: "critical" },
  FRAMES_IDENTITY_MISMATCH: { layer: "liveness", severity: "critical" },
  DUPLICATE_FACE: { layer: "duplicates", severity: "critical" },
  DUPLICATE_DOCUMENT: { layer: "duplicates", severity: "critical" },
  DUPLICATE_DOCUMENT_IMAGE: { layer: "document_duplicates", severity: "critical" },
  MRZ_CHECKSUM_FAILED: { layer: "mrz", severity: "critical" },
  MRZ_MISMATCH: { layer: "mrz", severity: "critical" },
  MRZ_UNREADABLE: { layer: "mrz", severity: "warning" },
  DOCUMENT_EXPIRED: { layer: "mrz", severity: "critical" },
  UNDERAGE: { layer: "mrz", severity: "critical" },
  VISION_FIELD_MISMATCH: { layer: "vision", severity: "warning" },
  DOC_TYPE_MISMATCH: { layer: "vision", severity: "warning" },
  DOC_SCREEN_OR_COPY: { layer: "vision", severity: "warning" },
  REGISTRY_MISMATCH: { layer: "registry", severity: "critical" },
  REGISTRY_REVOKED: { layer: "registry", severity: "critical" },
  GEO_MISMATCH: { layer: "geo", severity: "warning" },
  ANONYMOUS_NETWORK: { layer: "geo", severity: "warning" },
  VELOCITY_HIGH: { layer: "geo", severity: "warning" },
} as const satisfies Partial<Record<FindingCode, { layer: LayerName; severity: Severity }>>;
export type SandboxCode = keyof typeof SANDBOX_CODES;

const forcedCode = (lastName: string): SandboxCode | null => {
  const name = lastName.trim().toUpperCase();
  return Object.hasOwn(SANDBOX_CODES, name) ? (name as SandboxCode) : null;
};

export function sandboxOutcome(lastName: string): SandboxOutcome {
  switch (lastName.trim().toUpperCase()) {
    case "REJECTED":
      return "not_verified";
    case "REVIEW":
      return "manual_review";
    case "ERROR":
      return "error";
    default:
      return "verified";
  }
}

export const sandboxLayer: Layer = {
  name: "sandbox",
  run: (inputs, ctx) =>
    timed("sandbox", ctx.clock, async () => {
      const code = forcedCode(inputs.declared.lastName);
      if (code) {
        const { layer, severity } = SANDBOX_CODES[code];
        const finding: Finding = { code, severity, message: `Test mode: forced finding ${code} (as the ${layer} layer reports it)`, data: { layer } };
        // A middle score: the tenant's hard-fail and review rules decide, as they would for the live finding.
        return { status: severity === "critical" ? "failed" : "warning", score: 50, findings: [finding] };
      }
      const outcome = sandboxOutcome(inputs.declared.lastName);
      const byOutcome: Record<SandboxOutcome, Finding[]> = {
        verified: [{ code: "SANDBOX_VERIFIED", severity: "info" as const, message: "Test mode: forced outcome verified" }],
        not_verified: [{ code: "SANDBOX_REJECTED", severity: "critical" as const, message: "Test mode: forced outcome not_verified" }],
        manual_review: [{ code: "SANDBOX_REVIEW", severity: "warning" as const, message: "Test mode: forced outcome manual_review" }],
        error: [{ code: "SANDBOX_ERROR", severity: "critical" as const, message: "Test mode: forced outcome error" }],
      };
      const findings = byOutcome[outcome];
      return { status: outcome === "verified" ? "passed" : outcome === "manual_review" ? "warning" : "failed", score: { verified: 0, manual_review: 50, not_verified: 100, error: 100 }[outcome], findings };
    }),
};

/**
 * The decision of a test-mode run: the forced outcome, or for a forced finding what the tenant's settings decide
 * for it (so integrators see their own hard-fail and review rules at work).
 */
export function sandboxDecision(lastName: string, results: LayerResult[], settings: DecisionSettings): Omit<DecisionOutcome, "decision"> & { decision: SandboxOutcome } {
  if (forcedCode(lastName)) return decide(results, settings);
  return { decision: sandboxOutcome(lastName), risk_score: results[0]?.score ?? 0, reasons: results.flatMap((r) => r.findings.map((f) => f.code)) };
}
