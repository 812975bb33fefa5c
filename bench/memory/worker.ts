/**
 * The workerd side of the memory bench: the real pipeline (the decode memo over the Images binding, the intake,
 * face, liveness and duplicates layers, the face engine on onnxruntime-web, the decision) and the synchronous
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
import { decide } from "../../src/pipeline/decision";
import { decodeOnce, decodeUpload } from "../../src/pipeline/images";
import { livePipeline } from "../../src/pipeline/registry";
import { runPipeline } from "../../src/pipeline/run";
import { DEFAULT_SETTINGS } from "../../src/pipeline/settings";
import type { DecodedImages } from "../../src/pipeline/images";
import type { Layer, MediaInput } from "../../src/pipeline/types";

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

const emptyGallery = { faces: async () => [], documentNumberReuse: async () => [], documentImages: async () => [] };

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
        const engine = workerFaceEngine(env.MODELS);
        await engine.warmUp();
        await m.probe("models loaded");
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
        const pipeline = livePipeline({ engine }, { gallery: emptyGallery, images, challenge: null });
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
          declared: { firstName: "A", lastName: "B", dateOfBirth: "1990-01-01", country: null, documentType: "id_card", documentNumber: null, documentIssuingCountry: null, documentExpiry: null, mrz: null },
          media,
          request: { country: null, ip: null },
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
