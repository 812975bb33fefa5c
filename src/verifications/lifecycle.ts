/**
 * The verification lifecycle as domain operations, free of HTTP: create (with or without images, optionally
 * submitting in the same call), add an image, submit, issue a head-pose challenge, re-decide under new settings.
 * Routes and the console call these with a principal and the request's metadata. Creation writes the verification,
 * its images' rows, a pending audit row and the `verification.created` outbox event in one D1 batch; its images are
 * put in storage first and removed again if the batch fails, so a refused or failed create leaves nothing behind.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { auditEvents, layerResults, media, outbox, verifications } from "../db/schema";
import { createChallenge } from "../face/challenge";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { CheckedImage } from "../media/uploads";
import { decide } from "../pipeline/decision";
import type { Finding, LayerResult } from "../pipeline/types";
import type { Principal, RequestMeta } from "../types";
import { actorOf } from "../types";
import { parseCountry } from "../lib/countries";
import type { MediaKind, MediaRow } from "./media";
import { listMedia, mediaRow, putObject } from "./media";
import type { StoredApplicant, VerificationRow } from "./repository";
import { modeOf } from "./repository";
import type { Status } from "./status";
import { afterCommit, commitTransition } from "./transition";

export interface CreateVerificationInput {
  applicant: {
    first_name: string;
    last_name: string;
    date_of_birth: string;
    country: string;
    country_as_sent?: string;
    email?: string;
    ip?: string;
    device?: { country?: string; asn?: number; anonymous?: boolean };
  };
  document: { type: string; number?: string; issuing_country?: string; issuing_country_as_sent?: string; expiry_date?: string; mrz?: string[] };
  consent: { granted: boolean; text_version: string };
  external_ref?: string;
}

export interface CreateRequest {
  input: CreateVerificationInput;
  files: { kind: MediaKind; image: CheckedImage }[];
  submit: boolean;
}

export const REQUIRED_MEDIA = ["document_front", "selfie"] as const satisfies readonly MediaKind[];

/** Document numbers compare without spaces, dashes or case. */
export const normaliseDocumentNumber = (n: string) => n.replace(/[\s-]/g, "").toUpperCase();

/** The device's country as alpha-2 (or `T1`, Cloudflare's code for Tor), like every other country we store. */
const normaliseDevice = (d: NonNullable<CreateVerificationInput["applicant"]["device"]>) => {
  const code = d.country?.toUpperCase();
  return { ...d, ...(code ? { country: code === "T1" ? "T1" : (parseCountry(code)?.code ?? code) } : {}) };
};

function missingMedia(kinds: Iterable<string>): string[] {
  const present = new Set(kinds);
  return REQUIRED_MEDIA.filter((k) => !present.has(k));
}

async function newVerificationRow(s: Services, principal: Principal, input: CreateVerificationInput, meta: RequestMeta, now: number): Promise<VerificationRow> {
  const tenantId = principal.tenantId;
  const applicant: StoredApplicant = {
    first_name: input.applicant.first_name,
    last_name: input.applicant.last_name,
    date_of_birth: input.applicant.date_of_birth,
    ...(input.applicant.email ? { email: input.applicant.email } : {}),
    ...(input.applicant.country_as_sent ? { country_as_sent: input.applicant.country_as_sent } : {}),
    ...(input.document.issuing_country_as_sent ? { issuing_country_as_sent: input.document.issuing_country_as_sent } : {}),
    ...(input.applicant.ip ? { ip: input.applicant.ip } : {}),
    ...(input.applicant.device ? { device: normaliseDevice(input.applicant.device) } : {}),
  };
  const number = input.document.number ? normaliseDocumentNumber(input.document.number) : null;
  const actor = actorOf(principal);
  return {
    id: newId("ver", now),
    tenantId,
    mode: modeOf(principal) ?? "live",
    status: "created",
    externalRef: input.external_ref ?? null,
    createdByType: actor.type,
    createdById: actor.id,
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
    requestIpEnc: meta.ip ? await s.crypto.encrypt(tenantId, meta.ip) : null,
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
    transitionId: null,
    claimedBy: null,
    claimedUntil: null,
  };
}

/** Creates a verification (and stores its images, and submits it, when asked) or, on any failure, nothing. */
export async function createVerification(s: Services, principal: Principal, req: CreateRequest, meta: RequestMeta): Promise<{ verification: VerificationRow; media: MediaRow[] }> {
  if (!req.input.consent.granted) {
    throw new ApiError("CONSENT_REQUIRED", "The applicant's consent must be granted before a verification is created", {
      details: { fields: { "consent.granted": ["must be true"] } },
    });
  }
  if (req.submit) {
    const missing = missingMedia(req.files.map((f) => f.kind));
    if (missing.length) throw new ApiError("MEDIA_MISSING", `Include ${missing.join(" and ")} to submit in the same call`, { details: { missing } });
  }
  const now = s.now();
  const v = await newVerificationRow(s, principal, req.input, meta, now);
  const rows = req.files.map((f, i) => mediaRow(v, f.kind, f.image, now + i));
  const audit = await s.audit.pendingRow(
    { tenantId: v.tenantId, actorType: v.createdByType, actorId: v.createdById, action: "verification.created", targetType: "verification", targetId: v.id, metadata: { mode: v.mode, images: rows.length } },
    { ip: meta.ip },
  );
  const event = s.outbox.stage({ type: "verification.created", tenantId: v.tenantId, mode: v.mode, verificationId: v.id, payload: { verification_id: v.id, from: null, status: "created", reason: null, mode: v.mode } });
  const stored: MediaRow[] = [];
  try {
    for (const [i, row] of rows.entries()) {
      await putObject(s, row, req.files[i].image);
      stored.push(row);
    }
    await s.db.batch([
      s.db.insert(verifications).values(v),
      s.db.insert(auditEvents).values(audit),
      s.db.insert(outbox).values({ ...event, seq: 0 }),
      ...rows.map((row) => s.db.insert(media).values(row)),
    ]);
  } catch (err) {
    if (stored.length) await s.media.delete(stored.map((r) => r.r2Key)).catch((e) => log.error("create_cleanup_failed", { verification_id: v.id, error: e }));
    throw err;
  }
  await afterCommit(s, v.tenantId, v.id);
  if (req.submit) await submitVerification(s, principal, v, meta);
  return { verification: v, media: rows };
}

