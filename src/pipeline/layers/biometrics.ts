/**
 * The biometric layers of a live verification — `face`, `liveness` and `duplicates` — as pipeline layers over
 * one shared set of engine analyses (each image is decoded and analysed once per run). The face engine and the
 * gallery of earlier applicants are ports handed in by the caller, so these stay free of bindings.
 */
import { findDuplicateFaces } from "../../face/duplicates";
import type { FaceAnalysis, FaceEngine } from "../../face/engine";
import { toSourcePixels } from "../../face/engine";
import { uprightSourceSize } from "../../face/decode";
import type { DecodedImages } from "../images";
import { faceMatchLayer, livenessLayer } from "./face-rules";
import type { ChallengeStep } from "../../face/challenge";
import { thresholds } from "../../face/manifest";
import type { Artifact, Finding, Layer, MediaInput, PipelineInputs } from "../types";
import { encodePng } from "../../face/image";
import { timed } from "../types";

export interface GalleryFace {
  verificationId: string;
  embedding: Float32Array;
}

/** Earlier applicants of the same tenant: the port the duplicates layer searches. */
export interface Gallery {
  /** Face embeddings of the tenant's verified applicants, other than this verification. */
  faces(): Promise<GalleryFace[]>;
  /** Other verifications of the tenant that declared the same document number (`sameApplicant` as below). */
  documentNumberReuse(): Promise<{ verificationId: string; sameApplicant: boolean }[]>;
  /** Perceptual hashes (16 hex digits) of the document images of the tenant's other decided verifications of this mode. */
  documentImages(): Promise<{ verificationId: string; hash: string }[]>;
  /**
   * Which of these earlier verifications declared the same name and date of birth as this one (a returning applicant,
   * not a duplicate). Asked only about matches, so a search reads and decrypts no other applicant's identity.
   */
  sameApplicant(verificationIds: string[]): Promise<Set<string>>;
}

export interface BiometricDeps {
  engine: FaceEngine;
  gallery: Gallery;
  /** The head-pose challenge issued for this verification, if any. */
  challenge?: { steps: ChallengeStep[]; mirrored: boolean } | null;
}

/** Per-run memo of engine results over the run's decoded images, so the three layers share one analysis per image. */
export class Analyses {
  private readonly cache = new Map<string, Promise<FaceAnalysis | null>>();
  constructor(
    private readonly engine: FaceEngine,
    private readonly images: DecodedImages,
  ) {}

  /** null when the image cannot be decoded (the intake layer reports that); model failures throw (the job retries). */
  of(media: MediaInput | undefined, options: { liveness?: boolean } = {}): Promise<FaceAnalysis | null> {
    if (!media) return Promise.resolve(null);
    const key = `${media.sha256}:${options.liveness ? "l" : ""}`;
    // The document's and the selfie's aligned crops are kept as evidence for reviewers.
    const crop = media.kind === "document_front" || media.kind === "selfie";
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.images.use(media, async (decoded) =>
        decoded
          ? toSourcePixels(
              await this.engine.analyzeImage(decoded.image, { embed: true, liveness: options.liveness, crop, pixelHash: media.kind === "selfie_frame" || media.kind === "selfie" }),
              decoded.scale,
              uprightSourceSize(decoded),
            )
          : null,
      );
      this.cache.set(key, hit);
      // A failure of ours (out of memory, a model error) is not remembered; the job's retry runs it again.
      hit.catch(() => this.cache.delete(key));
    }
    return hit;
  }

  /** The selfie's embedding, once the face layer has run (stored for 1:N search after a verified decision). */
  async selfieEmbedding(inputs: PipelineInputs): Promise<Float32Array | null> {
    const selfie = await this.of(find(inputs, "selfie"), { liveness: true });
    return selfie?.faces[0]?.embedding ?? null;
  }
}

const find = (inputs: PipelineInputs, kind: MediaInput["kind"]) => inputs.media.find((m) => m.kind === kind);
const wall = (clock: () => number, start: number) => Math.round((clock() - start) * 100) / 100;

