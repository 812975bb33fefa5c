/**
 * The workerd side of the memory bench: the real pipeline (the decode memo over the Images binding, every live
 * layer — intake, EXIF, JPEG, ELA, copy-move, MRZ OCR, face, liveness, vision, duplicates, registry, geo — the face
 * engine and the MRZ reader on one onnxruntime-web, the decision) and the synchronous
 * faces path, with a probe after every stage. A probe reads each WebAssembly memory here and asks the bench (Node,
 * through the PROBE service binding) to read the JS heap over the V8 inspector while this isolate waits.
 *
 *   POST /run?doc=<key>&selfie=<key>[&resizer=none]   → { stages, decision, layers }
 *   POST /faces?a=<key>&b=<key>[&resizer=none]        → { stages, similarity }
 *   POST /calibrate                                    → { stages } around a 50 MB allocation
 */
import { wasmMemories } from "./wasm-meter";
import { releaseBuffer, releasePixels } from "../../src/face/image";
import { resizerFromBinding } from "../../src/adapters/images";
import { toSourcePixels } from "../../src/face/engine";
import { uprightSourceSize } from "../../src/face/decode";
import { cosineSimilarity } from "../../src/face/embedding";
import { workerFaceEngine } from "../../src/face/ort-web-runtime";
import { workersAiVision } from "../../src/adapters/ai/workers-ai-vision";
import { memoryRegistryLookup } from "../../src/registry/lookup";
import { workerMrzReader } from "../../src/reading/worker-reader";
import { aiStandIn } from "../../test/helpers/ai-stand-in";
import { decide } from "../../src/pipeline/decision";
import { decodeOnce, decodeUpload } from "../../src/pipeline/images";
import { livePipeline } from "../../src/pipeline/registry";
import { runPipeline } from "../../src/pipeline/run";
import { DEFAULT_SETTINGS } from "../../src/pipeline/settings";
import type { DecodedImages } from "../../src/pipeline/images";
import type { Layer, MediaInput } from "../../src/pipeline/types";
import { memoryGallery } from "../../src/adapters/memory/twins";

interface Env {
  MODELS: R2Bucket;
  MEDIA: R2Bucket;
  IMAGES?: ImagesBinding;
  PROBE: Fetcher;
}

interface Stage {
  stage: string;
  wasm: Record<string, number>;
  heap: { used: number; total: number; backing?: number; embedder?: number };
}

function meter(env: Env) {
  const stages: Stage[] = [];
  return {
    stages,
    async probe(stage: string) {
      const wasm = wasmMemories();
      const url = `http://probe/heap?stage=${encodeURIComponent(stage)}`;
      // After a long synchronous decode the pooled connection to Node may have been closed under us: ask once more.
      const res = await env.PROBE.fetch(url).catch(() => env.PROBE.fetch(url));
      const heap = (await res.json()) as Stage["heap"];
      stages.push({ stage, wasm, heap });
    },
  };
}

async function load(env: Env, key: string, kind: MediaInput["kind"]): Promise<MediaInput> {
  const obj = await env.MEDIA.get(key);
  if (!obj) throw new Error(`no ${key} in MEDIA`);
  const bytes = new Uint8Array(await obj.arrayBuffer());
  const sha256 = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { kind, bytes, contentType: "image/jpeg", sha256 };
}

