/** HTTP handlers of the synchronous face routes (detect, compare): images shrunk outside the isolate, then the face engine. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AnalyzeOptions, AnalyzedFace, FaceAnalysis } from "../../face";
import { cosineSimilarity, isFaceEngineError, thresholds } from "../../face";
import { ApiError } from "../../lib/errors";
import { GateBusyError, imageWork } from "../../lib/gate";
import type { AppEnv } from "../../app/context";
import { checkImage, isForm, readForm, refuseDeclaredLength, requiredFilePart } from "../../media/uploads";
import { toSourcePixels } from "../../face/engine";
import { uprightSourceSize } from "../../face/decode";
import { releasePixels } from "../../face/image";
import { decodeUpload } from "../../pipeline/images";
import { sniffImage } from "../../media/sniff";

/** Below this many pixels (4 MP: a 16 MB RGBA copy) a decode that fails is not running out of memory. */
const OUT_OF_MEMORY_PLAUSIBLE_PIXELS = 4_000_000;
import type { compareRoute, detectRoute } from "./faces.routes";

/** How long a face request waits for the isolate's image gate before it answers 503. */
const FACES_GATE_WAIT_MS = 10_000;

/** Faces counted (and landmarked) per image in compare. */
const COMPARE_MAX_FACES = 10;

const r1 = (v: number) => Math.round(v * 10) / 10;
const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

const required = (field: string, message: string) =>
  new ApiError("VALIDATION_ERROR", message, { details: { fields: { [field]: ["required"] } } });

/** Runs the face engine; its typed errors become the API's (an undecodable image is the client's 422; missing models or a failed decode of a well-formed image our 503). */
async function analyze(c: Context<AppEnv>, bytes: Uint8Array, field: string, options: AnalyzeOptions): Promise<FaceAnalysis & { total: number }> {
  const started = performance.now();
  try {
    // One image-heavy task per isolate (src/lib/gate.ts): a verification running beside this request waits, or this one does.
    return await imageWork.run(async () => {
      // Shrunk by the Images binding outside the isolate, then decoded here.
      const decoded = await decodeUpload(bytes, c.var.services.imageResizer);
      const decodeMs = performance.now() - started;
      try {
        const result = toSourcePixels(await c.var.services.faceEngine().analyzeImage(decoded.image, options), decoded.scale, uprightSourceSize(decoded));
        return { ...result, ms: { ...result.ms, decode: decodeMs }, total: performance.now() - started };
      } finally {
        releasePixels(decoded.image); // freed now, before the next image is decoded, not at the next collection
      }
    }, FACES_GATE_WAIT_MS);
  } catch (err) {
    if (err instanceof GateBusyError) {
      throw new ApiError("SERVICE_UNAVAILABLE", "This edge location is busy with other images; try again shortly", { headers: { "Retry-After": "2" }, cause: err });
    }
    if (isFaceEngineError(err)) {
      if (err.code === "IMAGE_UNDECODABLE" || err.code === "IMAGE_DIMENSIONS") {
        throw new ApiError("IMAGE_INVALID", `The ${field} image could not be analysed: ${err.message}`, { details: { field, reason: err.code }, cause: err });
      }
      if (err.code === "DECODE_FAILED") {
        // A well-formed image our decoder failed on. Only on a large canvas can that be memory, which a retry may
        // cure (503); on a small one it fails the same way every time (garbage behind a good header, found by the
        // fuzz tests), so the client gets a 422 it can act on instead of an endless "try again".
        const sniffed = sniffImage(bytes);
        if (sniffed.ok && sniffed.width * sniffed.height <= OUT_OF_MEMORY_PLAUSIBLE_PIXELS) {
          throw new ApiError("IMAGE_INVALID", `The ${field} image could not be decoded: its data is damaged or uses a coding we cannot read`, { details: { field, reason: "UNDECODABLE" }, cause: err });
        }
        throw new ApiError("SERVICE_UNAVAILABLE", `The ${field} image could not be processed right now; try again shortly`, { headers: { "Retry-After": "5" }, cause: err });
      }
      if (err.code === "MODEL_UNAVAILABLE") {
        throw new ApiError("SERVICE_UNAVAILABLE", "The face models are unavailable right now; try again shortly", { headers: { "Retry-After": "30" }, cause: err });
      }
    }
    throw err;
  }
}

const boxView = (f: AnalyzedFace) => ({ x: r1(f.box.x), y: r1(f.box.y), width: r1(f.box.width), height: r1(f.box.height) });
const pointsView = (points: readonly (readonly [number, number])[]) => points.map(([x, y]) => [r1(x), r1(y)] as [number, number]);

