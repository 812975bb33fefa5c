/**
 * The workerd side of the bench: a tiny Worker around the face engine with the onnxruntime-web
 * adapter and models from the MODELS R2 bucket. POST /analyze with image bytes → timings and the
 * dominant face's embedding.
 */
import { createFaceEngine } from "../../src/face/engine";
import { isFaceEngineError } from "../../src/face/errors";
import { ortWebRuntime, r2ModelLoader } from "../../src/face/ort-web-runtime";

interface Env {
  MODELS: R2Bucket;
}

let engine: ReturnType<typeof createFaceEngine> | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    engine ??= createFaceEngine({ loadModel: r2ModelLoader(env.MODELS), runtime: ortWebRuntime(), now: () => performance.now() });
    const url = new URL(request.url);
    if (url.pathname === "/warmup") {
      await engine.warmUp();
      return Response.json({ ok: true });
    }
    try {
      const bytes = new Uint8Array(await request.arrayBuffer());
      const result = await engine.analyze(bytes, { embed: true, liveness: url.searchParams.get("liveness") !== "0" });
      const face = result.faces[0];
      return Response.json({
        faces: result.faces.length,
        ms: result.ms,
        embedding: face?.embedding ? Array.from(face.embedding) : null,
        liveness: face?.liveness?.score ?? null,
      });
    } catch (e) {
      if (isFaceEngineError(e)) return Response.json({ error: e.code }, { status: 422 });
      throw e;
    }
  },
};
