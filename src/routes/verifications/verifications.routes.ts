/** Contracts of the verification lifecycle: create, upload, submit, read, list, stream, receipts, erasure, re-decision. */
import { createRoute, z } from "@hono/zod-openapi";
import { binary, errorResponses, imageBody, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { requireAuth } from "../../middleware/auth";
import { STATUSES } from "../../verifications/status";
import { CreateVerificationShape, Created, IdParam, MediaParams, MediaStored, Receipt, VerificationSchema, VerificationSummary } from "./verifications.schemas";

const tags = ["Verifications"];
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearerAuth: [] }];
export const writer = requireAuth({ roles: ["user", "admin"], scope: "verifications:write" });
const reader = requireAuth({ roles: ["user", "admin", "reviewer", "auditor"], scope: "verifications:read" });
/** The writer's callers, plus a verification session's credential acting on its own verification (POST /v1/verification-sessions). */
const writerOrSession = requireAuth({ roles: ["user", "admin"], scope: "verifications:write", session: "act" });
/** The reader's callers, plus a session credential reading its own verification's status (only id, status and decision). */
const readerOrSession = requireAuth({ roles: ["user", "admin", "reviewer", "auditor"], scope: "verifications:read", session: "status" });


export const createVerificationRoute = createRoute({
  method: "post",
  path: "/v1/verifications",
  operationId: "createVerification",
  tags,
  summary: "Create a verification",
  description:
    "JSON body: creates the verification (`created`). Multipart: a `data` part with the same JSON, image parts named `document_front`, `document_back`, `selfie`, `selfie_frame` (repeatable), and `submit=true` to create, upload and submit in one call. Consent must be granted (422 otherwise). Honours `Idempotency-Key`.",
  middleware: [writer] as const,
  security,
  request: {
    headers: z.object({ "idempotency-key": z.string().max(255).optional().openapi({ description: "Same key + same body → same response" }) }),
    // `required: false` makes each validator run only for its own content type; the handler re-checks the JSON.
    body: {
      required: false,
      content: {
        "application/json": { schema: CreateVerificationShape },
        "multipart/form-data": {
          schema: z.object({
            data: z.string().openapi({ description: "The JSON body as a string" }),
            submit: z.enum(["true", "false"]).optional(),
            document_front: binary.optional(),
            document_back: binary.optional(),
            selfie: binary.optional(),
            selfie_frame: binary.optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: jsonContent(Created, "Created (and, with submit=true, submitted: status `submitted`)"),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429),
  },
});

export const uploadMediaRoute = createRoute({
  method: "put",
  path: "/v1/verifications/{id}/media/{kind}",
  operationId: "uploadMedia",
  tags,
  summary: "Upload an image",
  description:
    "The raw image as the body (any Content-Type; the type is decided by magic bytes: JPEG, PNG or WebP) or multipart with a `file` part. At most 10 MB and 16.7 megapixels (4096×4096). A new document_front, document_back or selfie replaces the previous one; up to 8 selfie_frame images add up.",
  middleware: [writerOrSession] as const,
  security,
  request: {
    params: MediaParams,
    body: imageBody("file"),
  },
  responses: { 201: jsonContent(MediaStored, "Stored"), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
});

export const submitRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/submit",
  operationId: "submitVerification",
  tags,
  summary: "Submit for processing",
  description: "Needs a document_front and a selfie. Enqueues the pipeline; follow progress with GET or the events stream.",
  middleware: [writerOrSession] as const,
  security,
  request: { params: IdParam },
  responses: { 202: jsonContent(z.object({ id: z.string(), status: z.literal("submitted") }), "Accepted"), ...errorResponses(401, 403, 404, 409, 422, 429) },
});

export const getVerificationRoute = createRoute({
  method: "get",
  path: "/v1/verifications/{id}",
  operationId: "getVerification",
  tags,
  summary: "Read a verification",
  description: "With a verification session's credential (`Bearer vsess_…` or `vsct_…`) the answer is only `{id, status, decision}` of the session's own verification.",
  middleware: [readerOrSession] as const,
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(VerificationSchema, "The verification with its evidence"), ...errorResponses(401, 403, 404, 429) },
});

export const listVerificationsRoute = createRoute({
  method: "get",
  path: "/v1/verifications",
  operationId: "listVerifications",
  tags,
  summary: "List verifications",
  middleware: [requireAuth({ roles: ["admin", "reviewer", "auditor"], scope: "verifications:read" })] as const,
  security,
  request: { query: PageQuery.extend({ status: z.enum(STATUSES).optional() }) },
  responses: { 200: jsonContent(pageOf(VerificationSummary), "Newest first"), ...errorResponses(400, 401, 403, 429) },
});

export const eventsRoute = createRoute({
  method: "get",
  path: "/v1/verifications/{id}/events",
  operationId: "streamVerificationEvents",
  tags,
  summary: "Stream status changes (server-sent events)",
  description:
    "Each event: `id: <seq>`, `event: status`, `data: {seq, verification_id, from, status, reason, at}`. Send `Last-Event-ID` to resume (credentials are checked again on every resume). The stream ends after a final status, after 60 s without an event, and after 10 minutes; EventSource clients reconnect by themselves. At most 5 streams per verification and 50 per tenant may be open at once (429 with Retry-After beyond that).",
  middleware: [requireAuth({ roles: ["user", "admin", "reviewer"], scope: "verifications:read" })] as const,
  security,
  request: { params: IdParam },
  responses: { 200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } }, ...errorResponses(401, 403, 404, 429) },
});