function faceView(f: AnalyzedFace, withLandmarks68: boolean) {
  const q = f.quality;
  return {
    box: boxView(f),
    score: r4(f.score),
    landmarks5: pointsView(f.landmarks5),
    ...(withLandmarks68 ? { landmarks: pointsView(f.landmarks) } : {}),
    pose: { yaw: r1(f.pose.yaw), pitch: r1(f.pose.pitch), roll: r1(f.pose.roll) },
    quality: {
      score: r4(q.score),
      size: r4(q.size),
      sharpness: r4(q.sharpness),
      frontal: r4(q.frontal),
      exposure: r4(q.exposure),
      detector: r4(q.detector),
      raw: { inter_ocular_px: r1(q.raw.interOcularPx), laplacian_variance: r1(q.raw.laplacianVariance), mean_luma: r1(q.raw.meanLuma) },
    },
    liveness: f.liveness ? { score: r4(f.liveness.score), live: f.liveness.score >= thresholds.liveness, threshold: thresholds.liveness } : null,
  };
}

export const detectHandler: RouteHandler<typeof detectRoute, AppEnv> = async (c) => {
  const maxBytes = c.var.services.config.MAX_UPLOAD_BYTES;
  const query = c.req.valid("query");
  refuseDeclaredLength(c.req, maxBytes, maxBytes);
  let bytes: Uint8Array;
  if (isForm(c.req)) {
    bytes = await requiredFilePart(await readForm(c.req), "image", maxBytes);
  } else {
    bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) throw required("image", "Send the image as the body, or as a multipart `image` part");
  }
  const image = await checkImage(bytes, maxBytes, "image");
  const result = await analyze(c, image.bytes, "image", { embed: false, liveness: query.liveness === "true", maxFaces: query.max_faces });
  const { decode, detect, landmarks, align, liveness } = result.ms;
  return c.json(
    {
      width: result.width,
      height: result.height,
      faces: result.faces.map((f) => faceView(f, query.landmarks === "68")),
      ms: { decode: r1(decode), detect: r1(detect), landmarks: r1(landmarks), align: r1(align), liveness: r1(liveness), total: r1(result.total) },
    },
    200,
  );
};

export const compareHandler: RouteHandler<typeof compareRoute, AppEnv> = async (c) => {
  const maxBytes = c.var.services.config.MAX_UPLOAD_BYTES;
  refuseDeclaredLength(c.req, 2 * maxBytes, maxBytes);
  if (!isForm(c.req)) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send multipart/form-data with the image parts `a` and `b`", { details: { accepted: ["multipart/form-data"] } });
  }
  const form = await readForm(c.req);
  const missing = ["a", "b"].filter((name) => form[name] === undefined);
  if (missing.length) {
    throw new ApiError("VALIDATION_ERROR", `Image part${missing.length > 1 ? "s" : ""} ${missing.map((m) => `\`${m}\``).join(" and ")} missing`, {
      details: { fields: Object.fromEntries(missing.map((m) => [m, ["required"]])) },
    });
  }
  // Both images are checked before either is decoded, so bad input costs no inference.
  const a = await checkImage(await requiredFilePart(form, "a", maxBytes), maxBytes, "a");
  const b = await checkImage(await requiredFilePart(form, "b", maxBytes), maxBytes, "b");
  const started = performance.now();
  const options: AnalyzeOptions = { embed: true, liveness: false, maxFaces: COMPARE_MAX_FACES };
  const ra = await analyze(c, a.bytes, "a", options);
  const rb = await analyze(c, b.bytes, "b", options);
  const noFace = ra.faces.length === 0 ? "a" : rb.faces.length === 0 ? "b" : null;
  if (noFace) {
    throw new ApiError("UNPROCESSABLE", `No face was found in image ${noFace}`, {
      details: { image: noFace, reason: "NO_FACE", faces_a: ra.faces.length, faces_b: rb.faces.length },
    });
  }
  const [fa, fb] = [ra.faces[0], rb.faces[0]];
  if (!fa.embedding || !fb.embedding) throw new Error("face engine returned a dominant face without an embedding");
  const similarity = cosineSimilarity(fa.embedding, fb.embedding);
  const dominant = (f: AnalyzedFace) => ({ box: boxView(f), score: r4(f.score), quality: r4(f.quality.score) });
  return c.json(
    {
      similarity,
      match: similarity >= thresholds.match,
      threshold: thresholds.match,
      faces_a: ra.faces.length,
      faces_b: rb.faces.length,
      face_a: dominant(fa),
      face_b: dominant(fb),
      ms: { a: r1(ra.total), b: r1(rb.total), total: r1(performance.now() - started) },
    },
    200,
  );
};
