/**
 * Verification sessions: the tenant's server creates one (a verification plus a session bound to it) and sends its
 * applicant to `url`; the hosted page (or the tenant's own app) authenticates with the client secret.
 *
 * Two credentials, both random and stored only as keyed hashes (HMAC with a server-derived key, so a copy of the table
 * does not let anyone test guesses, while lookup stays a single indexed equality without knowing the tenant):
 * - the client secret `vsess_…`, in the link's fragment (never sent to servers, never in a Referer); it works until
 *   it is exchanged, so a copied link is dead once the page has opened;
 * - the page's credential `vsct_…`, returned once by the exchange, valid until the session ends.
 *
 * Status: `open` → (exchange) `in_use` → (submit) `submitted` → (final decision) `completed`; `canceled` and `expired`
 * end it at any point before submission. Every read (`getSession`, authentication) computes the effective status and
 * persists it when it changed, so a credential stops working the moment its session ends; the minute cron
 * (`sweepSessions`) does the same for sessions nobody reads, so `verification_session.expired` and `.completed` reach
 * the tenant's webhooks within a minute either way.
 */
import { and, eq, inArray, isNotNull, isNull, lte, ne, or } from "drizzle-orm";
import type { Services } from "../app/services";
import { outbox, verificationSessions, verifications } from "../db/schema";
import { randomToken } from "../lib/crypto";
import { ApiError, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { CreateVerificationInput } from "../verifications/lifecycle";
import { createVerification } from "../verifications/lifecycle";
import { modeOf } from "../verifications/repository";
import type { Status } from "../verifications/status";
import { isFinal } from "../verifications/status";
import type { Principal, RequestMeta } from "../types";
import { actorOf } from "../types";
import { log } from "../lib/log";
import type { SESSION_EVENT_TYPES } from "../webhooks/events";

export type SessionRow = typeof verificationSessions.$inferSelect;
export type SessionStatus = SessionRow["status"];

export const CLIENT_SECRET_PREFIX = "vsess_";
export const CREDENTIAL_PREFIX = "vsct_";
/** A session lives at most a day; the default is one hour. */
export const MAX_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_TTL_SECONDS = 60 * 60;
/** The pseudo-tenant whose derived HMAC key hashes session secrets (they are looked up before the tenant is known). */
const HASH_KEY_OWNER = "verification-sessions";
/** 32 random bytes, base64url: 43 characters. */
const SECRET_PATTERN = /^(vsess_|vsct_)[A-Za-z0-9_-]{43}$/;

export interface SessionOptions {
  allowed_document_types: string[];
  challenge_required: boolean;
  return_url: string | null;
  locale: string;
}

export interface CreateSessionInput {
  verification: CreateVerificationInput;
  options: SessionOptions;
  ttlSeconds: number;
  /** Where the API is served, for the capture link (`https://kyc.example.com`). */
  origin: string;
}

export interface CreatedSession {
  id: string;
  verification_id: string;
  url: string;
  client_secret: string;
  expires_at: string;
}

/** Statuses after which no credential of the session works at all. */
export const ENDED: readonly SessionStatus[] = ["completed", "canceled", "expired"];

const hashSecret = (s: Services, secret: string) => s.crypto.blindIndex(HASH_KEY_OWNER, secret);

/** The outbox row announcing a session's new status (thin: ids and the status only). */
function sessionEvent(s: Services, row: SessionRow, status: SessionStatus, type: (typeof SESSION_EVENT_TYPES)[number]) {
  return s.outbox.stage({ type, tenantId: row.tenantId, mode: row.mode, payload: { session_id: row.id, verification_id: row.verificationId, status } });
}

/** Publishes committed events now (the cron retries what fails). */
async function publish(s: Services): Promise<void> {
  await s.outbox.flush().catch((err) => log.warn("outbox_flush_deferred", { error: err }));
}

/** The event announcing each status a session can move to after creation. */
const EVENT_OF_STATUS: Partial<Record<SessionStatus, (typeof SESSION_EVENT_TYPES)[number]>> = {
  canceled: "verification_session.canceled",
  expired: "verification_session.expired",
  completed: "verification_session.completed",
};

/**
 * Sets a new status if the row still has `from`, and announces the ends (canceled, expired, completed), publishing at
 * once unless `publishNow` is false (the sweeper publishes once for all it moved). Returns whether it changed.
 */
async function moveStatus(s: Services, row: SessionRow, from: SessionStatus, to: SessionStatus, now: number, publishNow = true): Promise<boolean> {
  const changed = await s.db
    .update(verificationSessions)
    .set({ status: to, updatedAt: now })
    .where(and(eq(verificationSessions.id, row.id), eq(verificationSessions.status, from)))
    .returning({ id: verificationSessions.id });
  if (!changed.length) return false;
  const type = EVENT_OF_STATUS[to];
  if (type) {
    // Not in one batch with the update: a crash in between loses this event (the verification's own events still go out).
    await s.db.insert(outbox).values(sessionEvent(s, row, to, type));
    if (publishNow) await publish(s);
  }
  return true;
}

/**
 * The link the applicant opens: the secret rides in the fragment, which browsers never send to a server or put in a
 * Referer.
 *
 * @example
 * captureUrl("https://kyc.example.com", "vss_0191…", "vsess_abc…") // → "https://kyc.example.com/capture/vss_0191…#secret=vsess_abc…"
 */
export function captureUrl(origin: string, id: string, secret: string): string {
  return `${origin.replace(/\/+$/, "")}/capture/${id}#secret=${secret}`;
}

/**
 * Whether a return URL is acceptable: https always; plain http only to localhost, and only outside staging and
 * production (a developer's machine).
 *
 * @example
 * returnUrlAllowed("https://shop.example/done", "production") // → true
 * returnUrlAllowed("http://localhost:3000/done", "development") // → true
 * returnUrlAllowed("http://localhost:3000/done", "production") // → false
 */
export function returnUrlAllowed(value: string, environment: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === "https:") return true;
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  return url.protocol === "http:" && local && (environment === "development" || environment === "test");
}

