/**
 * Signed receipts: compact JWS (ES256, the key published at /.well-known/jwks.json) that a tenant can keep and
 * anyone can verify offline. The result receipt commits to the decision, the layer outcomes and the SHA-256 of
 * every image; the deletion receipt records what an erasure removed. Neither carries personal data.
 */
import { asc, eq } from "drizzle-orm";
import type { Services } from "../app/services";
import { artifacts, layerResults, reviews, verificationTransitions } from "../db/schema";
import { ApiError, notFound } from "../lib/errors";
import type { Erased } from "./erasure";
import { listMedia } from "./media";
import type { VerificationRow } from "./repository";
import type { Finding } from "../pipeline/types";
import { openFindings } from "./finding-data";
import { decryptDeclared, networkObservations } from "./repository";

/** The claims every signed document about a verification starts with. */
const claims = (s: Services, v: VerificationRow, typ: string) => ({ typ, iss: s.config.JWT_ISSUER, iat: Math.floor(s.now() / 1000), verification_id: v.id, tenant_id: v.tenantId });

/** Where the verification stands. */
const outcome = (v: VerificationRow) => ({ mode: v.mode, status: v.status, decision: v.decision, risk_score: v.riskScore, reasons: v.reasons ?? [], settings_version: v.settingsVersion });

export async function resultReceipt(s: Services, v: VerificationRow) {
  if (!v.completedAt || !["verified", "not_verified", "manual_review", "error"].includes(v.status)) {
    throw new ApiError("CONFLICT", `No result to sign yet: the verification is ${v.status}`);
  }
  const layers = await s.db
    .select({ layer: layerResults.layer, status: layerResults.status, score: layerResults.score })
    .from(layerResults)
    .where(eq(layerResults.verificationId, v.id));
  const mediaRows = await listMedia(s, v.id);
  const payload = {
    ...claims(s, v, "verification_result"),
    ...outcome(v),
    decided_at: new Date(v.completedAt).toISOString(),
    layers: layers.sort((a, b) => a.layer.localeCompare(b.layer)),
    media: mediaRows.map((m) => ({ kind: m.kind, sha256: m.sha256 })),
  };
  return { receipt: await s.tokens.signJws(payload, "ekyc-receipt+jws"), payload, kid: s.tokens.kid };
}

export async function deletionReceipt(s: Services, v: VerificationRow, erased: Erased) {
  const payload = {
    ...claims(s, v, "deletion_receipt"),
    erased_at: new Date(v.erasedAt ?? s.now()).toISOString(),
    erased_fields: erased.fields,
    r2_objects_deleted: erased.r2_objects_deleted,
    media_rows_deleted: erased.media_rows,
    evidence_files_deleted: erased.evidence_files,
    face_embeddings_deleted: erased.face_embeddings,
    document_image_hashes_deleted: erased.document_image_hashes,
    review_notes_erased: erased.review_notes,
    idempotency_records_deleted: erased.idempotency_records,
  };
  return { receipt: await s.tokens.signJws(payload, "ekyc-deletion+jws"), payload, kid: s.tokens.kid };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Everything held about one verification, as a signed JWS (an access request's answer). 404 once erased. */
export async function exportVerification(s: Services, v: VerificationRow) {
  if (v.erasedAt) throw notFound("Verification");
  const declared = await decryptDeclared(s, v);
  const [layers, history, reviewRows, evidence] = await s.db.batch([
    s.db.select().from(layerResults).where(eq(layerResults.verificationId, v.id)),
    s.db.select().from(verificationTransitions).where(eq(verificationTransitions.verificationId, v.id)).orderBy(asc(verificationTransitions.seq)),
    s.db.select().from(reviews).where(eq(reviews.verificationId, v.id)),
    s.db.select().from(artifacts).where(eq(artifacts.verificationId, v.id)),
  ]);
  const mediaRows = await listMedia(s, v.id);
  const payload = {
    ...claims(s, v, "verification_export"),
    declared: {
      applicant: { first_name: declared.firstName, last_name: declared.lastName, date_of_birth: declared.dateOfBirth, country: declared.country, network: await networkObservations(s, v) },
      document: { type: declared.documentType, number: declared.documentNumber, issuing_country: declared.documentIssuingCountry, expiry_date: declared.documentExpiry, mrz: declared.mrz },
      external_ref: v.externalRef,
      consent: { granted: v.consentGranted, text_version: v.consentTextVersion, at: iso(v.consentAt) },
      request_country: v.requestCountry,
    },
    ...outcome(v),
    media: mediaRows.map((m) => ({ kind: m.kind, sha256: m.sha256, content_type: m.contentType, width: m.width, height: m.height, uploaded_at: iso(m.createdAt), purged: m.purgedAt !== null })),
    evidence: evidence.map((a) => ({ name: a.name, layer: a.layer, sha256: a.sha256, link: `/v1/verifications/${v.id}/evidence/${a.name}`, purged: a.purgedAt !== null })),
    layers: await Promise.all(layers.map(async (l) => ({ layer: l.layer, status: l.status, score: l.score, findings: await openFindings(s.crypto, v.tenantId, l.findings as Finding[]) }))),
    reviews: reviewRows.map((r) => ({ decision: r.decision, reason: r.reason, at: iso(r.createdAt) })),
    history: history.map((t) => ({ from: t.fromStatus, to: t.toStatus, reason: t.reason, at: iso(t.createdAt) })),
    created_at: iso(v.createdAt),
  };
  return { export: await s.tokens.signJws(payload, "ekyc-export+jws"), payload, kid: s.tokens.kid };
}
