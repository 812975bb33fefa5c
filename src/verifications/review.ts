/**
 * Manual review: reviewers claim a `manual_review` case so two of them do not work it at once, settle it (approve →
 * verified, reject → not_verified, both final; request_resubmission → resubmission_requested, from which the tenant
 * uploads new images and submits again), and keep internal notes on it.
 *
 * - A claim belongs to one user for CLAIM_MS and is renewed by claiming again; a lapsed claim is no claim. Another
 *   reviewer's live claim refuses a claim and a decision with 409 naming the holder and the end of the claim.
 * - A decision is one guarded transition: the status change, the review row, its note, the audit row and the outbox
 *   event commit together, only while the case is still unclaimed or claimed by the decider, so two reviewers
 *   racing on one case produce exactly one review. A rejected (or resubmitted) applicant's face leaves the
 *   duplicate-search gallery in the same batch.
 * - Notes are reviewer-only text (never shown to API keys), AES-GCM encrypted per tenant, deleted on erasure; their
 *   audit rows carry ids, never the text.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { runBatch } from "../db/batch";
import { auditEvents, faceEmbeddings, reviewNotes, reviews, verifications } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { ResubmissionReason, TransitionReason } from "../pipeline/codes";
import { RESUBMISSION_REASONS } from "../pipeline/codes";
import type { Principal, RequestMeta } from "../types";
import type { VerificationRow } from "./repository";
import { loadForSystem } from "./repository";
import type { Status } from "./status";
import { commitTransition, guardedInsert } from "./transition";

export const REVIEW_DECISIONS = ["approve", "reject", "request_resubmission"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** How long a claim lasts; claiming again renews it. */
export const CLAIM_MS = 30 * 60_000;
/** The longest internal note, in characters. */
export const NOTE_MAX_CHARS = 2000;
/** Notes returned for one case (oldest first); a case with more is not a case any more, it is a thread. */
export const NOTES_LIMIT = 500;

export interface ReviewInput {
  decision: ReviewDecision;
  /** Free text the tenant sees with the review; required to approve or reject. */
  reason?: string;
  /** Required to request a resubmission: what the applicant must redo. */
  reason_code?: ResubmissionReason;
  /** An internal note stored with the review (reviewers only). */
  note?: string;
}

/** Who holds a claim and until when (ms); null when nobody does or the claim lapsed. */
export interface ActiveClaim {
  userId: string;
  until: number;
}

/**
 * The claim in force on a verification at `now`.
 *
 * @example
 * activeClaim({ claimedBy: "usr_1", claimedUntil: 2_000 }, 1_000) // → { userId: "usr_1", until: 2000 }
 * activeClaim({ claimedBy: "usr_1", claimedUntil: 2_000 }, 2_000) // → null (lapsed)
 */
export function activeClaim(v: Pick<VerificationRow, "claimedBy" | "claimedUntil">, now: number): ActiveClaim | null {
  return v.claimedBy && v.claimedUntil !== null && v.claimedUntil > now ? { userId: v.claimedBy, until: v.claimedUntil } : null;
}

/** The claim as the API shows it. */
export const claimView = (claim: ActiveClaim | null) => ({
  claimed_by: claim?.userId ?? null,
  claimed_until: claim ? new Date(claim.until).toISOString() : null,
});

/** 409 naming who holds the case and until when. */
const claimedByOther = (claim: ActiveClaim) =>
  new ApiError("CONFLICT", `Another reviewer is working on this case until ${new Date(claim.until).toISOString()}`, { details: { reason: "claimed", ...claimView(claim) } });

/** SQL: the case is free for `userId` at `now` — unclaimed, its claim lapsed, or claimed by that user. */
const freeFor = (userId: string, now: number) =>
  sql`(${verifications.claimedBy} is null or ${verifications.claimedUntil} <= ${now} or ${verifications.claimedBy} = ${userId})`;

function reviewerOf(principal: Principal): string {
  if (principal.type !== "user") throw new ApiError("FORBIDDEN", "Reviews are made by people");
  return principal.userId;
}

async function reload(s: Services, v: VerificationRow): Promise<VerificationRow> {
  const now = await loadForSystem(s, v.tenantId, v.id);
  if (!now) throw new ApiError("NOT_FOUND", "Verification not found");
  return now;
}

/**
 * Claims (or renews the caller's claim on) a `manual_review` case for CLAIM_MS. The claim and its audit row commit
 * together; another reviewer's live claim → 409 with who and until when.
 */
