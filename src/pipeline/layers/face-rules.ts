/**
 * The pipeline's `face` and `liveness` layers as pure functions over engine results
 * ({@link FaceAnalysis}); the caller runs the engine. Scores are **risk** 0–100 as in
 * src/pipeline/types.ts: 0 = nothing wrong seen, 100 = certain problem.
 *
 * "Exactly one dominant face": a second face counts only when it is at least
 * `competingRatio` as dominant (area × score × quality) as the first and of usable quality, so
 * the small ghost portrait on an ID card or a blurred face in the background is not a problem.
 */
import type { Finding, LayerResult, LayerStatus } from "../types";
import { type ChallengeStep, checkChallenge } from "../../face/challenge";
import { cosineSimilarity } from "../../face/embedding";
import { type AnalyzedFace, type FaceAnalysis, dominance } from "../../face/engine";
import { thresholds } from "../../face/manifest";

export interface FaceLayerOptions {
  /** Cosine similarity for a match (default: the calibrated `thresholds.match`). */
  threshold?: number;
  /** Dominant-face quality below which LOW_QUALITY is reported (default 0.4). */
  minQuality?: number;
  /** A second face at least this fraction as dominant as the first is a competitor (default 0.5). */
  competingRatio?: number;
}

const DEFAULTS = { minQuality: 0.4, competingRatio: 0.5 } as const;

type Image = "document" | "selfie";

/** Faces that compete with faces[0] for being "the" face of the image. */
export function competingFaces(analysis: FaceAnalysis, options: FaceLayerOptions = {}): AnalyzedFace[] {
  const [first, ...rest] = analysis.faces;
  if (!first) return [];
  const ratio = options.competingRatio ?? DEFAULTS.competingRatio;
  const minQuality = options.minQuality ?? DEFAULTS.minQuality;
  const d0 = dominance(first);
  return rest.filter((f) => dominance(f) >= ratio * d0 && f.quality.score >= minQuality);
}

function faceChecks(image: Image, analysis: FaceAnalysis, options: FaceLayerOptions, findings: Finding[]): AnalyzedFace | null {
  const face = analysis.faces[0];
  if (!face) {
    findings.push({ code: "NO_FACE", severity: "critical", message: `No face was found in the ${image}.`, data: { image } });
    return null;
  }
  const competitors = competingFaces(analysis, options);
  if (competitors.length > 0) {
    findings.push({
      code: "MULTIPLE_FACES",
      severity: "warning",
      message: `The ${image} shows ${competitors.length + 1} faces of similar prominence; the most prominent one was used.`,
      data: { image, faces: competitors.length + 1, boxes: [face, ...competitors].map((f) => roundBox(f.box)) },
    });
  }
  const minQuality = options.minQuality ?? DEFAULTS.minQuality;
  if (face.quality.score < minQuality) {
    const { score, size, sharpness, frontal, exposure, detector } = face.quality;
    findings.push({
      code: "LOW_QUALITY",
      severity: "warning",
      message: `The face in the ${image} is of low quality (${score.toFixed(2)} < ${minQuality}).`,
      data: { image, quality: round({ score, size, sharpness, frontal, exposure, detector }) },
    });
  }
  return face;
}

/**
 * The `face` layer: one dominant face in the document and in the selfie, and a match between
 * them. `null` means the image was not provided (→ skipped).
 *
 * @example
 * faceMatchLayer({ document: await engine.analyze(doc), selfie: await engine.analyze(selfie) })
 */