/**
 * created (or resubmission_requested, after new images) → submitted, then the job is enqueued (if the send fails,
 * the sweeper re-enqueues it). A resubmission runs the whole pipeline again; its results replace the earlier ones.
 */
export async function submitVerification(s: Services, principal: Principal, v: VerificationRow, meta: RequestMeta): Promise<void> {
  if (v.status !== "created" && v.status !== "resubmission_requested") {
    throw new ApiError("INVALID_TRANSITION", `A verification in status ${v.status} cannot be submitted`, { details: { from: v.status, to: "submitted" } });
  }
  const missing = missingMedia((await listMedia(s, v.id)).filter((m) => !m.purgedAt).map((m) => m.kind));
  if (missing.length) throw new ApiError("MEDIA_MISSING", `Upload ${missing.join(" and ")} before submitting`, { details: { missing } });
  const moved = await commitTransition(s, v, { cause: "submit", to: "submitted", actor: actorOf(principal), ip: meta.ip, set: { submittedAt: s.now(), processingStartedAt: null, completedAt: null } });
  if (!moved) throw new ApiError("CONFLICT", "The verification was submitted or changed by another request");
  await s.jobs
    .enqueue({ verification_id: v.id, tenant_id: v.tenantId, enqueued_at: s.now() })
    .catch((err) => log.warn("enqueue_failed", { verification_id: v.id, error: err }));
}

/** Uniform random numbers from the CSPRNG, so a challenge cannot be predicted. */
const secureRandom = () => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;

export async function issueChallenge(s: Services, v: VerificationRow, opts: { mirrored?: boolean }) {
  if (v.status !== "created") throw new ApiError("INVALID_TRANSITION", `A challenge can be issued only before submission; the verification is ${v.status}`);
  const now = s.now();
  const challenge = { id: newId("chl", now), steps: createChallenge(secureRandom), mirrored: opts.mirrored ?? false, issued_at: new Date(now).toISOString() };
  const updated = await s.db
    .update(verifications)
    .set({ challenge, updatedAt: now })
    .where(and(eq(verifications.id, v.id), eq(verifications.status, "created")))
    .returning({ id: verifications.id });
  if (!updated.length) throw new ApiError("CONFLICT", "The verification was submitted meanwhile");
  return challenge;
}

/**
 * Re-decides a decided live verification from its stored layer results under the tenant's current settings. A new
 * decision that differs moves the status (a guarded transition); the same decision refreshes the score and reasons,
 * guarded by the last transition seen, so a reviewer acting meanwhile wins and this answers 409.
 */
export async function redecideVerification(s: Services, principal: Principal, v: VerificationRow, meta: RequestMeta): Promise<VerificationRow> {
  if (!["verified", "not_verified", "manual_review"].includes(v.status) || v.mode === "test") {
    throw new ApiError("INVALID_TRANSITION", `Only decided live verifications can be re-decided; this one is ${v.status}${v.mode === "test" ? " (test mode)" : ""}`);
  }
  const layers = await s.db.select().from(layerResults).where(eq(layerResults.verificationId, v.id));
  const { version, settings } = await s.settings.get(v.tenantId);
  const outcome = decide(layers.map((l) => ({ ...l, layer: l.layer as LayerResult["layer"], findings: l.findings as Finding[] })), settings);
  const set = { decision: outcome.decision, riskScore: outcome.risk_score, reasons: outcome.reasons, settingsVersion: version };
  if (outcome.decision !== v.status) {
    const moved = await commitTransition(s, v, { cause: "redecide", to: outcome.decision as Status, reason: "SETTINGS_CHANGED", actor: actorOf(principal), ip: meta.ip, set });
    if (!moved) throw new ApiError("CONFLICT", "The verification changed while re-deciding; retry");
    return v;
  }
  const updated = await s.db
    .update(verifications)
    .set({ ...set, updatedAt: s.now() })
    .where(
      and(
        eq(verifications.id, v.id),
        eq(verifications.status, v.status),
        v.transitionId ? eq(verifications.transitionId, v.transitionId) : sql`${verifications.transitionId} is null`,
      ),
    )
    .returning({ id: verifications.id });
  if (!updated.length) throw new ApiError("CONFLICT", "The verification changed while re-deciding; retry");
  return Object.assign(v, set);
}