export const receiptRoute = createRoute({
  method: "get",
  path: "/v1/verifications/{id}/receipt",
  operationId: "getVerificationReceipt",
  tags,
  summary: "Signed receipt of the result",
  description: "A compact JWS over the decision, layer outcomes and image hashes, verifiable with /.well-known/jwks.json.",
  middleware: [requireAuth({ roles: ["user", "admin", "reviewer"], scope: "verifications:read" })] as const,
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(Receipt, "Signed result"), ...errorResponses(401, 403, 404, 409, 429) },
});

export const deleteVerificationRoute = createRoute({
  method: "delete",
  path: "/v1/verifications/{id}",
  operationId: "eraseVerification",
  tags,
  summary: "Erase the applicant's personal data and media",
  description: "Clears every personal field, deletes every stored image and derived file, and returns a signed deletion receipt.",
  middleware: [requireAuth({ roles: ["admin"], scope: "verifications:write" })] as const,
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(Receipt, "Erased"), ...errorResponses(401, 403, 404, 429) },
});

export const redecideRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/redecide",
  operationId: "redecideVerification",
  tags,
  summary: "Re-decide under the current settings",
  description: "Recomputes the decision from the stored layer results with the tenant's current settings; no layer runs again.",
  middleware: [requireAuth({ roles: ["admin"], expensive: true })] as const,
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: { 200: jsonContent(VerificationSchema, "Re-decided"), ...errorResponses(401, 403, 404, 409) },
});


export const challengeRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/challenge",
  operationId: "issueLivenessChallenge",
  tags,
  summary: "Issue a head-pose liveness challenge",
  description:
    "Returns a random sequence of head moves (turn_left, turn_right, look_up, look_down). Capture one selfie_frame per move, in order, upload them, then submit: the liveness layer checks the frames against the sequence with the head-pose estimate, that they show the selfie's person, and that no two are copies. Directions are the applicant's own; say `mirrored: true` if the frames are mirror images (a front-camera preview). A new challenge replaces the previous one; only before submission.",
  middleware: [writerOrSession] as const,
  security,
  request: { params: IdParam, body: { required: false, content: { "application/json": { schema: z.object({ mirrored: z.boolean().default(false) }).strict() } } } },
  responses: {
    201: jsonContent(
      z.object({ challenge_id: z.string(), steps: z.array(z.enum(["turn_left", "turn_right", "look_up", "look_down"])), mirrored: z.boolean(), issued_at: z.string(), frames_expected: z.number() }).openapi("Challenge"),
      "Challenge issued",
    ),
    ...errorResponses(400, 401, 403, 404, 409, 429),
  },
});

export const exportRoute = createRoute({
  method: "get",
  path: "/v1/verifications/{id}/export",
  operationId: "exportVerification",
  tags,
  summary: "Export everything held about the verification (access request)",
  description:
    "Declared data, media hashes, evidence links, layer results, decisions, reviews and history, as one JSON document signed as a compact JWS (ES256, verify with /.well-known/jwks.json) — the counterpart of the signed deletion receipt. 404 after erasure.",
  middleware: [requireAuth({ roles: ["admin"], scope: "verifications:read" })] as const,
  security,
  request: { params: IdParam },
  responses: {
    200: jsonContent(
      z.object({ export: z.string().openapi({ description: "Compact JWS (ES256) over `payload`" }), kid: z.string(), payload: z.record(z.string(), z.unknown()) }).openapi("SignedExport"),
      "Signed export",
    ),
    ...errorResponses(401, 403, 404, 429),
  },
});

export const evidenceRoute = createRoute({
  method: "get",
  path: "/v1/verifications/{id}/evidence/{name}",
  operationId: "getVerificationEvidence",
  tags,
  summary: "An evidence file (heatmap, face crop)",
  description: "The files a verification's layers produced, by the names listed in its `evidence`. For reviewers and admins; never cached.",
  middleware: [requireAuth({ roles: ["admin", "reviewer"] })] as const,
  security: [{ bearerAuth: [] }],
  request: { params: IdParam.extend({ name: z.string().regex(/^[a-z0-9_]{1,64}$/).openapi({ param: { name: "name", in: "path" }, example: "face_document" }) }) },
  responses: {
    200: { description: "The file", content: { "image/png": { schema: binary }, "image/jpeg": { schema: binary } } },
    ...errorResponses(400, 401, 403, 404, 429),
  },
});
