/**
 * The face engine: bytes in, faces out (box, 68 landmarks, 5 points, pose, quality, embedding,
 * liveness), with per-stage timings. Pure TypeScript over an injected ONNX runtime and model
 * loader, so the same code path runs in workerd (onnxruntime-web) and in Node (onnxruntime-node).
 *
 * Sessions are created once per engine and reused; a load or initialisation failure is not
 * cached, so the next call retries. Only finished sessions are shared between callers, never a
 * pending load (workerd cancels a request's wait on a promise owned by a request that ended).
 */
import { ALIGNED_SIZE, type Point, alignFace } from "./align";
import { decodeBounded, uprightSourceSize } from "./decode";
import {
  type Detection,
  type DetectOptions,
  DETECT_HEIGHT,
  DETECT_WIDTH,
  decodeDetections,
  detectorInput,
  iou,
  nonMaxSuppression,
  refineRegion,
  squareBox,
} from "./detector";
import { combineEmbeddings, embeddingInputs } from "./embedding";
import { FaceEngineError } from "./errors";
import { type Rect, type RgbaImage, applyOrientation, pixelHash, releaseBuffer, rgbToRgba } from "./image";
import { decodeLandmarks, fivePoints, landmarkInput } from "./landmarks";
import { type LivenessResult, decodeLiveness, livenessInput } from "./liveness";
import { MODEL_FILES, type ModelKey } from "./manifest";
import { type HeadPose, estimateHeadPose } from "./pose";
import { type FaceQuality, estimateQuality } from "./quality";
import type { FloatTensor, ModelSession, OrtRuntime } from "./runtime";

export interface FaceEngineDeps {
  /** Returns the bytes of a model file (e.g. `fr_detect.onnx`), from R2 in workerd. */
  loadModel(file: string): Promise<Uint8Array>;
  runtime: OrtRuntime;
  /**
   * Monotonic clock in ms for the stage timings (e.g. `() => performance.now()`); timings are 0 without it.
   * Deployed Workers only advance their clock across I/O, so there the stage split is coarse; local
   * workerd (wrangler dev, Miniflare, the bench) measures it fully.
   */
  now?: () => number;
  /**
   * Detach each model's bytes once its session exists (onnxruntime-web has copied them into its own memory), so a
   * Worker does not carry them as garbage; only for loaders that hand over fresh bytes they do not reuse.
   */
  releaseModelBytes?: boolean;
}

export interface AnalyzeOptions {
  /** Compute the embedding of the dominant face (default true). */
  embed?: boolean;
  /** Run the passive liveness model on the dominant face (default false). */
  liveness?: boolean;
  /** Faces to return, dominant first (default 5). */
  maxFaces?: number;
  /** Detector thresholds. */
  detect?: DetectOptions;
  /** Also hash the decoded pixels (for the frame-identity check of the liveness layer). */
  pixelHash?: boolean;
  /** Keep the dominant face's aligned 112×112 crop as RGBA (evidence for reviewers). */
  crop?: boolean;
  /** EXIF orientation (1–8) of the bytes, applied after decoding so faces are upright (photon ignores EXIF). */
  orientation?: number;
  /** `analyze` shrinks larger images to this longest side before analysis (default ANALYSIS_MAX_SIDE and ANALYSIS_MAX_PIXELS); results are in source pixels. */
  maxSide?: number;
}

export interface AnalyzedFace {
  /** Face box in source pixels, as the detector drew it. */
  box: Rect;
  /** Detector face probability 0..1. */
  score: number;
  /** 68 points (iBUG 300-W order), source pixels. */
  landmarks: Point[];
  /** Eye centres, nose tip, mouth corners (image-left first), source pixels. */
  landmarks5: Point[];
  pose: HeadPose;
  quality: FaceQuality;
  /** L2-normalised 512-d embedding; only on the dominant face (faces[0]) when `embed`. */
  embedding?: Float32Array;
  /** Passive liveness; only on the dominant face when `liveness`. */
  liveness?: LivenessResult;
  /** The aligned crop the embedding saw (ArcFace template, 112×112 RGBA); only on the dominant face when `crop`. */
  alignedCrop?: RgbaImage;
}

export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  align: number;
  embed: number;
  liveness: number;
}

export interface FaceAnalysis {
  width: number;
  height: number;
  /** Sorted by {@link dominance} (box area × detector score × quality), so faces[0] is the dominant face. */
  faces: AnalyzedFace[];
  /** Hash of the decoded pixels when `pixelHash` was asked for: equal for pixel-identical images. */
  pixelHash?: string;
  ms: StageTimings;
}

export interface FaceEngine {
  /** Decodes and analyses an image; throws {@link FaceEngineError} for undecodable bytes. */
  analyze(imageBytes: Uint8Array, options?: AnalyzeOptions): Promise<FaceAnalysis>;
  /** Same as {@link analyze} for an already decoded image. */
  analyzeImage(image: RgbaImage, options?: AnalyzeOptions): Promise<FaceAnalysis>;
  /** Loads every model now (e.g. in a readiness check); rejects if one fails. */
  warmUp(models?: readonly ModelKey[]): Promise<void>;
}

