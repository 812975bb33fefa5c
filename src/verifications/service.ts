/**
 * Verifications: creation with encrypted personal data, tenant- and owner-scoped loading, and the one
 * function that changes a status (`transition`): a conditional update (so two workers cannot both move the
 * same verification), a transition row, an audit event and a live event, in that order.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Services } from "../services";
import { verificationTransitions, verifications } from "../db/schema";
import { ApiError, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { DeclaredData } from "../pipeline/types";
import type { Principal, RequestMeta } from "../types";
import type { StatusEvent } from "../../durable-objects/verification-events";
import type { Status, TransitionCause } from "./status";
import { canTransition } from "./status";

export type VerificationRow = typeof verifications.$inferSelect;

export interface CreateVerificationInput {
  applicant: { first_name: string; last_name: string; date_of_birth: string; country: string; country_as_sent?: string; email?: string };
  document: { type: string; number?: string; issuing_country?: string; issuing_country_as_sent?: string; expiry_date?: string; mrz?: string[] };
  consent: { granted: boolean; text_version: string };
  external_ref?: string;
}

interface StoredApplicant {
  first_name: string;
  last_name: string;
  date_of_birth: string;
  email?: string;
  /** Country codes exactly as the client sent them (the columns hold the normalised codes). */
  country_as_sent?: string;
  issuing_country_as_sent?: string;
}

/** Document numbers compare without spaces, dashes or case. */
export const normaliseDocumentNumber = (n: string) => n.replace(/[\s-]/g, "").toUpperCase();

export async function createVerification(s: Services, principal: Principal, input: CreateVerificationInput, meta: RequestMeta): Promise<VerificationRow> {
  if (!input.consent.granted) {
    throw new ApiError("CONSENT_REQUIRED", "The applicant's consent must be granted before a verification is created", {
      details: { fields: { "consent.granted": ["must be true"] } },
    });
  }
  const tenantId = principal.tenantId;
  const now = s.now();
  const applicant: StoredApplicant = {
    first_name: input.applicant.first_name,
    last_name: input.applicant.last_name,
    date_of_birth: input.applicant.date_of_birth,
    ...(input.applicant.email ? { email: input.applicant.email } : {}),
    ...(input.applicant.country_as_sent ? { country_as_sent: input.applicant.country_as_sent } : {}),
    ...(input.document.issuing_country_as_sent ? { issuing_country_as_sent: input.document.issuing_country_as_sent } : {}),
  };
  const number = input.document.number ? normaliseDocumentNumber(input.document.number) : null;
  const row: VerificationRow = {
    id: newId("ver", now),
    tenantId,
    mode: principal.type === "api_key" ? principal.mode : "live",
    status: "created",
    externalRef: input.external_ref ?? null,
    createdByType: principal.type,
    createdById: principal.type === "api_key" ? principal.keyId : principal.userId,
    applicantEnc: await s.crypto.encryptJson(tenantId, applicant),
    country: input.applicant.country.toUpperCase(),
    documentType: input.document.type,
    documentIssuingCountry: input.document.issuing_country?.toUpperCase() ?? null,
    documentNumberEnc: number ? await s.crypto.encrypt(tenantId, number) : null,
    documentNumberHash: number ? await s.crypto.blindIndex(tenantId, `document_number:${number}`) : null,
    documentExpiry: input.document.expiry_date ?? null,
    mrzEnc: input.document.mrz?.length ? await s.crypto.encryptJson(tenantId, input.document.mrz) : null,
    consentGranted: true,
    consentTextVersion: input.consent.text_version,
    consentAt: now,
    requestCountry: meta.country,
    requestIp: meta.ip,
    challenge: null,
    riskScore: null,
    decision: null,
    reasons: null,
    settingsVersion: null,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    submittedAt: null,
    processingStartedAt: null,
    completedAt: null,
    erasedAt: null,
  };
  await s.db.insert(verifications).values(row);
  await s.audit.append(
    { tenantId, actorType: principal.type, actorId: row.createdById, action: "verification.created", targetType: "verification", targetId: row.id },
    meta,
  );
  await publishEvent(s, row.id, { seq: 0, from: null, status: "created", reason: null, at: now });
  return row;
}

/**
 * Loads a verification the principal may see: same tenant always; a user with role `user` only their own.
 * Anything else is 404, so ids of other tenants reveal nothing.
 */
export async function loadVerification(s: Services, principal: Principal, id: string): Promise<VerificationRow> {
  const [row] = await selectVerification(s, principal, id);
  return visibleTo(principal, row);
}

