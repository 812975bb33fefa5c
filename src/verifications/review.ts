/**
 * Manual review: a reviewer settles a `manual_review` case with approve → verified or reject → not_verified and a
 * reason. The status change, the review row, its audit row and outbox event commit together (one guarded
 * transition), so two reviewers racing on one case produce exactly one review; a rejected applicant's face leaves
 * the duplicate-search gallery in the same batch.
 */
import { eq, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { faceEmbeddings, reviews } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Principal, RequestMeta } from "../types";
import type { VerificationRow } from "./repository";
import { commitTransition } from "./transition";

export type ReviewDecision = "approve" | "reject";

export async function reviewVerification(s: Services, principal: Principal, v: VerificationRow, input: { decision: ReviewDecision; reason: string }, meta: RequestMeta): Promise<VerificationRow> {
  if (principal.type !== "user") throw new ApiError("FORBIDDEN", "Reviews are made by people");
  const to = input.decision === "approve" ? "verified" : "not_verified";
  const moved = await commitTransition(s, v, {
    cause: "review",
    to,
    reason: input.decision === "approve" ? "REVIEW_APPROVE" : "REVIEW_REJECT",
    actor: { type: "user", id: principal.userId },
    ip: meta.ip,
    set: { decision: to },
    statements: (guard) => (to === "not_verified" ? [sql`delete from ${faceEmbeddings} where ${faceEmbeddings.verificationId} = ${v.id} and ${guard}`] : []),
    rows: [{ table: reviews, values: { id: newId("rev", s.now()), tenantId: v.tenantId, verificationId: v.id, reviewerId: principal.userId, decision: input.decision, reason: input.reason, createdAt: s.now() } }],
  });
  if (!moved) throw new ApiError("CONFLICT", "This case is no longer waiting for review (another reviewer settled it first)");
  return v;
}

export function latestReview(s: Services, verificationId: string) {
  return s.db.select().from(reviews).where(eq(reviews.verificationId, verificationId)).orderBy(sql`${reviews.createdAt} desc`).limit(1);
}