export async function claimCase(s: Services, principal: Principal, v: VerificationRow, meta: RequestMeta): Promise<ActiveClaim> {
  const userId = reviewerOf(principal);
  if (v.status !== "manual_review") throw new ApiError("INVALID_TRANSITION", `Only cases waiting for review can be claimed; this one is ${v.status}`);
  const now = s.now();
  const until = now + CLAIM_MS;
  const renewed = activeClaim(v, now)?.userId === userId;
  const audit = await s.audit.pendingRow(
    { tenantId: v.tenantId, actorType: "user", actorId: userId, action: "verification.claimed", targetType: "verification", targetId: v.id, metadata: { until, renewed } },
    { ip: meta.ip },
  );
  const holds = sql`exists (select 1 from ${verifications} where ${verifications.id} = ${v.id} and ${verifications.claimedBy} = ${userId} and ${verifications.claimedUntil} = ${until})`;
  const [updated] = await runBatch(s.db, [
    s.db
      .update(verifications)
      .set({ claimedBy: userId, claimedUntil: until })
      .where(
        sql`${verifications.id} = ${v.id} and ${verifications.tenantId} = ${v.tenantId} and ${verifications.status} = 'manual_review' and ${verifications.erasedAt} is null and ${freeFor(userId, now)}`,
      )
      .returning({ id: verifications.id }),
    guardedInsert(auditEvents, { ...audit }, holds),
  ]);
  if (updated.results.length === 0) {
    const current = await reload(s, v);
    const other = activeClaim(current, now);
    if (other && other.userId !== userId) throw claimedByOther(other);
    throw new ApiError("INVALID_TRANSITION", `Only cases waiting for review can be claimed; this one is ${current.status}`);
  }
  Object.assign(v, { claimedBy: userId, claimedUntil: until });
  await s.audit.seal(v.tenantId).catch((err) => log.warn("audit_seal_deferred", { tenant_id: v.tenantId, error: err }));
  return { userId, until };
}

/**
 * Releases the caller's claim (an admin may release anyone's). Releasing a case nobody holds changes nothing;
 * another reviewer's claim → 409 for a reviewer.
 */
export async function releaseClaim(s: Services, principal: Principal, v: VerificationRow, meta: RequestMeta): Promise<void> {
  const userId = reviewerOf(principal);
  const isAdmin = principal.type === "user" && principal.role === "admin";
  const now = s.now();
  const claim = activeClaim(v, now);
  if (!claim) return;
  if (claim.userId !== userId && !isAdmin) throw claimedByOther(claim);
  const audit = await s.audit.pendingRow(
    {
      tenantId: v.tenantId,
      actorType: "user",
      actorId: userId,
      action: "verification.unclaimed",
      targetType: "verification",
      targetId: v.id,
      metadata: { holder: claim.userId, forced: claim.userId !== userId },
    },
    { ip: meta.ip },
  );
  const [updated] = await runBatch(s.db, [
    s.db
      .update(verifications)
      .set({ claimedBy: null, claimedUntil: null })
      .where(and(eq(verifications.id, v.id), eq(verifications.claimedBy, claim.userId), eq(verifications.claimedUntil, claim.until)))
      .returning({ id: verifications.id }),
    // Written only when this request released the claim (a concurrent renewal or release wins otherwise).
    guardedInsert(auditEvents, { ...audit }, sql`changes() = 1`),
  ]);
  if (updated.results.length === 0) {
    const other = activeClaim(await reload(s, v), now);
    if (other && other.userId !== userId && !isAdmin) throw claimedByOther(other);
    return;
  }
  Object.assign(v, { claimedBy: null, claimedUntil: null });
  await s.audit.seal(v.tenantId).catch((err) => log.warn("audit_seal_deferred", { tenant_id: v.tenantId, error: err }));
}

/** Refuses an input a caller outside the HTTP schema (the console) could send; the route's schema says the same. */
function checkReviewInput(input: ReviewInput): void {
  const fields: Record<string, string[]> = {};
  if (input.decision === "request_resubmission") {
    if (!input.reason_code || !RESUBMISSION_REASONS.includes(input.reason_code)) fields.reason_code = [`required to request a resubmission: one of ${RESUBMISSION_REASONS.join(", ")}`];
  } else if (!input.reason?.trim()) {
    fields.reason = ["required to approve or reject"];
  }
  if (input.note !== undefined && (input.note.trim().length === 0 || input.note.length > NOTE_MAX_CHARS)) fields.note = [`1 to ${NOTE_MAX_CHARS} characters`];
  if (Object.keys(fields).length) throw new ApiError("VALIDATION_ERROR", "The review is invalid", { details: { fields } });
}

const OUTCOME: Record<ReviewDecision, { to: Status; reason?: TransitionReason }> = {
  approve: { to: "verified", reason: "REVIEW_APPROVE" },
  reject: { to: "not_verified", reason: "REVIEW_REJECT" },
  request_resubmission: { to: "resubmission_requested" },
};

/**
 * Settles a `manual_review` case. Refused with 409 when another reviewer holds a live claim on it, or when it is no
 * longer waiting for review; the caller's own claim ends with the decision.
 */
