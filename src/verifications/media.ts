/**
 * Media storage. Uploads arrive already checked (src/media/uploads.ts); accepted images go to the MediaStore under
 * `tenants/<tenant>/verifications/<verification>/` with their SHA-256, and a row in D1. The row is inserted only
 * while the verification still accepts uploads and, for selfie frames, while fewer than MAX_SELFIE_FRAMES are
 * stored — checked inside the INSERT, so parallel uploads cannot pass the cap. A refused insert removes its object.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { runBatch } from "../db/batch";
import { artifacts, media, verifications } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { ImageType } from "../media/sniff";
import type { CheckedImage } from "../media/uploads";
import type { MediaInput } from "../pipeline/types";
import type { Principal } from "../types";
import type { VerificationRow } from "./transition";
import { guardedInsert } from "./transition";

export const MEDIA_KINDS = ["document_front", "document_back", "selfie", "selfie_frame"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const MAX_SELFIE_FRAMES = 8;
/** Statuses in which images may be added: before the first submission, and when a reviewer asked for new ones. */
export const UPLOAD_STATUSES = ["created", "resubmission_requested"] as const;

const EXT: Record<ImageType, string> = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };

export const verificationPrefix = (tenantId: string, verificationId: string) => `tenants/${tenantId}/verifications/${verificationId}/`;

export type MediaRow = typeof media.$inferSelect;

/** Who captured an upload, and the applicant's network when the applicant's own device sent it. */
export type Provenance = Pick<MediaRow, "source" | "clientCountry" | "clientAsn">;

/** An upload by a tenant's server (API key or user token): its network is the tenant's, so none is recorded. */
export const API_UPLOAD: Provenance = { source: "api", clientCountry: null, clientAsn: null };

/**
 * Where an upload came from, by the credential that sent it: our hosted page's `vsct_` credential → `hosted_capture`,
 * a session's client secret (a tenant's app on the applicant's phone) → `applicant_app`, anything else → `api`. Only
 * the first two are the applicant's device, so only they record its network (Cloudflare's `request.cf`: the country,
 * `T1` for Tor, and the ASN) — except under `wrangler dev`, whose `request.cf` is a stand-in for a US data centre, not
 * the applicant's network (recording it gave every local hosted capture a GEO_MISMATCH).
 *
 * @example
 * uploadProvenance({ type: "session", credential: "credential", … }, { country: "FR", asn: 3215 }, "production")
 * // → { source: "hosted_capture", clientCountry: "FR", clientAsn: 3215 }
 * uploadProvenance({ type: "api_key", … }, { country: "US" }, "production") // → API_UPLOAD (the tenant's server, not the applicant)
 */
export function uploadProvenance(principal: Principal, requestCf: unknown, environment: string): Provenance {
  if (principal.type !== "session") return API_UPLOAD;
  const source = principal.credential === "credential" ? "hosted_capture" : "applicant_app";
  if (environment === "development") return { source, clientCountry: null, clientAsn: null };
  const cf = (typeof requestCf === "object" && requestCf !== null ? requestCf : {}) as { country?: unknown; asn?: unknown };
  const country = typeof cf.country === "string" && /^[A-Z][A-Z0-9]$/.test(cf.country) ? cf.country : null;
  const asn = typeof cf.asn === "number" && Number.isInteger(cf.asn) && cf.asn > 0 ? cf.asn : null;
  return { source, clientCountry: country, clientAsn: asn };
}

/** The row and object key for an image, before anything is stored. */
export function mediaRow(v: Pick<VerificationRow, "id" | "tenantId">, kind: MediaKind, image: CheckedImage, now: number, provenance: Provenance = API_UPLOAD): MediaRow {
  const id = newId("med", now);
  return {
    id,
    tenantId: v.tenantId,
    verificationId: v.id,
    kind,
    r2Key: `${verificationPrefix(v.tenantId, v.id)}${kind}/${id}.${EXT[image.type]}`,
    sha256: image.sha256,
    contentType: image.type,
    bytes: image.bytes.byteLength,
    width: image.width,
    height: image.height,
    ...provenance,
    createdAt: now,
    purgedAt: null,
  };
}