/**
 * The status a session has now, given the clock and its verification's status: expiry wins before submission, and
 * after submission the session follows the verification (final → `completed`).
 *
 * @example
 * effectiveStatus({ status: "in_use", expiresAt: 10 }, "created", 11)   // → "expired"
 * effectiveStatus({ status: "in_use", expiresAt: 10 }, "processing", 5) // → "submitted"
 * effectiveStatus({ status: "submitted", expiresAt: 10 }, "verified", 11) // → "completed"
 */
export function effectiveStatus(row: Pick<SessionRow, "status" | "expiresAt">, verificationStatus: Status | null, nowMs: number): SessionStatus {
  if (row.status === "canceled" || row.status === "expired" || row.status === "completed") return row.status;
  if (verificationStatus === null) return "canceled"; // the verification is gone (erased)
  if (isFinal(verificationStatus)) return "completed";
  if (verificationStatus !== "created") return "submitted";
  if (nowMs >= row.expiresAt) return "expired";
  return row.status;
}

/** Creates the verification (through the ordinary create, so every rule of POST /v1/verifications applies) and its session. */
export async function createSession(s: Services, principal: Principal, input: CreateSessionInput, meta: RequestMeta): Promise<CreatedSession> {
  if (principal.type === "session") throw new ApiError("FORBIDDEN", "A session credential cannot create sessions");
  const ttl = Math.min(Math.max(input.ttlSeconds, 60), MAX_TTL_SECONDS);
  const { verification } = await createVerification(s, principal, { input: input.verification, files: [], submit: false }, meta);
  const now = s.now();
  const id = newId("vss", now);
  const secret = CLIENT_SECRET_PREFIX + randomToken(32);
  const actor = actorOf(principal);
  const row: SessionRow = {
    id,
    tenantId: principal.tenantId,
    mode: verification.mode,
    verificationId: verification.id,
    clientSecretHash: await hashSecret(s, secret),
    credentialHash: null,
    status: "open",
    options: { ...input.options },
    expiresAt: now + ttl * 1000,
    exchangedAt: null,
    createdBy: `${actor.type}:${actor.id}`,
    createdAt: now,
    updatedAt: now,
  };
  await s.db.batch([s.db.insert(verificationSessions).values(row), s.db.insert(outbox).values(sessionEvent(s, row, "open", "verification_session.created"))]);
  await publish(s);
  return { id, verification_id: verification.id, url: captureUrl(input.origin, id, secret), client_secret: secret, expires_at: new Date(row.expiresAt).toISOString() };
}