/** A face smaller than this fraction of the image's shorter side gets a second, closer detection pass. */
const REFINE_BELOW = 0.3;
const MAX_REFINED = 3;
/** Images at least this many times larger than the detector input get a tiled pass when the first finds nothing. */
const TILE_BELOW = 3;

/**
 * Builds an engine over a model loader and an ONNX runtime.
 *
 * @example
 * const engine = createFaceEngine({ loadModel: r2ModelLoader(env.MODELS), runtime: ortWebRuntime(), now: () => performance.now() });
 * // in a Worker, prefer the isolate-cached workerFaceEngine(env.MODELS) from ./ort-web-runtime
 * const { faces } = await engine.analyze(bytes, { embed: true });
 */
export function createFaceEngine(deps: FaceEngineDeps): FaceEngine {
  const now = deps.now ?? (() => 0);
  // Only finished sessions are shared. A pending load belongs to the request that started it: in
  // workerd, a request awaiting it would hang if that request ended first (see ort-web-runtime.ts),
  // so concurrent cold callers each load, and the first session stored wins.
  const sessions = new Map<ModelKey, ModelSession>();

  async function session(key: ModelKey): Promise<ModelSession> {
    const ready = sessions.get(key);
    if (ready) return ready;
    const file = MODEL_FILES[key];
    let created: ModelSession;
    try {
      const bytes = await deps.loadModel(file);
      created = await deps.runtime.createSession(bytes);
      if (deps.releaseModelBytes) releaseBuffer(bytes);
    } catch (e) {
      throw new FaceEngineError("MODEL_UNAVAILABLE", `model ${file} could not be loaded`, { cause: e });
    }
    if (!sessions.has(key)) sessions.set(key, created);
    return sessions.get(key) as ModelSession;
  }

  async function run(key: ModelKey, input: FloatTensor, output: string): Promise<Float32Array> {
    const s = await session(key);
    const result = await s.run({ input });
    const tensor = result[output];
    if (!tensor) throw new FaceEngineError("INFERENCE_FAILED", `model ${key} returned no '${output}' output`);
    return tensor.data;
  }

  async function detect(image: RgbaImage, region: Rect, options?: DetectOptions): Promise<Detection[]> {
    const s = await session("detector");
    const out = await s.run({ input: detectorInput(image, region) });
    if (!out.scores || !out.boxes) throw new FaceEngineError("INFERENCE_FAILED", "detector outputs missing");
    return decodeDetections(out.scores.data, out.boxes.data, region, options);
  }

  async function analyzeImage(image: RgbaImage, options: AnalyzeOptions = {}, decodeMs = 0): Promise<FaceAnalysis> {
    const ms: StageTimings = { decode: decodeMs, detect: 0, landmarks: 0, align: 0, embed: 0, liveness: 0 };
    const maxFaces = options.maxFaces ?? 5;
    let t = now();
    const full: Rect = { x: 0, y: 0, width: image.width, height: image.height };
    let detections = await detect(image, full, options.detect);
    if (detections.length === 0) detections = await detectTiled(image, options.detect);
    // A couple of spare candidates: the final ranking also weighs quality, known only after landmarks.
    const candidates = maxFaces + 2;
    detections = await refineSmall(image, sortByDominance(detections).slice(0, candidates), options.detect);
    detections = sortByDominance(detections).slice(0, candidates);
    ms.detect = now() - t;
    const crops = new Map<AnalyzedFace, { aligned: Float32Array; square: Rect }>();

    let faces: AnalyzedFace[] = [];
    for (const d of detections) {
      t = now();
      const square = squareBox(d.box);
      const landmarks = decodeLandmarks(await run("landmarks", landmarkInput(image, square), "output"), square);
      const landmarks5 = fivePoints(landmarks);
      const pose = estimateHeadPose(landmarks);
      ms.landmarks += now() - t;

      t = now();
      const aligned = alignFace(image, landmarks5);
      const interOcularPx = Math.hypot(landmarks5[1][0] - landmarks5[0][0], landmarks5[1][1] - landmarks5[0][1]);
      const quality = estimateQuality({ alignedRgb: aligned.rgb, interOcularPx, pose, detectorScore: d.score });
      ms.align += now() - t;
      faces.push({ box: d.box, score: d.score, landmarks, landmarks5, pose, quality });
      crops.set(faces[faces.length - 1], { aligned: aligned.rgb, square });
    }
    faces = sortByDominance(faces).slice(0, maxFaces);

    const dominant = faces[0];
    if (dominant && (options.embed ?? true)) {
      t = now();
      const outputs: Float32Array[] = [];
      for (const input of embeddingInputs(crops.get(dominant)!.aligned)) outputs.push(await run("embedding", input, "output"));
      dominant.embedding = combineEmbeddings(outputs);
      ms.embed += now() - t;
    }
    if (dominant && options.liveness) {
      t = now();
      dominant.liveness = decodeLiveness(await run("liveness", livenessInput(image, crops.get(dominant)!.square), "output"));
      ms.liveness += now() - t;
    }
    if (dominant && options.crop) dominant.alignedCrop = rgbToRgba(crops.get(dominant)!.aligned, ALIGNED_SIZE, ALIGNED_SIZE);
    const result: FaceAnalysis = { width: image.width, height: image.height, faces, ms };
    if (options.pixelHash) result.pixelHash = pixelHash(image);
    return result;
  }

  /**
   * A face that is small in the image was located on a coarse 320×240 view; detect it again on a
   * 320×240 view of its neighbourhood so its box (and everything sampled from it) comes from
   * full resolution.
   */
  async function refineSmall(image: RgbaImage, detections: Detection[], options?: DetectOptions): Promise<Detection[]> {
    const shorter = Math.min(image.width, image.height);
    const coarse = Math.max(image.width / DETECT_WIDTH, image.height / DETECT_HEIGHT);
    let refined = 0;
    const out: Detection[] = [];
    for (const d of detections) {
      const small = d.box.height < REFINE_BELOW * shorter && coarse > 1.5;
      if (!small || refined >= MAX_REFINED) {
        out.push(d);
        continue;
      }
      refined++;
      const region = refineRegion(d.box, image.width, image.height);
      const again = await detect(image, region, { ...options, scoreThreshold: Math.min(options?.scoreThreshold ?? 0.6, 0.5) });
      const best = again.filter((c) => iou(c.box, d.box) > 0.3).sort((p, q) => q.score - p.score)[0];
      out.push(best ? { box: best.box, score: Math.max(best.score, d.score) } : d);
    }
    return out;
  }

  /**
   * Nothing found on the whole-image view of a large image: look again on a 3×3 grid of
   * overlapping half-size tiles (2× the resolution), for faces too small for the first view.
   */
  async function detectTiled(image: RgbaImage, options?: DetectOptions): Promise<Detection[]> {
    const coarse = Math.max(image.width / DETECT_WIDTH, image.height / DETECT_HEIGHT);
    if (coarse < TILE_BELOW) return [];
    const width = image.width / 2;
    const height = image.height / 2;
    const found: Detection[] = [];
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 3; i++) {
        found.push(...(await detect(image, { x: (i * width) / 2, y: (j * height) / 2, width, height }, options)));
      }
    }
    return nonMaxSuppression(found, options?.iouThreshold ?? 0.4);
  }

  return {
    async analyze(imageBytes, options) {
      const t = now();
      // An explicit maxSide is the only limit; by default the pixel count is bounded too.
      const bounded = decodeBounded(imageBytes, options?.maxSide, options?.maxSide === undefined ? undefined : Number.POSITIVE_INFINITY);
      const image = options?.orientation ? applyOrientation(bounded.image, options.orientation) : bounded.image;
      return toSourcePixels(await analyzeImage(image, options, now() - t), bounded.scale, uprightSourceSize({ ...bounded, image }));
    },
    analyzeImage: (image, options) => analyzeImage(image, options),
    async warmUp(models = ["detector", "landmarks", "embedding", "liveness"]) {
      await Promise.all(models.map((m) => session(m)));
    },
  };
}

