/**
 * The decision: a weighted mean of the layers' risk scores (skipped layers left out), then the tenant's
 * thresholds, with hard rules on top (a hard-fail finding rejects, a review finding sends to a reviewer).
 * Pure, so `redecide` can recompute it from stored layer results under new settings.
 */
import type { DecisionSettings } from "./settings";
import type { LayerResult } from "./types";

export type Decision = "verified" | "not_verified" | "manual_review";

export interface DecisionOutcome {
  decision: Decision;
  risk_score: number;
  /** Machine-readable reason codes, most important first. */
  reasons: string[];
}

export function decide(layers: Pick<LayerResult, "layer" | "status" | "score" | "findings">[], settings: DecisionSettings): DecisionOutcome {
  let weighted = 0;
  let weights = 0;
  for (const l of layers) {
    if (l.status === "skipped") continue;
    const w = settings.layer_weights[l.layer] ?? 1;
    weighted += w * Math.min(100, Math.max(0, l.score));
    weights += w;
  }
  const risk = weights > 0 ? Math.round((weighted / weights) * 10) / 10 : 100;
  const codes = layers.flatMap((l) => l.findings.filter((f) => f.severity !== "info").map((f) => f.code));
  const unique = [...new Set(codes)];
  const hard = unique.filter((c) => settings.hard_fail_codes.includes(c));
  const review = unique.filter((c) => settings.review_codes.includes(c));
  const rest = unique.filter((c) => !hard.includes(c) && !review.includes(c));

  if (weights === 0) return { decision: "manual_review", risk_score: risk, reasons: ["NO_LAYER_RAN", ...unique] };
  if (hard.length) return { decision: "not_verified", risk_score: risk, reasons: [...hard, ...review, ...rest] };
  if (risk >= settings.thresholds.reject_min) return { decision: "not_verified", risk_score: risk, reasons: ["RISK_SCORE_HIGH", ...review, ...rest] };
  if (review.length) return { decision: "manual_review", risk_score: risk, reasons: [...review, ...rest] };
  if (risk > settings.thresholds.verified_max) return { decision: "manual_review", risk_score: risk, reasons: ["RISK_SCORE_ELEVATED", ...rest] };
  return { decision: "verified", risk_score: risk, reasons: rest };
}

export interface RiskContribution {
  layer: string;
  /** The layer's own risk, 0–100 (clamped as the decision clamps it). */
  score: number;
  weight: number;
  /** Points of the total this layer adds: weight × score / the sum of the counted layers' weights. */
  points: number;
}

/**
 * How each counted layer adds to the risk score under `settings` (skipped layers are left out, as `decide` leaves
 * them out); the points add up to the decision's risk score up to rounding.
 *
 * @example
 * riskContributions([{ layer: "face", status: "passed", score: 10 }, { layer: "exif", status: "passed", score: 40 }], settings);
 * // face weighs 4, exif 1: [{ layer: "face", score: 10, weight: 4, points: 8 }, { layer: "exif", score: 40, weight: 1, points: 8 }]
 */
export function riskContributions(layers: Pick<LayerResult, "layer" | "status" | "score">[], settings: DecisionSettings): RiskContribution[] {
  const counted = layers.filter((l) => l.status !== "skipped").map((l) => ({ layer: l.layer, score: Math.min(100, Math.max(0, l.score)), weight: settings.layer_weights[l.layer] ?? 1 }));
  const weights = counted.reduce((sum, l) => sum + l.weight, 0);
  return counted.map((l) => ({ ...l, points: weights > 0 ? Math.round(((l.weight * l.score) / weights) * 10) / 10 : 0 }));
}