/** Persists a changed effective status (guarded on the old one, so concurrent readers agree) and returns the row as it is now. */
async function settle(s: Services, row: SessionRow, verificationStatus: Status | null, publishNow = true): Promise<SessionRow> {
  const now = s.now();
  const status = effectiveStatus(row, verificationStatus, now);
  if (status === row.status) return row;
  await moveStatus(s, row, row.status, status, now, publishNow);
  return { ...row, status, updatedAt: now };
}

async function withVerificationStatus(s: Services, where: ReturnType<typeof eq>) {
  const [found] = await s.db
    .select({ session: verificationSessions, verificationStatus: verifications.status, erasedAt: verifications.erasedAt })
    .from(verificationSessions)
    .leftJoin(verifications, eq(verifications.id, verificationSessions.verificationId))
    .where(where)
    .limit(1);
  if (!found) return undefined;
  return settle(s, found.session, found.erasedAt === null ? found.verificationStatus : null);
}

/** Sessions settled per cron run; the rest wait for the next minute (or their next read). */
const SWEEP_BATCH = 200;

/**
 * The minute cron's part: brings every session whose status is out of date up to date (past its expiry before
 * submission → `expired`; its verification submitted → `submitted`, final → `completed`, erased → `canceled`),
 * each with its event. Returns how many moved.
 */
export async function sweepSessions(s: Services): Promise<{ settled: number }> {
  const now = s.now();
  const live = ["open", "in_use"] as const;
  const due = await s.db
    .select({ session: verificationSessions, verificationStatus: verifications.status, erasedAt: verifications.erasedAt })
    .from(verificationSessions)
    .leftJoin(verifications, eq(verifications.id, verificationSessions.verificationId))
    .where(
      or(
        and(inArray(verificationSessions.status, live), lte(verificationSessions.expiresAt, now)),
        and(
          inArray(verificationSessions.status, [...live, "submitted"]),
          or(isNull(verifications.id), isNotNull(verifications.erasedAt), ne(verifications.status, "created")),
        ),
      ),
    )
    .limit(SWEEP_BATCH);
  let settled = 0;
  for (const found of due) {
    const after = await settle(s, found.session, found.erasedAt === null ? found.verificationStatus : null, false);
    if (after.status !== found.session.status) settled++;
  }
  if (settled) await publish(s);
  return { settled };
}

/** One session of the caller's tenant (and mode, for an API key), with its status brought up to date; 404 otherwise. */
export async function getSession(s: Services, principal: Principal, id: string): Promise<SessionRow> {
  const row = await withVerificationStatus(s, eq(verificationSessions.id, id));
  const mode = modeOf(principal);
  if (!row || row.tenantId !== principal.tenantId || (mode && row.mode !== mode)) throw notFound("Verification session");
  if (principal.type === "session" && principal.sessionId !== row.id) throw notFound("Verification session");
  return row;
}

/**
 * Cancels a session that has not been submitted: its credentials stop working at once. The verification stays
 * `created` (the status machine has no cancellation; it simply never gets images). Submitted or ended → 409.
 */
export async function cancelSession(s: Services, principal: Principal, id: string): Promise<SessionRow> {
  const row = await getSession(s, principal, id);
  if (row.status !== "open" && row.status !== "in_use") {
    throw new ApiError("INVALID_TRANSITION", `A session in status ${row.status} cannot be canceled`, { details: { from: row.status, to: "canceled" } });
  }
  const now = s.now();
  if (!(await moveStatus(s, row, row.status, "canceled", now))) throw new ApiError("CONFLICT", "The session changed while it was being canceled; read it again");
  return { ...row, status: "canceled", updatedAt: now };
}