export function faceMatchLayer(
  input: { document: FaceAnalysis | null; selfie: FaceAnalysis | null },
  options: FaceLayerOptions = {},
): LayerResult {
  const ms = sumMs(input.document) + sumMs(input.selfie);
  if (!input.document || !input.selfie) {
    const missing = !input.document ? "document" : "selfie";
    return {
      layer: "face",
      status: "skipped",
      score: 0,
      findings: [{ code: "INPUT_MISSING", severity: "info", message: `No ${missing} image to compare.`, data: { image: missing } }],
      ms,
    };
  }
  const threshold = options.threshold ?? thresholds.match;
  const findings: Finding[] = [];
  const doc = faceChecks("document", input.document, options, findings);
  const selfie = faceChecks("selfie", input.selfie, options, findings);
  if (!doc || !selfie) return { layer: "face", status: "failed", score: 100, findings, ms };
  if (!doc.embedding || !selfie.embedding) throw new Error("faceMatchLayer needs analyses made with { embed: true }");

  const similarity = cosineSimilarity(doc.embedding, selfie.embedding);
  const match = similarity >= threshold;
  const data = { similarity: round4(similarity), threshold, far: thresholds.matchFar };
  let score = matchRisk(similarity, threshold);
  if (!match) {
    findings.push({
      code: "FACE_MISMATCH",
      severity: "critical",
      message: `The selfie does not match the document photo (similarity ${similarity.toFixed(3)} < ${threshold}).`,
      data,
    });
  } else {
    findings.push({ code: "FACE_MATCH", severity: "info", message: `The selfie matches the document photo (similarity ${similarity.toFixed(3)}).`, data });
  }
  const warned = findings.some((f) => f.severity === "warning");
  if (warned) score = Math.max(score, 50);
  const status: LayerStatus = !match ? "failed" : warned ? "warning" : "passed";
  return { layer: "face", status, score, findings, ms };
}

/**
 * Risk from similarity: 0–30 above the threshold (0 at threshold + 0.3), 70–100 below it
 * (100 at similarity ≤ 0).
 */
export function matchRisk(similarity: number, threshold: number): number {
  if (similarity >= threshold) return Math.round(30 * (1 - Math.min(1, (similarity - threshold) / 0.3)));
  return Math.round(70 + 30 * Math.min(1, (threshold - similarity) / Math.max(threshold, 1e-6)));
}

export interface LivenessFrame {
  /** Engine result for the frame (with `embed: true`; `pixelHash: true` to catch re-encoded copies). */
  analysis: FaceAnalysis;
  /** sha256 of the uploaded bytes. */
  sha256?: string;
}

export interface LivenessLayerOptions {
  /** Passive-liveness score below which SPOOF_SUSPECTED is reported (default: calibrated `thresholds.liveness`). */
  threshold?: number;
  /** Identity threshold between frames (default `thresholds.match`). */
  matchThreshold?: number;
  /** The client sent mirrored (selfie-preview) frames. */
  mirrored?: boolean;
}

/**
 * The `liveness` layer: the passive model's score on the selfie; with frames, that they are not
 * copies of each other and show the same person as the selfie; with a challenge, that the frames
 * (capture order) show the requested head moves in order.
 *
 * What it does not claim: the passive score is one model's opinion on one image, not a certified
 * presentation-attack-detection result (no ISO 30107-3 evaluation); see models/fr_liveness.json.
 */
