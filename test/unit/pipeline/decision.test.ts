import { describe, expect, it } from "vitest";
import { decide, riskContributions } from "../../../src/pipeline/decision";
import { DEFAULT_SETTINGS } from "../../../src/pipeline/settings";
import type { Finding, FindingCode, LayerName, LayerResult } from "../../../src/pipeline/types";

const layer = (name: LayerName, score: number, findings: Finding[] = [], status: LayerResult["status"] = "passed") => ({ layer: name, status, score, findings });
const warn = (code: FindingCode): Finding => ({ code, message: code, severity: "warning" });
const crit = (code: FindingCode): Finding => ({ code, message: code, severity: "critical" });

describe("decide", () => {
  it("weights layer risks and leaves skipped layers out", () => {
    const out = decide([layer("intake", 20), layer("face", 0), layer("vision", 100, [], "skipped")], DEFAULT_SETTINGS);
    // (1×20 + 4×0) / 5 = 4
    expect(out).toEqual({ decision: "verified", risk_score: 4, reasons: [] });
  });

  it("a hard-fail finding rejects whatever the total", () => {
    const out = decide([layer("intake", 0), layer("face", 80, [crit("FACE_MISMATCH")], "failed"), layer("liveness", 0), layer("duplicates", 0)], DEFAULT_SETTINGS);
    expect(out.decision).toBe("not_verified");
    expect(out.reasons[0]).toBe("FACE_MISMATCH");
  });

  it("a review finding sends a low-risk case to a reviewer", () => {
    const out = decide([layer("intake", 0), layer("duplicates", 85, [crit("DUPLICATE_FACE")], "failed"), layer("face", 0), layer("liveness", 0)], DEFAULT_SETTINGS);
    expect(out.decision).toBe("manual_review");
    expect(out.reasons).toEqual(["DUPLICATE_FACE"]);
  });

  it("thresholds split verified, review and rejected", () => {
    expect(decide([layer("intake", 30, [warn("BLURRY")])], DEFAULT_SETTINGS)).toMatchObject({ decision: "verified", reasons: ["BLURRY"] });
    expect(decide([layer("intake", 31)], DEFAULT_SETTINGS)).toMatchObject({ decision: "manual_review", reasons: ["RISK_SCORE_ELEVATED"] });
    expect(decide([layer("intake", 70)], DEFAULT_SETTINGS)).toMatchObject({ decision: "not_verified", reasons: ["RISK_SCORE_HIGH"] });
  });

  it("with no layer run there is nothing to trust: review", () => {
    expect(decide([layer("face", 0, [], "skipped")], DEFAULT_SETTINGS)).toMatchObject({ decision: "manual_review", reasons: ["NO_LAYER_RAN"] });
  });

  it("info findings explain but never decide", () => {
    const out = decide([layer("face", 0, [{ code: "FACE_MATCH", message: "", severity: "info" }])], { ...DEFAULT_SETTINGS, hard_fail_codes: ["FACE_MATCH"] });
    expect(out.decision).toBe("verified");
  });
});

describe("riskContributions", () => {
  it("splits the risk score into each counted layer's points, which add up to it", () => {
    const layers = [layer("intake", 20), layer("face", 10), layer("exif", 140), layer("duplicates", 85, [crit("DUPLICATE_FACE")], "failed"), layer("vision", 100, [], "skipped")];
    const parts = riskContributions(layers, DEFAULT_SETTINGS);
    // Weights 1 + 4 + 1 + 3 = 9; exif's 140 counts as 100, as in the decision; vision is skipped.
    expect(parts).toEqual([
      { layer: "intake", score: 20, weight: 1, points: 2.2 },
      { layer: "face", score: 10, weight: 4, points: 4.4 },
      { layer: "exif", score: 100, weight: 1, points: 11.1 },
      { layer: "duplicates", score: 85, weight: 3, points: 28.3 },
    ]);
    const total = decide(layers, DEFAULT_SETTINGS).risk_score;
    expect(Math.abs(parts.reduce((s, p) => s + p.points, 0) - total)).toBeLessThanOrEqual(0.2);
  });

  it("follows the settings it is given, and is empty when no layer counted", () => {
    const parts = riskContributions([layer("face", 50), layer("exif", 50)], { ...DEFAULT_SETTINGS, layer_weights: { ...DEFAULT_SETTINGS.layer_weights, exif: 0 } });
    expect(parts.map((p) => p.points)).toEqual([50, 0]);
    expect(riskContributions([layer("face", 50, [], "skipped")], DEFAULT_SETTINGS)).toEqual([]);
  });
});
