/**
 * Erasure of one applicant: every personal field of the verification is cleared (not just its key), every R2
 * object under the verification (uploads and derived evidence) deleted, face embeddings and media rows
 * removed, finding details that may quote personal data dropped, and the live event log cleared. The status,
 * decision and scores stay, so statistics and the audit trail remain true without identifying anyone.
 */
import { eq } from "drizzle-orm";
import type { Services } from "../services";
import { faceEmbeddings, layerResults, media, verifications } from "../db/schema";
import { log } from "../lib/log";
import type { Finding } from "../pipeline/types";
import { deleteVerificationObjects } from "./media";
import type { VerificationRow } from "./service";

export const ERASED_FIELDS = ["applicant.first_name", "applicant.last_name", "applicant.date_of_birth", "applicant.email", "document.number", "document.mrz", "request.ip", "external_ref", "media", "face_embeddings"];

export async function eraseVerification(s: Services, v: VerificationRow): Promise<{ objects: number; fields: string[] }> {
  const now = s.now();
  const objects = await deleteVerificationObjects(s, v.tenantId, v.id);
  await s.db.delete(faceEmbeddings).where(eq(faceEmbeddings.verificationId, v.id));
  await s.db.delete(media).where(eq(media.verificationId, v.id));
  const layers = await s.db.select({ id: layerResults.id, findings: layerResults.findings }).from(layerResults).where(eq(layerResults.verificationId, v.id));
  for (const l of layers) {
    const stripped = (l.findings as Finding[]).map(({ code, message, severity }) => ({ code, message, severity }));
    await s.db.update(layerResults).set({ findings: stripped }).where(eq(layerResults.id, l.id));
  }
  const set = {
    applicantEnc: null,
    documentNumberEnc: null,
    documentNumberHash: null,
    mrzEnc: null,
    requestIp: null,
    externalRef: null,
    challenge: null,
    erasedAt: now,
    updatedAt: now,
  };
  await s.db.update(verifications).set(set).where(eq(verifications.id, v.id));
  Object.assign(v, set);
  try {
    const stub = s.bindings.VERIFICATION_EVENTS.get(s.bindings.VERIFICATION_EVENTS.idFromName(v.id));
    await stub.clear();
  } catch (err) {
    log.warn("event_log_clear_failed", { verification_id: v.id, error: err });
  }
  return { objects, fields: ERASED_FIELDS };
}