export function livenessLayer(
  input: { selfie: FaceAnalysis | null; frames?: readonly LivenessFrame[]; challenge?: { steps: readonly ChallengeStep[] } | null },
  options: LivenessLayerOptions = {},
): LayerResult {
  const frames = input.frames ?? [];
  const ms = sumMs(input.selfie) + frames.reduce((s, f) => s + sumMs(f.analysis), 0);
  if (!input.selfie) {
    return {
      layer: "liveness",
      status: "skipped",
      score: 0,
      findings: [{ code: "INPUT_MISSING", severity: "info", message: "No selfie to check." }],
      ms,
    };
  }
  const findings: Finding[] = [];
  let score = 0;
  const face = input.selfie.faces[0];
  const threshold = options.threshold ?? thresholds.liveness;
  if (!face) {
    findings.push({ code: "NO_FACE", severity: "critical", message: "No face was found in the selfie.", data: { image: "selfie" } });
    score = 100;
  } else if (!face.liveness) {
    findings.push({ code: "LIVENESS_NOT_RUN", severity: "info", message: "The passive liveness model was not run on the selfie." });
  } else {
    const live = face.liveness.score;
    score = Math.round(100 * (1 - live));
    const data = { score: round4(live), threshold };
    if (live < threshold) {
      findings.push({ code: "SPOOF_SUSPECTED", severity: "critical", message: `The selfie looks like a presentation attack (liveness ${live.toFixed(3)} < ${threshold}).`, data });
    } else {
      findings.push({ code: "LIVENESS_PASSED", severity: "info", message: `Passive liveness ${live.toFixed(3)} (≥ ${threshold}).`, data });
    }
  }

  if (frames.length > 0) score = Math.max(score, frameChecks(input.selfie, frames, options, findings));
  if (input.challenge && input.challenge.steps.length > 0) {
    const poses = frames.map((f) => f.analysis.faces[0]?.pose ?? null);
    const check = checkChallenge(input.challenge.steps, poses, options.mirrored);
    if (!check.passed) {
      findings.push({
        code: "CHALLENGE_FAILED",
        severity: "critical",
        message: `The frames do not show the requested head moves in order (${input.challenge.steps.join(", ")}).`,
        data: { steps: input.challenge.steps, matchedFrames: check.matchedFrames, poses: poses.map((p) => (p ? round(p) : null)) },
      });
      score = 100;
    } else {
      findings.push({ code: "CHALLENGE_PASSED", severity: "info", message: "The frames show the requested head moves.", data: { matchedFrames: check.matchedFrames } });
    }
  }
  const critical = findings.some((f) => f.severity === "critical");
  if (critical) score = Math.max(score, 90);
  return { layer: "liveness", status: critical ? "failed" : findings.some((f) => f.severity === "warning") ? "warning" : "passed", score, findings, ms };
}

function frameChecks(selfie: FaceAnalysis, frames: readonly LivenessFrame[], options: LivenessLayerOptions, findings: Finding[]): number {
  let risk = 0;
  const seenBytes = new Map<string, number>();
  const seenPixels = new Map<string, number>();
  const identical: [number, number][] = [];
  frames.forEach((f, i) => {
    const byBytes = f.sha256 !== undefined ? seenBytes.get(f.sha256) : undefined;
    const byPixels = f.analysis.pixelHash !== undefined ? seenPixels.get(f.analysis.pixelHash) : undefined;
    const same = byBytes ?? byPixels;
    if (same !== undefined) identical.push([same, i]);
    if (f.sha256 !== undefined && byBytes === undefined) seenBytes.set(f.sha256, i);
    if (f.analysis.pixelHash !== undefined && byPixels === undefined) seenPixels.set(f.analysis.pixelHash, i);
  });
  if (identical.length > 0) {
    findings.push({ code: "FRAMES_IDENTICAL", severity: "critical", message: "Some selfie frames are copies of each other (identical bytes or pixels).", data: { pairs: identical } });
    risk = 100;
  }
  const reference = selfie.faces[0]?.embedding ?? frames.find((f) => f.analysis.faces[0]?.embedding)?.analysis.faces[0]?.embedding;
  const threshold = options.matchThreshold ?? thresholds.match;
  const mismatched: { frame: number; similarity: number | null }[] = [];
  frames.forEach((f, i) => {
    const e = f.analysis.faces[0]?.embedding;
    if (!e || !reference) {
      mismatched.push({ frame: i, similarity: null });
      return;
    }
    const s = cosineSimilarity(reference, e);
    if (s < threshold) mismatched.push({ frame: i, similarity: round4(s) });
  });
  if (mismatched.length > 0) {
    findings.push({
      code: "FRAMES_IDENTITY_MISMATCH",
      severity: "critical",
      message: `${mismatched.length} of ${frames.length} frames do not show the selfie's person (or no face).`,
      data: { frames: mismatched, threshold },
    });
    risk = 100;
  }
  return risk;
}

const sumMs = (a: FaceAnalysis | null | undefined) =>
  a ? Math.round((a.ms.decode + a.ms.detect + a.ms.landmarks + a.ms.align + a.ms.embed + a.ms.liveness) * 100) / 100 : 0;
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
const round = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 100) / 100 : v])) as T;
const roundBox = (b: { x: number; y: number; width: number; height: number }) => round(b);
