/**
 * The test-mode sandbox: verifications created with an `ekyc_test_…` key run no model. The applicant's last
 * name picks the outcome, so integrations can exercise every branch deterministically:
 *   VERIFIED → verified · REJECTED → not_verified · REVIEW → manual_review · ERROR → error · anything else → verified.
 */
import type { Finding, Layer } from "./types";
import { timed } from "./types";

export type SandboxOutcome = "verified" | "not_verified" | "manual_review" | "error";

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