export function biometricLayers(deps: BiometricDeps, analyses: Analyses): Layer[] {
  // `ms` is the layer's wall time, as for every other layer: images analysed by the face layer are not
  // analysed again (nor counted again) by liveness and duplicates.
  const face: Layer = {
    name: "face",
    run: async (inputs, ctx) => {
      const start = ctx.clock();
      // One after the other, so only one image's pixels are alive at a time (the models run one at a time anyway).
      const document = await analyses.of(find(inputs, "document_front"));
      const selfie = await analyses.of(find(inputs, "selfie"), { liveness: true });
      const artifacts: Artifact[] = [];
      for (const [name, analysis] of [["face_document", document], ["face_selfie", selfie]] as const) {
        const crop = analysis?.faces[0]?.alignedCrop;
        if (crop) artifacts.push({ name, contentType: "image/png", bytes: encodePng(crop) });
      }
      return { ...faceMatchLayer({ document, selfie }), artifacts, ms: wall(ctx.clock, start) };
    },
  };

  const liveness: Layer = {
    name: "liveness",
    run: async (inputs, ctx) => {
      const start = ctx.clock();
      const selfie = await analyses.of(find(inputs, "selfie"), { liveness: true });
      const frameMedia = inputs.media.filter((m) => m.kind === "selfie_frame");
      const frames = [];
      for (const m of frameMedia) {
        const analysis = await analyses.of(m);
        if (analysis) frames.push({ analysis, sha256: m.sha256 });
      }
      return { ...livenessLayer({ selfie, frames, challenge: deps.challenge ?? null }, { mirrored: deps.challenge?.mirrored ?? false }), ms: wall(ctx.clock, start) };
    },
  };

  const duplicates: Layer = {
    name: "duplicates",
    run: (inputs, ctx) =>
      timed("duplicates", ctx.clock, async () => {
        const findings: Finding[] = [];
        let score = 0;
        const embedding = await analyses.selfieEmbedding(inputs);
        if (embedding) {
          const gallery = await deps.gallery.faces();
          const matches = findDuplicateFaces(embedding, gallery.map((g) => ({ verificationId: g.verificationId, embedding: g.embedding })), { threshold: thresholds.duplicate, limit: 5 });
          const same = matches.length ? await deps.gallery.sameApplicant(matches.map((m) => m.verificationId)) : new Set<string>();
          const others = matches.filter((m) => !same.has(m.verificationId));
          const returning = matches.filter((m) => same.has(m.verificationId));
          if (others.length) {
            score = 85;
            findings.push({
              code: "DUPLICATE_FACE",
              severity: "critical",
              message: `This face was already verified under another identity (${others.length} earlier verification${others.length > 1 ? "s" : ""}).`,
              data: { matches: others.map((m) => ({ verification_id: m.verificationId, similarity: Math.round(m.similarity * 1e4) / 1e4 })), threshold: thresholds.duplicate },
            });
          }
          if (returning.length) {
            findings.push({ code: "RETURNING_APPLICANT", severity: "info", message: "The same person, with the same declared identity, was verified before.", data: { verification_ids: returning.map((m) => m.verificationId) } });
          }
          if (!matches.length) findings.push({ code: "NO_DUPLICATE_FACE", severity: "info", message: `No earlier applicant of this tenant has this face (searched ${gallery.length}).` });
        } else {
          findings.push({ code: "FACE_SEARCH_SKIPPED", severity: "info", message: "No selfie face to search for." });
        }
        if (inputs.declared.documentNumber) {
          const reuse = (await deps.gallery.documentNumberReuse()).filter((r) => !r.sameApplicant);
          if (reuse.length) {
            score = Math.max(score, 85);
            findings.push({
              code: "DUPLICATE_DOCUMENT",
              severity: "critical",
              message: "This document number was already used by an applicant with another name or birth date.",
              data: { verification_ids: reuse.map((r) => r.verificationId) },
            });
          }
        }
        const critical = findings.some((f) => f.severity === "critical");
        return { status: critical ? "failed" : "passed", score, findings };
      }),
  };

  return [face, liveness, duplicates];
}