export async function putObject(s: Services, row: MediaRow, image: CheckedImage): Promise<void> {
  await s.media.put(row.r2Key, image.bytes, { contentType: image.type, sha256: image.sha256, custom: { tenant_id: row.tenantId, verification_id: row.verificationId, kind: row.kind } });
}

/** Stores a checked image; a new document_front/document_back/selfie replaces the previous one of that kind. */
export async function storeMedia(s: Services, v: VerificationRow, kind: MediaKind, image: CheckedImage, provenance: Provenance = API_UPLOAD): Promise<MediaRow> {
  const row = mediaRow(v, kind, image, s.now(), provenance);
  await putObject(s, row, image);
  const existing = kind === "selfie_frame" ? [] : await s.db.select().from(media).where(and(eq(media.verificationId, v.id), eq(media.kind, kind), isNull(media.purgedAt)));
  const accepts = sql`exists (select 1 from ${verifications} where ${verifications.id} = ${v.id} and ${verifications.status} in (${sql.join(UPLOAD_STATUSES.map((st) => sql`${st}`), sql`, `)}) and ${verifications.erasedAt} is null)`;
  const underCap =
    kind === "selfie_frame"
      ? sql` and (select count(*) from ${media} where ${media.verificationId} = ${v.id} and ${media.kind} = 'selfie_frame' and ${media.purgedAt} is null) < ${MAX_SELFIE_FRAMES}`
      : sql``;
  let inserted = false;
  try {
    const [result] = await runBatch(s.db, [
      guardedInsert(media, row, sql`${accepts}${underCap}`),
      ...(existing.length ? [s.db.delete(media).where(and(inArray(media.id, existing.map((m) => m.id)), sql`exists (select 1 from ${media} where ${media.id} = ${row.id})`))] : []),
    ]);
    inserted = (result.meta?.changes ?? 0) > 0;
  } finally {
    if (!inserted) await s.media.delete([row.r2Key]);
  }
  if (!inserted) {
    const [now] = await s.db.select({ status: verifications.status }).from(verifications).where(eq(verifications.id, v.id));
    if (kind === "selfie_frame" && (UPLOAD_STATUSES as readonly string[]).includes(now?.status ?? "")) throw new ApiError("CONFLICT", `At most ${MAX_SELFIE_FRAMES} selfie frames per verification`);
    throw new ApiError("INVALID_TRANSITION", `Images can be added only before submission (or after a reviewer asked for new ones); the verification is ${now?.status ?? "gone"}`);
  }
  if (existing.length) await s.media.delete(existing.map((m) => m.r2Key));
  return row;
}

export function listMedia(s: Services, verificationId: string): Promise<MediaRow[]> {
  return s.db.select().from(media).where(eq(media.verificationId, verificationId)).orderBy(media.id);
}

/** Reads the verification's current images; a missing object is an error (the consumer retries). */
export async function loadMediaInputs(s: Services, rows: MediaRow[]): Promise<MediaInput[]> {
  const inputs: MediaInput[] = [];
  for (const r of rows.filter((m) => !m.purgedAt)) {
    const bytes = await s.media.get(r.r2Key);
    if (!bytes) throw new Error(`media object missing from storage: ${r.id}`);
    inputs.push({ kind: r.kind, bytes, contentType: r.contentType, sha256: r.sha256, source: r.source });
  }
  return inputs;
}

/** An evidence file of the verification by name, as a stream; null when there is none (or it was purged). */
export async function openArtifact(s: Services, v: VerificationRow, name: string) {
  const [row] = await s.db.select().from(artifacts).where(and(eq(artifacts.verificationId, v.id), eq(artifacts.name, name), isNull(artifacts.purgedAt))).limit(1);
  return row ? s.media.open(row.r2Key) : null;
}
