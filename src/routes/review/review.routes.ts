/**
 * Contracts of the review routes: the manual-review queue (oldest first, with claims and filters), claim/unclaim,
 * the decision, and internal notes. Reviewers and admins only — never API keys: the tenant's back end and its
 * applicants must not see who works a case or what reviewers wrote to each other.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { REASON_CODES } from "../../pipeline/codes";
import { requireAuth } from "../../middleware/auth";
import { CLAIM_MS } from "../../verifications/review";
import { IdParam, NoteText, ReviewBody, VerificationSchema, VerificationSummary } from "../verifications/verifications.schemas";

const reviewers = requireAuth({ roles: ["reviewer", "admin"] });
const security = [{ bearerAuth: [] }];
const tags = ["Review"];

export const ClaimSchema = z
  .object({
    claimed_by: z.string().nullable().openapi({ description: "The user id of the reviewer holding the case; null when nobody does" }),
    claimed_until: z.string().nullable().openapi({ description: "When the claim lapses (ISO 8601); claiming again renews it" }),
  })
  .openapi("ReviewClaim");

export const QueueItem = VerificationSummary.extend({
  reasons: z.array(z.string()),
  waiting_since: z.string().openapi({ description: "When the case reached review (ISO 8601)" }),
  ...ClaimSchema.shape,
}).openapi("ReviewQueueItem");

export const NoteSchema = z
  .object({ id: z.string(), author_id: z.string(), review_id: z.string().nullable().openapi({ description: "Set when the note came with a review decision" }), text: z.string(), created_at: z.string() })
  .openapi("InternalNote");

export const queueRoute = createRoute({
  method: "get",
  path: "/v1/review/queue",
  operationId: "listReviewQueue",
  tags,
  summary: "Cases waiting for a reviewer",
  description: "The tenant's `manual_review` cases, oldest first, each with its claim (who works it, until when). Filters combine.",
  middleware: [reviewers] as const,
  security,
  request: {
    query: PageQuery.extend({
      unclaimed: z.enum(["true", "false"]).optional().openapi({ description: "`true`: only cases nobody holds a live claim on" }),
      reason: z.enum(REASON_CODES).optional().openapi({ description: "Only cases whose reasons include this code", example: "FACE_MISMATCH" }),
      mode: z.enum(["live", "test"]).optional(),
      older_than: z.coerce.number().int().min(0).max(525_600).optional().openapi({ description: "Only cases waiting at least this many minutes" }),
    }),
  },
  responses: { 200: jsonContent(pageOf(QueueItem), "Oldest first"), ...errorResponses(400, 401, 403) },
});

export const claimRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/claim",
  operationId: "claimVerification",
  tags,
  summary: "Claim a case (or renew your claim)",
  description: `Marks the case as yours for ${CLAIM_MS / 60_000} minutes so no other reviewer decides it meanwhile; claiming again renews it. 409 when another reviewer holds it (\`details.claimed_by\`, \`details.claimed_until\`) or the case is not in \`manual_review\`.`,
  middleware: [reviewers] as const,
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(ClaimSchema, "Claimed"), ...errorResponses(401, 403, 404, 409) },
});

export const unclaimRoute = createRoute({
  method: "delete",
  path: "/v1/verifications/{id}/claim",
  operationId: "unclaimVerification",
  tags,
  summary: "Release a claim",
  description: "Releases your claim (an admin may release anyone's). Releasing a case nobody holds changes nothing. 409 when another reviewer holds it.",
  middleware: [reviewers] as const,
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(ClaimSchema, "Released (the claim now in force: none)"), ...errorResponses(401, 403, 404, 409) },
});

export const reviewRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/review",
  operationId: "reviewVerification",
  tags,
  summary: "Settle a manual-review case",
  description:
    "approve → `verified`, reject → `not_verified` (final, webhook `verification.reviewed`); request_resubmission → `resubmission_requested` (webhook `verification.resubmission_requested`): the tenant uploads new images and submits again. 409 when another reviewer holds a claim on the case or it is no longer waiting for review.",
  middleware: [reviewers] as const,
  security,
  request: { params: IdParam, body: jsonBody(ReviewBody) },
  responses: { 200: jsonContent(VerificationSchema, "Reviewed"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const addNoteRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/notes",
  operationId: "addInternalNote",
  tags,
  summary: "Add an internal note",
  description: "Reviewers only; never shown to API keys. Stored encrypted and erased with the verification.",
  middleware: [reviewers] as const,
  security,
  request: { params: IdParam, body: jsonBody(z.object({ text: NoteText }).strict().openapi("NewInternalNote")) },
  responses: { 201: jsonContent(NoteSchema, "Added"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const listNotesRoute = createRoute({
  method: "get",
  path: "/v1/verifications/{id}/notes",
  operationId: "listInternalNotes",
  tags,
  summary: "Read a case's internal notes",
  description: "Oldest first (at most 500), including notes given with review decisions.",
  middleware: [reviewers] as const,
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(z.object({ data: z.array(NoteSchema) }), "The notes"), ...errorResponses(401, 403, 404) },
});
