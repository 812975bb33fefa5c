/**
 * Erasure of one applicant. First, one D1 batch marks the verification erased and clears every personal field,
 * deletes its media, evidence and face-embedding rows, the idempotency records that point at it, reviewers' free
 * text and internal notes (counted in `review_notes`, and listed as `review.internal_notes` in `fields`), and finding details that may quote personal data; it also writes the audit row and the
 * `verification.deleted` outbox event. Marking it erased first means a job running meanwhile cannot store anything
 * afterwards (its guarded batch requires `erased_at IS NULL`). Then every object under the verification's storage
 * prefix is deleted and its live event log cleared. Status, decision and scores stay, so statistics and the audit
 * chain (which holds no personal data) remain true without identifying anyone.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Services } from "../app/services";
import { artifacts, auditEvents, documentImages, faceEmbeddings, idempotencyKeys, layerResults, media, outbox, reviewNotes, reviews, verificationTransitions, verifications } from "../db/schema";
import { log } from "../lib/log";
import type { Finding } from "../pipeline/types";
import type { Principal, RequestMeta } from "../types";
import { actorOf } from "../types";
import { verificationPrefix } from "./media";
import type { VerificationRow } from "./repository";
import { afterCommit } from "./transition";

export interface Erased {
  /** Names of the personal fields that held data and were cleared. */
  fields: string[];
  r2_objects_deleted: number;
  media_rows: number;
  evidence_files: number;
  face_embeddings: number;
  document_image_hashes: number;
  /** Reviewers' free-text reasons cleared plus internal notes deleted. */
  review_notes: number;
  idempotency_records: number;
}

const PERSONAL_COLUMNS = [
  ["applicantEnc", ["applicant.first_name", "applicant.last_name", "applicant.date_of_birth", "applicant.email"]],
  ["documentNumberEnc", ["document.number"]],
  ["mrzEnc", ["document.mrz"]],
  ["requestIpEnc", ["request.ip"]],
  ["externalRef", ["external_ref"]],
  ["challenge", ["challenge"]],
] as const;

export async function eraseVerification(s: Services, principal: Principal | null, v: VerificationRow, meta: Partial<RequestMeta> = {}): Promise<Erased> {
  const now = s.now();
  const [mediaRows, evidenceRows, faces, documentHashes, reviewRows, idem, layers, notes] = await s.db.batch([
    s.db.select({ id: media.id }).from(media).where(eq(media.verificationId, v.id)),
    s.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.verificationId, v.id)),
    s.db.select({ id: faceEmbeddings.id }).from(faceEmbeddings).where(eq(faceEmbeddings.verificationId, v.id)),
    s.db.select({ id: documentImages.id }).from(documentImages).where(eq(documentImages.verificationId, v.id)),
    s.db.select({ id: reviews.id, reason: reviews.reason }).from(reviews).where(eq(reviews.verificationId, v.id)),
    s.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(eq(idempotencyKeys.resourceId, v.id)),
    s.db.select({ id: layerResults.id, findings: layerResults.findings }).from(layerResults).where(eq(layerResults.verificationId, v.id)),
    s.db.select({ id: reviewNotes.id }).from(reviewNotes).where(eq(reviewNotes.verificationId, v.id)),
  ]);
  const fields = [...PERSONAL_COLUMNS.filter(([col]) => v[col] !== null).flatMap(([, names]) => names), ...(notes.length ? ["review.internal_notes"] : [])];
  const actor = principal ? actorOf(principal) : { type: "system" as const, id: null };
  const audit = await s.audit.pendingRow(
    { tenantId: v.tenantId, actorType: actor.type, actorId: actor.id, action: "verification.erased", targetType: "verification", targetId: v.id, metadata: { fields: fields.length, media: mediaRows.length } },
    { ip: meta.ip ?? null },
  );
  const event = s.outbox.stage({ type: "verification.deleted", tenantId: v.tenantId, mode: v.mode, verificationId: v.id, payload: { verification_id: v.id, mode: v.mode } });
  const cleared = { applicantEnc: null, documentNumberEnc: null, documentNumberHash: null, mrzEnc: null, requestIpEnc: null, externalRef: null, challenge: null, erasedAt: now, updatedAt: now };
  const statements: BatchItem<"sqlite">[] = [
    s.db.update(verifications).set(cleared).where(eq(verifications.id, v.id)),
    s.db.delete(faceEmbeddings).where(eq(faceEmbeddings.verificationId, v.id)),
    s.db.delete(documentImages).where(eq(documentImages.verificationId, v.id)),
    s.db.delete(media).where(eq(media.verificationId, v.id)),
    s.db.delete(artifacts).where(eq(artifacts.verificationId, v.id)),
    s.db.update(reviews).set({ reason: null }).where(eq(reviews.verificationId, v.id)),
    s.db.delete(reviewNotes).where(eq(reviewNotes.verificationId, v.id)),
    s.db.delete(idempotencyKeys).where(eq(idempotencyKeys.resourceId, v.id)),
    s.db.insert(auditEvents).values(audit),
    // The event takes the next number of the verification's sequence, after its last transition.
    s.db.insert(outbox).values({ ...event, seq: sql`(select coalesce(max(${verificationTransitions.seq}), 0) + 1 from ${verificationTransitions} where ${verificationTransitions.verificationId} = ${v.id})` }),
    ...layers
      .filter((l) => (l.findings as Finding[]).some((f) => f.data))
      .map((l) => s.db.update(layerResults).set({ findings: (l.findings as Finding[]).map(({ code, message, severity }) => ({ code, message, severity })) }).where(eq(layerResults.id, l.id))),
  ];
  await s.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  Object.assign(v, cleared);

  const objects = await s.media.deletePrefix(verificationPrefix(v.tenantId, v.id));
  await s.statusEvents.clear(v.id).catch((err) => log.warn("event_log_clear_failed", { verification_id: v.id, error: err }));
  await afterCommit(s, v.tenantId, v.id);
  return {
    fields,
    r2_objects_deleted: objects,
    media_rows: mediaRows.length,
    evidence_files: evidenceRows.length,
    face_embeddings: faces.length,
    document_image_hashes: documentHashes.length,
    review_notes: reviewRows.filter((r) => r.reason !== null).length + notes.length,
    idempotency_records: idem.length,
  };
}

/** Erases many (retention of abandoned verifications); returns how many. */
export async function eraseAll(s: Services, rows: VerificationRow[]): Promise<number> {
  for (const v of rows) await eraseVerification(s, null, v);
  return rows.length;
}
