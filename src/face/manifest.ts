/**
 * The model manifests (models/*.json) as typed constants: file names, hashes and the calibrated
 * thresholds. Bundled into the Worker at build time, so thresholds travel with the code that
 * was calibrated against them.
 */
import detect from "../../models/fr_detect.json";
import feature from "../../models/fr_feature.json";
import landmark from "../../models/fr_landmark.json";
import liveness from "../../models/fr_liveness.json";

export type ModelKey = "detector" | "landmarks" | "embedding" | "liveness";

interface Threshold {
  value: number;
  far?: number;
  meaning?: string;
}
export interface ModelManifest {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  thresholds: Record<string, Threshold | undefined>;
}

export const MANIFESTS: Record<ModelKey, ModelManifest> = {
  detector: detect as ModelManifest,
  landmarks: landmark as ModelManifest,
  embedding: feature as ModelManifest,
  liveness: liveness as ModelManifest,
};

export const MODEL_FILES: Record<ModelKey, string> = {
  detector: detect.file,
  landmarks: landmark.file,
  embedding: feature.file,
  liveness: liveness.file,
};

function threshold(m: ModelManifest, name: string): Threshold {
  const t = m.thresholds[name];
  if (!t || typeof t.value !== "number") throw new Error(`models/${m.id}.json has no '${name}' threshold`);
  return t;
}

/** Calibrated decision thresholds (see models/README.md for how they were chosen). */
export const thresholds = {
  /** Cosine similarity at or above which two faces are the same person. */
  match: threshold(MANIFESTS.embedding, "match").value,
  /** False-accept rate the match threshold targets on the development set. */
  matchFar: threshold(MANIFESTS.embedding, "match").far ?? Number.NaN,
  /** A stricter similarity for "certainly the same person" (1:N duplicates). */
  duplicate: threshold(MANIFESTS.embedding, "duplicate").value,
  /** Liveness score below which a selfie is flagged as a suspected spoof. */
  liveness: threshold(MANIFESTS.liveness, "live").value,
  /** Detector face probability. */
  detectorScore: threshold(MANIFESTS.detector, "score").value,
} as const;
