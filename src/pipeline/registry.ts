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
import { geoLayer } from "./layers/geo";
import type { VelocityCounter } from "./layers/geo";
import { JpegEvidence, jpegLayer } from "./layers/jpeg";
import { MrzEvidence, mrzLayer } from "./layers/mrz";
import type { MrzImageReader } from "./layers/mrz";
import { registryLayer } from "./layers/registry";
import type { RegistryLookup } from "./layers/registry";
import { visionLayer } from "./layers/vision";
import type { MrzReader } from "../reading/ocr/reader";
import type { VisionModel } from "../reading/vision";
import type { DecodedImages } from "./images";
import type { DecisionSettings } from "./settings";
import type { Layer } from "./types";

/** Long-lived dependencies (per isolate or per batch). */
export interface LayerDeps {
  /** The face engine; without it the biometric layers are not registered (model-free runs). */
  engine?: FaceEngine;
  /** The MRZ OCR reader (PP-OCR models); without it only client-sent MRZ lines are checked. */
  mrzReader?: MrzReader;
  /** The vision model (Workers AI); without it the vision layer is skipped with the reason. */
  vision?: VisionModel | null;
}

/** Per-verification context. */
export interface RunContext {
  gallery: Gallery;
  /** The run's decode-once memo (the same one the layer context carries). */
  images: DecodedImages;
  challenge: { steps: ChallengeStep[]; mirrored: boolean } | null;
  /** The tenant's document registry in the verification's mode (null: not consulted). */
  registry: RegistryLookup | null;
  /** Counts earlier verifications for the velocity check (null: not counted). */
  velocity: VelocityCounter | null;
  /** The tenant's settings the layers apply themselves (the rest is the decision's). */
  settings: Pick<DecisionSettings, "minimum_age" | "velocity">;
}

/** The OCR reader over the run's decoded images: the MRZ is read on the shrunk, upright document image. */
export function imageMrzReader(reader: MrzReader): MrzImageReader {
  return (media, images) => images.use(media, (decoded) => (decoded ? reader.read(decoded.image) : null));
}

export const LIVE_LAYER_NAMES = ["intake", "exif", "jpeg", "ela", "copy_move", "mrz", "face", "liveness", "vision", "duplicates", "document_duplicates", "registry", "geo"] as const;

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
  // The MRZ is read once and shared: vision and the registry compare against it, geo counts its document number.
  const mrz = new MrzEvidence(deps.mrzReader ? imageMrzReader(deps.mrzReader) : null);
  const [face, liveness] = [biometrics.filter((l) => l.name === "face"), biometrics.filter((l) => l.name !== "face" && l.name !== "duplicates")];
  const duplicates = biometrics.filter((l) => l.name === "duplicates");
  return {
    layers: [
      intakeLayer,
      ...forensics,
      mrzLayer(mrz, { minimumAge: run.settings.minimum_age }),
      ...face,
      ...liveness,
      visionLayer(deps.vision ?? null, mrz),
      ...duplicates,
      documentDuplicates,
      registryLayer(run.registry, mrz),
      geoLayer(run.velocity, run.settings.velocity, mrz),
    ],
    analyses,
    documentHash: documentDuplicates.hash,
  };
}