/** The holder of the bench's generated passport (bench/memory/run.mjs renders it with these fields). */
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

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const m = meter(env);
    const resizer = url.searchParams.get("resizer") === "none" ? undefined : resizerFromBinding(env.IMAGES);
    try {
      if (url.pathname === "/calibrate") {
        await m.probe("before");
        const block = new Uint8Array(50e6).fill(1);
        await m.probe("50 MB allocated");
        const kept = block[block.length - 1];
        releaseBuffer(block);
        await m.probe("50 MB released (detached)");
        return Response.json({ stages: m.stages, kept });
      }
      if (url.pathname === "/run") {
        await m.probe("isolate start");
        // As the consumer does (src/verifications/processing.ts): the recogniser's session first, then the face models.
        const mrzReader = workerMrzReader(env.MODELS);
        await mrzReader.warmUp();
        await m.probe("OCR model loaded");
        const engine = workerFaceEngine(env.MODELS);
        await engine.warmUp();
        await m.probe("face models loaded");
        const media = [await load(env, url.searchParams.get("doc")!, "document_front"), await load(env, url.searchParams.get("selfie")!, "selfie")];
        await m.probe("media loaded");
        const inner = decodeOnce(resizer);
        const images: DecodedImages = {
          use: (input, fn) =>
            inner.use(input, async (decoded) => {
              await m.probe(`  decoded ${input.kind}`);
              return fn(decoded);
            }),
        };
        // Every layer on: the vision layer encodes and sends its picture to a stand-in for Workers AI (which has no
        // local form) answering what the document says; the registry holds the document; the velocity counter
        // answers at once (its D1 queries cost no isolate memory worth measuring).
        const vision = workersAiVision(aiStandIn(PRINTED), "@cf/google/gemma-4-26b-a4b-it");
        const registry = memoryRegistryLookup([{ documentNumber: HOLDER.documentNumber, record: REGISTERED }]);
        const velocity = async () => ({ key_per_hour: 1, tenant_per_hour: 1, document_per_day: 0 });
        const pipeline = livePipeline(
          { engine, mrzReader, vision },
          { gallery: emptyGallery, images, challenge: null, registry, velocity, settings: DEFAULT_SETTINGS },
        );
        const layers: Layer[] = pipeline.layers.map((layer) => ({
          name: layer.name,
          run: async (inputs, ctx) => {
            const result = await layer.run(inputs, ctx);
            await m.probe(`layer ${layer.name}`);
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
          media,
          request: { country: null, ip: null },
          network: [{ source: "tenant" as const, ip: "203.0.113.7", country: "DE", asn: 3320, anonymous: false }],
        };
        const results = await runPipeline(layers, inputs, { clock: () => performance.now(), today: "2026-01-01", images });
        const outcome = decide(results, DEFAULT_SETTINGS);
        await m.probe("decided");
        return Response.json({
          stages: m.stages,
          decision: outcome.decision,
          reasons: outcome.reasons,
          risk: outcome.risk_score,
          layers: results.map((r) => ({ layer: r.layer, status: r.status, score: r.score, codes: r.findings.map((f) => f.code) })),
        });
      }
      if (url.pathname === "/faces") {
        // The synchronous compare path of src/routes/faces: each image decoded, analysed and dropped in turn.
        await m.probe("isolate start");
        const engine = workerFaceEngine(env.MODELS);
        await engine.warmUp(["detector", "landmarks", "embedding"]);
        await m.probe("models loaded");
        const embeddings: Float32Array[] = [];
        for (const name of ["a", "b"]) {
          const obj = await env.MEDIA.get(url.searchParams.get(name)!);
          const bytes = new Uint8Array(await obj!.arrayBuffer());
          const decoded = await decodeUpload(bytes, resizer);
          await m.probe(`  decoded ${name}`);
          const analysis = toSourcePixels(await engine.analyzeImage(decoded.image, { embed: true, maxFaces: 10 }), decoded.scale, uprightSourceSize(decoded));
          releasePixels(decoded.image);
          await m.probe(`analysed ${name}`);
          if (analysis.faces[0]?.embedding) embeddings.push(analysis.faces[0].embedding);
        }
        return Response.json({ stages: m.stages, similarity: embeddings.length === 2 ? cosineSimilarity(embeddings[0], embeddings[1]) : null });
      }
      return new Response("not found", { status: 404 });
    } catch (err) {
      return Response.json({ error: String(err), stack: (err as Error).stack, stages: m.stages }, { status: 500 });
    }
  },
};
