/**
 * One timed verification through the real live pipeline (src/pipeline: every layer on, then the decision), shared by
 * the workerd side (worker.ts) and the Node side (node-entry.ts) of the pipeline bench so both run the same code.
 * The caller brings the runtime-specific parts: the face engine, the MRZ reader and the decode memo. Each layer's
 * time excludes the decoding done inside it (that is the "decode" stage); the face engine's and the OCR reader's own
 * stage timings are added up as sub-stages. `memory`, when given, is read after every stage.
 */
import type { FaceEngine } from "../../src/face/engine";
import { workersAiVision } from "../../src/adapters/ai/workers-ai-vision";
import { memoryRegistryLookup } from "../../src/registry/lookup";
import { aiStandIn } from "../../test/helpers/ai-stand-in";
import { decide } from "../../src/pipeline/decision";
import { livePipeline } from "../../src/pipeline/registry";
import { runPipeline } from "../../src/pipeline/run";
import { DEFAULT_SETTINGS } from "../../src/pipeline/settings";
import type { MrzReader } from "../../src/reading/ocr/reader";
import type { DecodedImages, Layer, MediaInput } from "../../src/pipeline/types";
import { memoryGallery } from "../../src/adapters/memory/twins";

/** The holder of the bench's generated passport (bench/pipeline/inputs.mjs renders it with these fields). */
const HOLDER = { surname: "MUSTERMANN", givenNames: "ERIKA", birthDate: "1984-08-12", documentNumber: "C01X00T47", expiryDate: "2031-10-31" };
const PRINTED = {
  document_type: "passport",
  issuing_country: "DEU",
  surname: HOLDER.surname,
  given_names: HOLDER.givenNames,
  date_of_birth: HOLDER.birthDate,
  document_number: HOLDER.documentNumber,
  expiry_date: HOLDER.expiryDate,
  portrait_present: true,
  screen_or_photocopy: false,
};
const REGISTERED = {
  id: "reg_bench",
  documentType: "passport" as const,
  issuingCountry: "DE",
  holder: { firstName: HOLDER.givenNames, lastName: HOLDER.surname, dateOfBirth: HOLDER.birthDate },
  issueDate: "2021-11-01",
  expiryDate: HOLDER.expiryDate,
  status: "valid" as const,
};
const emptyGallery = memoryGallery();

export interface TimedVerification {
  /** ms per stage: "decode", "layer <name>", "face: <stage>", "ocr: <stage>", "decision". */
  ms: Record<string, number>;
  /** Wall time of the whole verification (layers + decision), ms. */
  total: number;
  /** The memory reading after each stage, when a meter was given (bytes by label). */
  memory: Record<string, Record<string, number>>;
  decision: string;
  reasons: string[];
  layers: { layer: string; status: string; codes: string[] }[];
}

export interface VerificationDeps {
  engine: FaceEngine;
  mrzReader: MrzReader;
  /** A fresh decode memo for this run. */
  images: DecodedImages;
  media: MediaInput[];
  /** Read after every stage, outside the stage's time (workerd: wasm memories and the JS heap over the inspector). */
  memory?: () => Promise<Record<string, number>> | Record<string, number>;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The bench's two uploads as the pipeline receives them. */
export async function benchMedia(document: Uint8Array, selfie: Uint8Array): Promise<MediaInput[]> {
  return [
    { kind: "document_front", bytes: document, contentType: "image/jpeg", sha256: await sha256(document) },
    { kind: "selfie", bytes: selfie, contentType: "image/jpeg", sha256: await sha256(selfie) },
  ];
}

export async function timedVerification(deps: VerificationDeps): Promise<TimedVerification> {
  const now = () => performance.now();
  const ms: Record<string, number> = {};
  const memory: Record<string, Record<string, number>> = {};
  const add = (stage: string, v: number) => (ms[stage] = (ms[stage] ?? 0) + v);
  const read = async (stage: string) => {
    if (deps.memory) memory[stage] = await deps.memory();
  };
  let decodeMs = 0;
  const images: DecodedImages = {
    use(input, fn) {
      const started = now();
      let waited = true;
      return deps.images.use(input, (decoded) => {
        if (waited) decodeMs += now() - started;
        waited = false;
        return fn(decoded);
      });
    },
  };
  const engine: FaceEngine = {
    ...deps.engine,
    async analyzeImage(image, options) {
      const r = await deps.engine.analyzeImage(image, options);
      for (const [k, v] of Object.entries(r.ms)) if (k !== "decode") add(`face: ${k}`, v);
      return r;
    },
  };
  const mrzReader: MrzReader = {
    ...deps.mrzReader,
    async read(image, options) {
      const r = await deps.mrzReader.read(image, options);
      if (r?.ms) for (const [k, v] of Object.entries(r.ms)) if (k !== "total") add(`ocr: ${k}`, v);
      return r;
    },
  };
  // Every layer on: the vision layer encodes and sends its picture to a stand-in for Workers AI (no local form)
  // answering what the document says; the registry holds the document; the velocity counter answers at once.
  const vision = workersAiVision(aiStandIn(PRINTED), "@cf/google/gemma-4-26b-a4b-it");
  const registry = memoryRegistryLookup([{ documentNumber: HOLDER.documentNumber, record: REGISTERED }]);
  const velocity = async () => ({ key_per_hour: 1, tenant_per_hour: 1, document_per_day: 0 });
  const pipeline = livePipeline({ engine, mrzReader, vision }, { gallery: emptyGallery, images, challenge: null, registry, velocity, settings: DEFAULT_SETTINGS });
  const layers: Layer[] = pipeline.layers.map((layer) => ({
    name: layer.name,
    run: async (inputs, ctx) => {
      const decodedBefore = decodeMs;
      const started = now();
      const result = await layer.run(inputs, ctx);
      add(`layer ${layer.name}`, now() - started - (decodeMs - decodedBefore));
      await read(`layer ${layer.name}`);
      return result;
    },
  }));
  const inputs = {
    verificationId: "bench",
    tenantId: "bench",
    declared: {
      firstName: HOLDER.givenNames,
      lastName: HOLDER.surname,
      dateOfBirth: HOLDER.birthDate,
      country: "DE",
      documentType: "passport",
      documentNumber: HOLDER.documentNumber,
      documentIssuingCountry: "DE",
      documentExpiry: HOLDER.expiryDate,
      mrz: null,
    },
    media: deps.media,
    request: { country: null, ip: null },
    network: [{ source: "tenant" as const, ip: "203.0.113.7", country: "DE", asn: 3320, anonymous: false }],
  };
  const started = now();
  const results = await runPipeline(layers, inputs, { clock: now, today: "2026-01-01", images });
  const decided = now();
  // With a meter the total includes the readings (the stages do not): the bench meters only its untimed warm-up run.
  const outcome = decide(results, DEFAULT_SETTINGS);
  const total = now() - started;
  add("decision", now() - decided);
  ms.decode = decodeMs;
  return {
    ms,
    total,
    memory,
    decision: outcome.decision,
    reasons: outcome.reasons,
    layers: results.map((r) => ({ layer: r.layer, status: r.status, codes: r.findings.map((f) => f.code) })),
  };
}