/** The tenant-scoped read of one verification (a query, so callers can put it in a D1 batch). */
export const selectVerification = (s: Services, principal: Principal, id: string) =>
  s.db
    .select()
    .from(verifications)
    .where(and(eq(verifications.id, id), eq(verifications.tenantId, principal.tenantId)))
    .limit(1);

/** The row if the principal may see it, else 404 (a plain user sees only their own). */
export function visibleTo(principal: Principal, row: VerificationRow | undefined): VerificationRow {
  if (!row) throw notFound("Verification");
  if (principal.type === "user" && principal.role === "user" && !(row.createdByType === "user" && row.createdById === principal.userId)) {
    throw notFound("Verification");
  }
  return row;
}

export async function decryptDeclared(s: Services, row: VerificationRow): Promise<DeclaredData> {
  if (!row.applicantEnc) throw new ApiError("CONFLICT", "The verification's personal data was erased");
  const applicant = await s.crypto.decryptJson<StoredApplicant>(row.tenantId, row.applicantEnc);
  return {
    firstName: applicant.first_name,
    lastName: applicant.last_name,
    dateOfBirth: applicant.date_of_birth,
    country: row.country,
    documentType: row.documentType,
    documentNumber: row.documentNumberEnc ? await s.crypto.decrypt(row.tenantId, row.documentNumberEnc) : null,
    documentIssuingCountry: row.documentIssuingCountry,
    documentExpiry: row.documentExpiry,
    mrz: row.mrzEnc ? await s.crypto.decryptJson<string[]>(row.tenantId, row.mrzEnc) : null,
  };
}

export async function publishEvent(s: Services, verificationId: string, e: { seq: number; from: string | null; status: string; reason: string | null; at: number }) {
  const event: StatusEvent = { seq: e.seq + 1, verification_id: verificationId, from: e.from, status: e.status, reason: e.reason, at: new Date(e.at).toISOString() };
  try {
    const stub = s.bindings.VERIFICATION_EVENTS.get(s.bindings.VERIFICATION_EVENTS.idFromName(verificationId));
    await stub.publish(event);
  } catch (err) {
    // The transition is already stored in D1; the live stream is best effort and rebuilt from D1 on reconnect.
    log.warn("event_publish_failed", { verification_id: verificationId, status: e.status, error: err });
  }
}

export interface TransitionOptions {
  cause: TransitionCause;
  reason?: string | null;
  actor: { type: "user" | "api_key" | "system"; id: string | null };
  meta?: Partial<RequestMeta>;
  /** Extra columns written in the same conditional update (decision, risk score, timestamps). */
  set?: Partial<VerificationRow>;
}

/**
 * Moves `row` from its current status to `to`. Returns false (and changes nothing) when another worker moved it
 * first; throws 409 INVALID_TRANSITION when the move is not allowed from the current status.
 */
export async function transition(s: Services, row: VerificationRow, to: Status, opts: TransitionOptions): Promise<boolean> {
  const from = row.status as Status;
  if (!canTransition(from, to, opts.cause)) {
    throw new ApiError("INVALID_TRANSITION", `A verification in status ${from} cannot move to ${to}`, { details: { from, to } });
  }
  const now = s.now();
  const updated = await s.db
    .update(verifications)
    .set({ ...opts.set, status: to, updatedAt: now })
    .where(and(eq(verifications.id, row.id), eq(verifications.status, from)))
    .returning({ id: verifications.id });
  if (updated.length === 0) return false;

  const [{ next }] = await s.db
    .select({ next: sql<number>`coalesce(max(${verificationTransitions.seq}), 0) + 1` })
    .from(verificationTransitions)
    .where(eq(verificationTransitions.verificationId, row.id));
  await s.db.insert(verificationTransitions).values({
    id: newId("vtr", now),
    tenantId: row.tenantId,
    verificationId: row.id,
    seq: next,
    fromStatus: from,
    toStatus: to,
    reason: opts.reason ?? null,
    actor: opts.actor.id ? `${opts.actor.type}:${opts.actor.id}` : opts.actor.type,
    createdAt: now,
  });
  await s.audit.append(
    {
      tenantId: row.tenantId,
      actorType: opts.actor.type,
      actorId: opts.actor.id,
      action: `verification.${to}`,
      targetType: "verification",
      targetId: row.id,
      metadata: { from, to, cause: opts.cause, ...(opts.reason ? { reason: opts.reason } : {}) },
    },
    opts.meta,
  );
  Object.assign(row, opts.set, { status: to, updatedAt: now });
  await publishEvent(s, row.id, { seq: next, from, status: to, reason: opts.reason ?? null, at: now });
  return true;
}
