/** Contracts of the synchronous face routes: detect faces in one image, compare the faces of two images (1:1). */
import { createRoute, z } from "@hono/zod-openapi";
import { binary, errorResponses, imageBody, jsonContent } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { CompareResult, DetectQuery, DetectResult } from "./faces.schemas";

const tags = ["Faces"];
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearerAuth: [] }];
/** API keys with the `faces` scope, and admins and reviewers (the console). */
export const facesAccess = requireAuth({ roles: ["admin", "reviewer"], scope: "faces", expensive: true });

// Images are checked by magic bytes in the handler (JPEG, PNG or WebP; ≤ 10 MB; ≤ 16.7 megapixels); the schema only documents them.

const imageRules =
  "Each image: JPEG, PNG or WebP (decided by magic bytes, not by the declared type), at most 10 MB and 16.7 megapixels (4096×4096); " +
  "EXIF orientation of JPEGs is applied, so coordinates refer to the upright image. Nothing is stored: the images and embeddings are discarded after the response.";

export const detectRoute = createRoute({
  method: "post",
  path: "/v1/faces/detect",
  operationId: "detectFaces",
  tags,
  summary: "Detect faces in an image",
  description:
    "Multipart with an `image` part, or the raw image as the body. Returns every face found (up to `max_faces`, dominant first) with its box, detector score, " +
    "five landmarks (68 with `?landmarks=68`), head pose, a quality estimate, and, for the dominant face only, the passive liveness score. " +
    "An image without a face is a valid answer: 200 with `faces: []`. " +
    imageRules,
  middleware: [facesAccess] as const,
  security,
  request: {
    query: DetectQuery,
    body: imageBody("image"),
  },
  responses: {
    200: jsonContent(DetectResult, "The faces found (possibly none)"),
    ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});

export const compareRoute = createRoute({
  method: "post",
  path: "/v1/faces/compare",
  operationId: "compareFaces",
  tags,
  summary: "Compare the faces of two images (1:1)",
  description:
    "Multipart with parts `a` and `b`. Compares the dominant face of each image (the largest, sharpest, most confident one; `faces_a`/`faces_b` say how many were found) " +
    "by the cosine similarity of their embeddings; `match` is `similarity ≥ threshold`, the calibrated threshold. " +
    "An image without a face → 422 `UNPROCESSABLE` with `details: {image: \"a\"|\"b\", reason: \"NO_FACE\", faces_a, faces_b}`. " +
    imageRules,
  middleware: [facesAccess] as const,
  security,
  request: {
    body: {
      required: false,
      content: {
        "multipart/form-data": {
          schema: z.object({ a: binary.openapi({ description: "First image" }), b: binary.openapi({ description: "Second image" }) }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(CompareResult, "Similarity of the two dominant faces"),
    ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});