export type SessionCredentialKind = "client_secret" | "credential";
export type SessionLookup =
  | { ok: true; session: SessionRow; kind: SessionCredentialKind }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" | "expired"; status?: SessionStatus };

/** Whether a bearer token is a session credential by its prefix (it is then never parsed as a JWT). */
export const isSessionToken = (token: string) => token.startsWith(CLIENT_SECRET_PREFIX) || token.startsWith(CREDENTIAL_PREFIX);

/**
 * Finds the session a presented secret or credential belongs to, with its status brought up to date. A client secret
 * that was already exchanged is `revoked`; a session canceled is `revoked`; completed or expired is `expired`.
 */
export async function authenticateSession(s: Services, presented: string): Promise<SessionLookup> {
  if (!SECRET_PATTERN.test(presented)) return { ok: false, reason: "malformed" };
  const kind: SessionCredentialKind = presented.startsWith(CLIENT_SECRET_PREFIX) ? "client_secret" : "credential";
  const hash = await hashSecret(s, presented);
  const row = await withVerificationStatus(s, kind === "client_secret" ? eq(verificationSessions.clientSecretHash, hash) : eq(verificationSessions.credentialHash, hash));
  if (!row) return { ok: false, reason: "unknown" };
  if (row.status === "canceled") return { ok: false, reason: "revoked", status: row.status };
  if (row.status === "completed" || row.status === "expired") return { ok: false, reason: "expired", status: row.status };
  if (kind === "client_secret" && row.exchangedAt !== null) return { ok: false, reason: "revoked", status: row.status };
  return { ok: true, session: row, kind };
}

/**
 * Trades the client secret for the page's own credential, once: the secret stops working in the same guarded update,
 * so two pages racing with one link get one credential between them.
 */
export async function exchangeSecret(s: Services, session: SessionRow): Promise<{ credential: string; expires_at: string }> {
  if (session.status !== "open" || session.exchangedAt !== null) {
    throw new ApiError("UNAUTHORIZED", "This client secret was already exchanged", { details: { reason: "revoked", expected_header: "Authorization" } });
  }
  const now = s.now();
  const credential = CREDENTIAL_PREFIX + randomToken(32);
  const changed = await s.db
    .update(verificationSessions)
    .set({ status: "in_use", credentialHash: await hashSecret(s, credential), exchangedAt: now, updatedAt: now })
    .where(and(eq(verificationSessions.id, session.id), eq(verificationSessions.status, "open")))
    .returning({ id: verificationSessions.id });
  if (!changed.length) {
    throw new ApiError("UNAUTHORIZED", "This client secret was already exchanged", { details: { reason: "revoked", expected_header: "Authorization" } });
  }
  return { credential, expires_at: new Date(session.expiresAt).toISOString() };
}

/** The session as the API shows it: never a secret or a hash. */
export function sessionView(row: SessionRow) {
  return {
    id: row.id,
    verification_id: row.verificationId,
    status: row.status,
    mode: row.mode,
    allowed_document_types: (row.options.allowed_document_types as string[] | undefined) ?? [],
    challenge_required: Boolean(row.options.challenge_required),
    return_url: (row.options.return_url as string | null | undefined) ?? null,
    locale: (row.options.locale as string | undefined) ?? "en",
    expires_at: new Date(row.expiresAt).toISOString(),
    exchanged_at: row.exchangedAt === null ? null : new Date(row.exchangedAt).toISOString(),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

/** The session's principal: it acts only on its own verification, on behalf of the key or user that created it. */
export function sessionPrincipal(row: SessionRow, credential: SessionCredentialKind): Extract<Principal, { type: "session" }> {
  const [type, ...rest] = row.createdBy.split(":");
  return {
    type: "session",
    tenantId: row.tenantId,
    mode: row.mode,
    sessionId: row.id,
    verificationId: row.verificationId,
    onBehalfOf: { type: type === "user" ? "user" : "api_key", id: rest.join(":") },
    credential,
  };
}