export async function reviewVerification(s: Services, principal: Principal, v: VerificationRow, input: ReviewInput, meta: RequestMeta): Promise<VerificationRow> {
  const userId = reviewerOf(principal);
  checkReviewInput(input);
  const now = s.now();
  const claim = activeClaim(v, now);
  if (claim && claim.userId !== userId) throw claimedByOther(claim);
  const { to, reason } = OUTCOME[input.decision];
  const reviewId = newId("rev", now);
  const rows = [
    {
      table: reviews,
      values: {
        id: reviewId,
        tenantId: v.tenantId,
        verificationId: v.id,
        reviewerId: userId,
        decision: input.decision,
        reason: input.reason?.trim() || null,
        reasonCode: input.decision === "request_resubmission" ? input.reason_code : null,
        createdAt: now,
      },
    },
    ...(input.note ? [{ table: reviewNotes, values: await noteRow(s, v, userId, input.note, now, reviewId) }] : []),
  ];
  const moved = await commitTransition(s, v, {
    cause: "review",
    to,
    reason: reason ?? input.reason_code,
    actor: { type: "user", id: userId },
    ip: meta.ip,
    where: freeFor(userId, now),
    set: { decision: to === "resubmission_requested" ? null : (to as "verified" | "not_verified"), claimedBy: null, claimedUntil: null },
    statements: (guard) => (to === "verified" ? [] : [sql`delete from ${faceEmbeddings} where ${faceEmbeddings.verificationId} = ${v.id} and ${guard}`]),
    rows,
  });
  if (!moved) {
    const other = activeClaim(await reload(s, v), now);
    if (other && other.userId !== userId) throw claimedByOther(other);
    throw new ApiError("CONFLICT", "This case is no longer waiting for review (another reviewer settled it first)");
  }
  return v;
}

export function latestReview(s: Services, verificationId: string) {
  return s.db.select().from(reviews).where(eq(reviews.verificationId, verificationId)).orderBy(sql`${reviews.createdAt} desc`).limit(1);
}

/** `rvn_…`: time-ordered like every id (src/lib/ids.ts), so notes list in the order they were written. */

async function noteRow(s: Services, v: VerificationRow, authorId: string, text: string, now: number, reviewId: string | null) {
  return { id: newId("rvn", now), tenantId: v.tenantId, verificationId: v.id, authorId, reviewId, textEnc: await s.crypto.encrypt(v.tenantId, text), createdAt: now };
}

/** A note as reviewers see it. */
export interface NoteView {
  id: string;
  author_id: string;
  review_id: string | null;
  text: string;
  created_at: string;
}

/** Adds an internal note to a (not erased) verification in any status; its audit row names the note, not its text. */
export async function addNote(s: Services, principal: Principal, v: VerificationRow, text: string, meta: RequestMeta): Promise<NoteView> {
  const userId = reviewerOf(principal);
  if (text.trim().length === 0 || text.length > NOTE_MAX_CHARS) throw new ApiError("VALIDATION_ERROR", "The note is invalid", { details: { fields: { text: [`1 to ${NOTE_MAX_CHARS} characters`] } } });
  const now = s.now();
  const row = await noteRow(s, v, userId, text, now, null);
  const audit = await s.audit.pendingRow(
    { tenantId: v.tenantId, actorType: "user", actorId: userId, action: "verification.note_added", targetType: "verification", targetId: v.id, metadata: { note_id: row.id } },
    { ip: meta.ip },
  );
  const notErased = sql`exists (select 1 from ${verifications} where ${verifications.id} = ${v.id} and ${verifications.erasedAt} is null)`;
  const [inserted] = await runBatch(s.db, [guardedInsert(reviewNotes, row, notErased), guardedInsert(auditEvents, { ...audit }, notErased)]);
  if ((inserted.meta?.changes ?? 0) === 0) throw new ApiError("CONFLICT", "The verification was erased; notes can no longer be added");
  await s.audit.seal(v.tenantId).catch((err) => log.warn("audit_seal_deferred", { tenant_id: v.tenantId, error: err }));
  return { id: row.id, author_id: userId, review_id: null, text, created_at: new Date(now).toISOString() };
}

/** The case's internal notes, oldest first (at most NOTES_LIMIT), decrypted for a reviewer. */
export async function listNotes(s: Services, v: VerificationRow): Promise<NoteView[]> {
  const rows = await s.db.select().from(reviewNotes).where(eq(reviewNotes.verificationId, v.id)).orderBy(asc(reviewNotes.id)).limit(NOTES_LIMIT);
  return Promise.all(
    rows.map(async (r) => ({ id: r.id, author_id: r.authorId, review_id: r.reviewId, text: await s.crypto.decrypt(r.tenantId, r.textEnc), created_at: new Date(r.createdAt).toISOString() })),
  );
}
