/**
 * Intake layer: every uploaded image must decode, be large enough, and be neither too dark, too bright nor
 * too blurred to judge. Needs no model. Risk: 100 when an image cannot be read at all; otherwise 20 per
 * quality warning (capped at 60), so poor captures lean to review without rejecting on their own.
 */
import type { Finding, FindingCode, Layer } from "../types";
import { timed } from "../types";
import { measureQuality } from "./image-quality";

export const INTAKE_LIMITS = {
  minSide: 300,
  minBrightness: 40,
  maxBrightness: 220,
  maxClipped: 0.35,
  /** Variance of the Laplacian on the ≤512 px grayscale; sharp phone photos score in the hundreds. */
  minSharpness: 25,
};

export const intakeLayer: Layer = {
  name: "intake",
  run: (inputs, ctx) =>
    timed("intake", ctx.clock, async () => {
      const findings: Finding[] = [];
      const measures: Record<string, unknown> = {};
      let unreadable = false;
      // One image at a time, so the memo never needs more than one decoded image for intake.
      for (const [index, m] of inputs.media.entries()) {
        const label = m.kind === "selfie_frame" ? `selfie_frame[${index}]` : m.kind;
        const measured = await ctx.images.use(m, (decoded) =>
          decoded ? { img: { width: decoded.sourceWidth, height: decoded.sourceHeight }, q: measureQuality(decoded.image) } : null,
        );
        if (!measured) {
          unreadable = true;
          findings.push({ code: "IMAGE_UNREADABLE", severity: "critical", message: `The ${label} image cannot be decoded`, data: { media: label } });
          continue;
        }
        const { img, q } = measured;
        measures[label] = { width: img.width, height: img.height, brightness: round(q.brightness), clipped: round(q.clipped, 3), sharpness: round(q.sharpness) };
        const warn = (code: FindingCode, message: string) => findings.push({ code, severity: "warning", message, data: { media: label } });
        if (Math.min(img.width, img.height) < INTAKE_LIMITS.minSide) warn("LOW_RESOLUTION", `The ${label} image is ${img.width}×${img.height}; at least ${INTAKE_LIMITS.minSide} px per side is needed`);
        if (q.brightness < INTAKE_LIMITS.minBrightness) warn("TOO_DARK", `The ${label} image is too dark`);
        if (q.brightness > INTAKE_LIMITS.maxBrightness || q.clipped > INTAKE_LIMITS.maxClipped) warn("OVEREXPOSED", `The ${label} image is overexposed`);
        if (q.sharpness < INTAKE_LIMITS.minSharpness) warn("BLURRY", `The ${label} image is blurred`);
      }
      const warnings = findings.filter((f) => f.severity === "warning").length;
      if (findings.length === 0) findings.push({ code: "IMAGES_OK", severity: "info", message: "Every image decodes and is usable", data: measures });
      else findings.push({ code: "IMAGE_MEASURES", severity: "info", message: "Measured image quality", data: measures });
      return {
        status: unreadable ? "failed" : warnings ? "warning" : "passed",
        score: unreadable ? 100 : Math.min(60, warnings * 20),
        findings,
      };
    }),
};

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
