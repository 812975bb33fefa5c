/**
 * Reading verifications as a caller may see them. Three walls, applied in every query: the tenant (other tenants'
 * ids are simply not found), the mode (an API key sees only verifications of its own mode — test or live — while a
 * user sees both, with `mode` on every item), and ownership (a user with role `user` sees only their own).
 */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { preparedQuery } from "../db/prepared";
import { media, verifications } from "../db/schema";
import { ApiError, notFound } from "../lib/errors";
import type { DeclaredData, NetworkObservation } from "../pipeline/types";
import type { Principal } from "../types";
import type { Status } from "./status";
import type { VerificationRow } from "./transition";

export type { VerificationRow } from "./transition";

export interface StoredApplicant {
  first_name: string;
  last_name: string;
  date_of_birth: string;
  email?: string;
  /** Country codes exactly as the client sent them (the columns hold the normalised codes). */
  country_as_sent?: string;
  issuing_country_as_sent?: string;
  /** The applicant's network as the tenant's server passed it on (the geo layer's input). */
  ip?: string;
  device?: { country?: string; asn?: number; anonymous?: boolean };
}

/** The mode a principal is confined to: an API key's own; a user's none (both worlds). */
export const modeOf = (p: Principal): "live" | "test" | undefined => (p.type === "api_key" ? p.mode : undefined);

const byId = { id: sql.placeholder("id"), tenantId: sql.placeholder("tenantId"), mode: sql.placeholder("mode") };
const verificationQueries = {
  /** API keys: confined to their mode. */
  inMode: preparedQuery("verification_in_mode", (db) =>
    db
      .select()
      .from(verifications)
      .where(and(eq(verifications.id, byId.id), eq(verifications.tenantId, byId.tenantId), eq(verifications.mode, byId.mode)))
      .limit(1)
      .prepare(),
  ),
  /** Users and sessions: both modes. */
  anyMode: preparedQuery("verification_any_mode", (db) =>
    db.select().from(verifications).where(and(eq(verifications.id, byId.id), eq(verifications.tenantId, byId.tenantId))).limit(1).prepare(),
  ),
};

/** The row if the principal may see it, else 404 (a plain user sees only their own). */
export function visibleTo(principal: Principal, row: VerificationRow | undefined): VerificationRow {
  if (!row) throw notFound("Verification");
  if (principal.type === "user" && principal.role === "user" && !(row.createdByType === "user" && row.createdById === principal.userId)) {
    throw notFound("Verification");
  }
  return row;
}

/** The tenant- and mode-scoped read of one verification, if the principal may see it (else 404). */
export async function loadVerification(s: Services, principal: Principal, id: string): Promise<VerificationRow> {
  const mode = modeOf(principal);
  const [row] = mode
    ? await verificationQueries.inMode(s.db).all({ id, tenantId: principal.tenantId, mode })
    : await verificationQueries.anyMode(s.db).all({ id, tenantId: principal.tenantId });
  return visibleTo(principal, row);
}

/** System access (queue consumers, crons): tenant-scoped, no caller. */
export async function loadForSystem(s: Services, tenantId: string, id: string): Promise<VerificationRow | undefined> {
  const [row] = await s.db.select().from(verifications).where(and(eq(verifications.id, id), eq(verifications.tenantId, tenantId))).limit(1);
  return row;
}

/** Newest first, filtered by status, one page (`limit + 1` rows so the caller can tell if there is more). */
export function listVerifications(s: Services, principal: Principal, q: { limit: number; cursor?: string; status?: Status }) {
  const mode = modeOf(principal);
  const own = principal.type === "user" && principal.role === "user" ? and(eq(verifications.createdByType, "user"), eq(verifications.createdById, principal.userId)) : undefined;
  return s.db
    .select()
    .from(verifications)
    .where(
      and(
        eq(verifications.tenantId, principal.tenantId),
        mode ? eq(verifications.mode, mode) : undefined,
        own,
        q.status ? eq(verifications.status, q.status) : undefined,
        q.cursor ? lt(verifications.id, q.cursor) : undefined,
      ),
    )
    .orderBy(desc(verifications.id))
    .limit(q.limit + 1);
}

/** Filters of the review queue; all optional, combined with AND. */
export interface ReviewQueueFilter {
  /** Only cases nobody holds a live claim on. */
  unclaimed?: boolean;
  /** Only cases whose reasons include this reason code. */
  reason?: string;
  mode?: "live" | "test";
  /** Only cases waiting at least this many minutes (since they reached review; creation when unknown). */
  olderThanMinutes?: number;
}

/** The manual-review queue: oldest first, so nothing waits forever. `now` decides which claims have lapsed. */
export function reviewQueue(s: Services, principal: Principal, q: { limit: number; cursor?: string } & ReviewQueueFilter) {
  const now = s.now();
  return s.db
    .select()
    .from(verifications)
    .where(
      and(
        eq(verifications.tenantId, principal.tenantId),
        eq(verifications.status, "manual_review"),
        q.cursor ? gt(verifications.id, q.cursor) : undefined,
        q.mode ? eq(verifications.mode, q.mode) : undefined,
        q.unclaimed ? sql`(${verifications.claimedBy} is null or ${verifications.claimedUntil} <= ${now})` : undefined,
        q.reason ? sql`exists (select 1 from json_each(${verifications.reasons}) where json_each.value = ${q.reason})` : undefined,
        q.olderThanMinutes !== undefined ? sql`coalesce(${verifications.completedAt}, ${verifications.createdAt}) <= ${now - q.olderThanMinutes * 60_000}` : undefined,
      ),
    )
    .orderBy(asc(verifications.id))
    .limit(q.limit + 1);
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

/**
 * The geo layer's observations of the applicant's network: what the tenant's server passed on (`applicant.ip`,
 * `applicant.device`), and each distinct network (country, ASN) that uploads from the applicant's own device came from
 * (the hosted page or a tenant's app with the session secret; Cloudflare's `T1` country is Tor).
 */
export async function networkObservations(s: Services, row: VerificationRow): Promise<NetworkObservation[]> {
  const observations: NetworkObservation[] = [];
  if (row.applicantEnc) {
    const { ip, device } = await s.crypto.decryptJson<StoredApplicant>(row.tenantId, row.applicantEnc);
    if (ip || device) observations.push({ source: "tenant", ip: ip ?? null, country: device?.country ?? null, asn: device?.asn ?? null, anonymous: device?.anonymous ?? false });
  }
  const devices = await s.db
    .selectDistinct({ country: media.clientCountry, asn: media.clientAsn })
    .from(media)
    .where(and(eq(media.verificationId, row.id), sql`(${media.clientCountry} is not null or ${media.clientAsn} is not null)`))
    .orderBy(asc(media.clientCountry), asc(media.clientAsn));
  for (const d of devices) observations.push({ source: "applicant_device", ip: null, country: d.country, asn: d.asn, anonymous: d.country === "T1" });
  return observations;
}
