/**
 * The layer registry: which layers a live verification runs, in order. Engines and ports that need bindings
 * (the face models in R2, the tenant's earlier applicants in D1) are built by the caller and passed in, so
 * every layer stays a pure function of its inputs.
 */
import type { ChallengeStep } from "../face/challenge";
import type { FaceEngine } from "../face/engine";
import { Analyses, biometricLayers } from "./layers/biometrics";
import type { Gallery } from "./layers/biometrics";
import { intakeLayer } from "./layers/intake";
import type { DecodedImages } from "./images";
import type { Layer } from "./types";

/** Long-lived dependencies (per isolate or per batch). */
export interface LayerDeps {
  /** The face engine; without it the biometric layers are not registered (model-free runs). */
  engine?: FaceEngine;
}

/** Per-verification context. */
export interface RunContext {
  gallery: Gallery;
  /** The run's decode-once memo (the same one the layer context carries). */
  images: DecodedImages;
  challenge: { steps: ChallengeStep[]; mirrored: boolean } | null;
}

export const LIVE_LAYER_NAMES = ["intake", "face", "liveness", "duplicates"] as const;

export function livePipeline(deps: LayerDeps, run: RunContext): { layers: Layer[]; analyses: Analyses | null } {
  if (!deps.engine) return { layers: [intakeLayer], analyses: null };
  const analyses = new Analyses(deps.engine, run.images);
  return { layers: [intakeLayer, ...biometricLayers({ engine: deps.engine, gallery: run.gallery, challenge: run.challenge }, analyses)], analyses };
}
