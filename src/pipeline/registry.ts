/**
 * The layer registry: which layers a live verification runs, in order. Engines and ports that need bindings
 * (the face models in R2, the tenant's earlier applicants in D1) are built by the caller and passed in, so
 * every layer stays a pure function of its inputs.
 */
import type { ChallengeStep } from "../face/challenge";
import type { FaceEngine } from "../face/engine";
import { Analyses, biometricLayers } from "./layers/biometrics";
import type { Gallery } from "./layers/biometrics";
import { copyMoveLayer } from "./layers/copy-move";
import type { PortraitLocator } from "./layers/copy-move";
import { documentDuplicatesLayer } from "./layers/document-duplicates";
import { elaLayer } from "./layers/ela";
import { exifLayer } from "./layers/exif";
import { intakeLayer } from "./layers/intake";
import { JpegEvidence, jpegLayer } from "./layers/jpeg";
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

export const LIVE_LAYER_NAMES = ["intake", "exif", "jpeg", "ela", "copy_move", "face", "liveness", "duplicates", "document_duplicates"] as const;

export interface LivePipeline {
  layers: Layer[];
  /** The face engine's per-run analyses (null without an engine): the selfie embedding is stored from it. */
  analyses: Analyses | null;
  /** The document image's perceptual hash once the run is over (stored for later duplicate searches). */
  documentHash: () => string | null;
}

export function livePipeline(deps: LayerDeps, run: RunContext): LivePipeline {
  const analyses = deps.engine ? new Analyses(deps.engine, run.images) : null;
  // The forensic layers look at the portrait where the face engine found it on the document (shared analysis).
  const portrait: PortraitLocator | undefined = analyses ? async (media) => (await analyses.of(media))?.faces[0]?.box ?? null : undefined;
  const jpeg = new JpegEvidence();
  const documentDuplicates = documentDuplicatesLayer(run.gallery);
  const forensics = [exifLayer, jpegLayer(jpeg), elaLayer(jpeg, portrait), copyMoveLayer(portrait)];
  const biometrics = deps.engine && analyses ? biometricLayers({ engine: deps.engine, gallery: run.gallery, challenge: run.challenge }, analyses) : [];
  return { layers: [intakeLayer, ...forensics, ...biometrics, documentDuplicates], analyses, documentHash: documentDuplicates.hash };
}
