/**
 * The manual-review queue: reviewers list the tenant's `manual_review` cases (oldest first, so nothing waits
 * forever) and settle each with approve → verified or reject → not_verified, with a reason.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { createRouter } from "../../app";
import { reviews, verifications } from "../../db/schema";
import { newId } from "../../lib/ids";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { PageQuery, page, pageOf } from "../../lib/pagination";
import { requestMeta, requireAuth } from "../../middleware/auth";
import { forgetFace } from "../../verifications/gallery";
import { loadVerification, transition } from "../../verifications/service";
import { summaryView, verificationView } from "../../verifications/view";
import { ApiError } from "../../lib/errors";
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
    const { limit, cursor } = c.req.valid("query");
    const rows = await c.var.services.db
      .select()
      .from(verifications)
      .where(and(eq(verifications.tenantId, c.var.principal.tenantId), eq(verifications.status, "manual_review"), cursor ? gt(verifications.id, cursor) : undefined))
      .orderBy(asc(verifications.id))
      .limit(limit + 1);
    const result = page(rows, limit, (r) => r.id);
    return c.json({ data: result.data.map((r) => ({ ...summaryView(r), reasons: r.reasons ?? [] })), next_cursor: result.next_cursor }, 200);
  })
  .openapi(reviewRoute, async (c) => {
    const s = c.var.services;
    const principal = c.var.principal;
    if (principal.type !== "user") throw new ApiError("FORBIDDEN", "Reviews are made by people");
    const { decision, reason } = c.req.valid("json");
    const v = await loadVerification(s, principal, c.req.valid("param").id);
    const to = decision === "approve" ? "verified" : "not_verified";
    const moved = await transition(s, v, to, {
      cause: "review",
      reason: `REVIEW_${decision.toUpperCase()}`,
      actor: { type: "user", id: principal.userId },
      meta: requestMeta(c),
      set: { decision: to },
    });
    if (!moved) throw new ApiError("CONFLICT", "Another reviewer settled this case first");
    // A rejected applicant's face is not kept for duplicate search.
    if (to === "not_verified") await forgetFace(s, v.id);
    await s.db.insert(reviews).values({ id: newId("rev"), tenantId: v.tenantId, verificationId: v.id, reviewerId: principal.userId, decision, reason, createdAt: s.now() });
    return c.json((await verificationView(s, v)) as never, 200);
  });
