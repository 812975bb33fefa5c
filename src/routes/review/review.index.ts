/**
 * The manual-review queue: reviewers list the tenant's `manual_review` cases (oldest first, so nothing waits
 * forever) and settle each with approve → verified or reject → not_verified, with a reason.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../app/create-app";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { PageQuery, page, pageOf } from "../../lib/pagination";
import { requestMeta, requireAuth } from "../../middleware/auth";
import { loadVerification, reviewQueue } from "../../verifications/repository";
import { reviewVerification } from "../../verifications/review";
import { summaryView, verificationView } from "../../verifications/view";
import { IdParam, ReviewBody, VerificationSchema, VerificationSummary } from "../verifications/verifications.schemas";

const reviewers = requireAuth({ roles: ["reviewer", "admin"] });
const security = [{ bearerAuth: [] }];

const queueRoute = createRoute({
  method: "get",
  path: "/v1/review/queue",
  operationId: "listReviewQueue",
  tags: ["Review"],
  summary: "Cases waiting for a reviewer",
  middleware: [reviewers] as const,
  security,
  request: { query: PageQuery },
  responses: { 200: jsonContent(pageOf(VerificationSummary.extend({ reasons: z.array(z.string()) })), "Oldest first"), ...errorResponses(400, 401, 403) },
});

const reviewRoute = createRoute({
  method: "post",
  path: "/v1/verifications/{id}/review",
  operationId: "reviewVerification",
  tags: ["Review"],
  summary: "Settle a manual-review case",
  middleware: [reviewers] as const,
  security,
  request: { params: IdParam, body: jsonBody(ReviewBody) },
  responses: { 200: jsonContent(VerificationSchema, "Reviewed"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const reviewRouter = createRouter()
  .openapi(queueRoute, async (c) => {
    const q = c.req.valid("query");
    const result = page(await reviewQueue(c.var.services, c.var.principal, q), q.limit, (r) => r.id);
    return c.json({ data: result.data.map((r) => ({ ...summaryView(r), reasons: r.reasons ?? [] })), next_cursor: result.next_cursor }, 200);
  })
  .openapi(reviewRoute, async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
    await reviewVerification(s, c.var.principal, v, c.req.valid("json"), requestMeta(c));
    return c.json((await verificationView(s, v)) as never, 200);
  });