/**
 * How much a face dominates the image: box area × detector score × quality (when known), so a
 * sharp frontal subject outranks a blurred or partial face of similar size behind it.
 */
export function dominance(face: { box: Rect; score: number; quality?: { score: number } }): number {
  return face.box.width * face.box.height * face.score * (face.quality?.score ?? 1);
}

/** Sorts faces by {@link dominance}, most dominant first. */
export function sortByDominance<T extends { box: Rect; score: number; quality?: { score: number } }>(faces: readonly T[]): T[] {
  return [...faces].sort((a, b) => dominance(b) - dominance(a));
}

/**
 * Maps an analysis of a shrunk image back to source pixels (boxes, landmarks, image size); `source` is the upright
 * source size when known (else derived from the scale, which can be off by a pixel).
 */
export function toSourcePixels(analysis: FaceAnalysis, scale: number, source?: { width: number; height: number }): FaceAnalysis {
  if (scale === 1) return analysis;
  const k = 1 / scale;
  const point = ([x, y]: Point): Point => [x * k, y * k];
  return {
    ...analysis,
    width: source?.width ?? Math.round(analysis.width * k),
    height: source?.height ?? Math.round(analysis.height * k),
    faces: analysis.faces.map((f) => ({
      ...f,
      box: { x: f.box.x * k, y: f.box.y * k, width: f.box.width * k, height: f.box.height * k },
      landmarks: f.landmarks.map(point),
      landmarks5: f.landmarks5.map(point),
    })),
  };
}
