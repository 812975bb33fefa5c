/** Request and response schemas of the synchronous face routes. */
import { z } from "@hono/zod-openapi";

const point = z.tuple([z.number(), z.number()]).openapi({ description: "[x, y] in pixels of the upright image", example: [512.4, 388.1] });

export const Box = z
  .object({
    x: z.number().openapi({ description: "Left edge, pixels" }),
    y: z.number().openapi({ description: "Top edge, pixels" }),
    width: z.number(),
    height: z.number(),
  })
  .openapi("FaceBox", { description: "Face box in pixels of the upright image (EXIF orientation applied), as the detector drew it" });

export const Quality = z
  .object({
    score: z.number().openapi({ description: "0..1, geometric mean of the components below" }),
    size: z.number().openapi({ description: "0 at ≤ 10 px between the eyes, 1 at ≥ 40 px" }),
    sharpness: z.number().openapi({ description: "From the Laplacian variance of the aligned crop: 0 at ≤ 20, 1 at ≥ 300" }),
    frontal: z.number().openapi({ description: "1 when frontal, 0 at |yaw| ≥ 50° or |pitch| ≥ 40°" }),
    exposure: z.number().openapi({ description: "1 for a mean luma in 70..190, 0 at ≤ 20 or ≥ 240" }),
    detector: z.number().openapi({ description: "The detector's face probability" }),
    raw: z.object({ inter_ocular_px: z.number(), laplacian_variance: z.number(), mean_luma: z.number() }).openapi({ description: "The measurements behind the components" }),
  })
  .openapi("FaceQuality");

export const Liveness = z
  .object({
    score: z.number().openapi({ description: "Passive liveness model's probability of a bona fide face, 0..1. One model's opinion on one image, not a certified presentation-attack detection score (no ISO/IEC 30107-3 evaluation)." }),
    live: z.boolean().openapi({ description: "score ≥ threshold" }),
    threshold: z.number().openapi({ description: "The calibrated threshold (rejects about 2.7 % of bona fide development photos)", example: 0.5 }),
  })
  .openapi("FaceLiveness");

export const DetectedFace = z
  .object({
    box: Box,
    score: z.number().openapi({ description: "Detector face probability, 0..1" }),
    landmarks5: z.array(point).length(5).openapi({ description: "Eye centres, nose tip, mouth corners (image-left first)" }),
    landmarks: z.array(point).length(68).optional().openapi({ description: "68 points in iBUG 300-W order; only with `?landmarks=68`" }),
    pose: z
      .object({
        yaw: z.number().openapi({ description: "Degrees; positive = nose towards the image's right" }),
        pitch: z.number().openapi({ description: "Degrees; positive = looking up" }),
        roll: z.number().openapi({ description: "Degrees; positive = clockwise in the image" }),
      })
      .openapi({ description: "Head pose estimated from the 68 landmarks" }),
    quality: Quality,
    liveness: Liveness.nullable().openapi({ description: "Passive liveness of the dominant face (faces[0]); null on every other face and with `?liveness=false`" }),
  })
  .openapi("DetectedFace");

export const DetectQuery = z.object({
  landmarks: z.enum(["5", "68"]).default("5").openapi({ description: "`68` adds the 68-point landmarks to every face; `landmarks5` is always present" }),
  liveness: z.enum(["true", "false"]).default("true").openapi({ description: "`false` skips the passive liveness model" }),
  max_faces: z.coerce.number().int().min(1).max(20).default(10).openapi({ description: "At most this many faces, dominant first (1–20)" }),
});

export const DetectResult = z
  .object({
    width: z.number().int().openapi({ description: "Width of the upright image in pixels" }),
    height: z.number().int(),
    faces: z.array(DetectedFace).openapi({ description: "Dominant first (box area × detector score × quality); empty when there is no face" }),
    ms: z
      .object({ decode: z.number(), detect: z.number(), landmarks: z.number(), align: z.number(), liveness: z.number(), total: z.number() })
      .openapi({ description: "Milliseconds per stage. A deployed Worker's clock only advances across I/O, so there the split is coarse." }),
  })
  .openapi("FaceDetectResult");

const DominantFace = z
  .object({ box: Box, score: z.number(), quality: z.number().openapi({ description: "Quality score 0..1" }) })
  .openapi("CompareFace", { description: "The dominant face of the image, the one compared" });

export const CompareResult = z
  .object({
    similarity: z.number().openapi({ description: "Cosine similarity of the dominant faces' L2-normalised 512-d embeddings, -1..1", example: 0.62 }),
    match: z.boolean().openapi({ description: "similarity ≥ threshold" }),
    threshold: z.number().openapi({ description: "Calibrated match threshold (targets a false-accept rate of 0.1 % on the development set)", example: 0.37 }),
    faces_a: z.number().int().openapi({ description: "Faces found in image a (the dominant one is compared)" }),
    faces_b: z.number().int(),
    face_a: DominantFace,
    face_b: DominantFace,
    ms: z.object({ a: z.number(), b: z.number(), total: z.number() }).openapi({ description: "Milliseconds spent analysing each image, and in total" }),
  })
  .openapi("FaceCompareResult");
