/**
 * The issuer registry: documents a tenant issued, imported in bulk and checked by the `registry` layer.
 *
 * Two walls in every query, as for verifications: the tenant, and the mode — test and live are two registers, so a
 * test verification is only ever compared with test records. A user (admin) picks the register with `mode` (default
 * live); an API key would be pinned to its own mode. Document numbers are stored only as the tenant-keyed hash of
 * their normalised form, so an exact lookup works and a leaked table gives no numbers; holders are encrypted.
 *
 * An import is all-or-nothing: every record is validated before this module sees it, then all upserts and the
 * audit event go to D1 as one batch (one transaction). Re-importing a document (same number, type and issuing
 * country in the same register) updates it in place and keeps its id.
 */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { SQL, SQLWrapper } from "drizzle-orm";
import type { Services } from "../app/services";
import { runBatch } from "../db/batch";
import { auditEvents, registryDocuments } from "../db/schema";
import { auditBy } from "../identity/accounts";
import { ApiError, notFound } from "../lib/errors";
import type { TenantCrypto } from "../lib/crypto";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { RegistryDocumentType } from "../pipeline/layers/registry";
import type { Principal } from "../types";
import { actorOf } from "../types";
import { modeOf } from "../verifications/repository";
import { registryNumberHash } from "./number";

export type RegistryRow = typeof registryDocuments.$inferSelect;
export type RegistryMode = "live" | "test";

/** Records per import call: one D1 batch stays well inside a Worker's query and CPU limits. */
export const MAX_IMPORT_RECORDS = 1000;
/**
 * The import's body limit (the JSON default is 64 KB): 1,000 records of the longest allowed fields, pretty-printed
 * with two-byte letters in the names, fit (about 1 KB each); a typical import is a fifth of that. Parsed, it stays
 * within a few MB of heap.
 */
export const IMPORT_BODY_MAX_BYTES = 1024 * 1024;

/** A record as validated at the API's edge: country normalised, names trimmed, dates ISO. */
export interface RegistryDocumentInput {
  document_number: string;
  document_type: RegistryDocumentType;
  issuing_country: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  issue_date?: string;
  expiry_date?: string;
  status: "valid" | "revoked";
}

/** The holder as stored (encrypted JSON). */
interface StoredHolder {
  first_name: string;
  last_name: string;
  date_of_birth: string;
}

/**
 * The register a caller works on: an API key's own mode (asking for the other one is refused); for a user, the
 * `mode` asked for, live by default.
 *
 * @example
 * registryModeOf({ type: "user", ... }, "test") // → "test"
 */
export function registryModeOf(principal: Principal, requested: RegistryMode | undefined): RegistryMode {
  const pinned = modeOf(principal);
  if (pinned && requested && requested !== pinned) {
    throw new ApiError("FORBIDDEN", `A ${pinned}-mode API key works on the ${pinned} register only`, { details: { key_mode: pinned, requested_mode: requested } });
  }
  return pinned ?? requested ?? "live";
}

/**
 * Rows per upsert statement. Each statement binds its rows as one JSON parameter (read with `json_each`), so an
 * import of 1,000 is 10 statements plus the audit row — inside D1's 100 bound parameters per statement and its
 * per-invocation query budget (50 on the free plan), which one statement per row or per 7 rows would exceed.
 */
const ROWS_PER_STATEMENT = 100;

/** Upserts rows given as a JSON array; an existing document keeps its id and creation time. */
function upsertRows(rows: RegistryRow[]): SQL {
  const payload = JSON.stringify(rows.map((r) => [r.id, r.tenantId, r.mode, r.documentNumberHash, r.documentType, r.issuingCountry, r.holderEnc, r.issueDate, r.expiryDate, r.status, r.revokedAt, r.createdAt, r.updatedAt]));
  const at = (i: number) => sql.raw(`json_extract(value, '$[${i}]')`);
  // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
  return sql`INSERT INTO registry_documents (id, tenant_id, mode, document_number_hash, document_type, issuing_country, holder_enc, issue_date, expiry_date, status, revoked_at, created_at, updated_at)
    SELECT ${sql.join([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(at), sql`, `)} FROM json_each(${payload}) WHERE true
    ON CONFLICT (tenant_id, mode, document_number_hash, document_type, issuing_country) DO UPDATE SET
      holder_enc = excluded.holder_enc,
      issue_date = excluded.issue_date,
      expiry_date = excluded.expiry_date,
      status = excluded.status,
      revoked_at = CASE WHEN excluded.status = 'revoked' THEN COALESCE(registry_documents.revoked_at, excluded.revoked_at) ELSE NULL END,
      updated_at = excluded.updated_at
    RETURNING id`;
}

async function newRow(s: Services, tenantId: string, mode: RegistryMode, r: RegistryDocumentInput, now: number): Promise<RegistryRow> {
  const holder: StoredHolder = { first_name: r.first_name, last_name: r.last_name, date_of_birth: r.date_of_birth };
  return {
    id: newId("reg", now),
    tenantId,
    mode,
    documentNumberHash: await registryNumberHash(s.crypto, tenantId, r.document_number),
    documentType: r.document_type,
    issuingCountry: r.issuing_country,
    holderEnc: await s.crypto.encryptJson(tenantId, holder),
    issueDate: r.issue_date ?? null,
    expiryDate: r.expiry_date ?? null,
    status: r.status,
    revokedAt: r.status === "revoked" ? now : null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Upserts validated records into the caller's register in one D1 batch with its audit event; returns how many were
 * new and how many replaced an earlier import of the same document.
 *
 * @example
 * await importRegistryDocuments(services, principal, "live", [{ document_number: "C01X00T47", document_type: "id_card", ... }], meta)
 * // → { imported: 1, updated: 0 }
 */
export async function importRegistryDocuments(s: Services, p: Principal, mode: RegistryMode, records: RegistryDocumentInput[], meta: { ip?: string | null }): Promise<{ imported: number; updated: number }> {
  if (records.length > MAX_IMPORT_RECORDS) throw tooManyRecords(records.length);
  const now = s.now();
  const rows = await Promise.all(records.map((r) => newRow(s, p.tenantId, mode, r, now)));
  const proposed = new Set(rows.map((r) => r.id));
  const statements: SQLWrapper[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) statements.push(upsertRows(rows.slice(i, i + ROWS_PER_STATEMENT)));
  const actor = actorOf(p);
  const audit = await s.audit.pendingRow(
    { tenantId: p.tenantId, actorType: actor.type, actorId: actor.id, action: "registry.imported", targetType: "registry", targetId: null, metadata: { mode, records: rows.length, revoked: records.filter((r) => r.status === "revoked").length } },
    meta,
  );
  statements.push(s.db.insert(auditEvents).values(audit));
  const results = await runBatch(s.db, statements);
  // A "new" row that hit an existing document returns that document's id, not the one proposed for it.
  const returned = results.slice(0, -1).flatMap((r) => r.results as { id: string }[]);
  const updated = returned.filter((r) => !proposed.has(r.id)).length;
  await s.audit.seal(p.tenantId).catch((err) => log.warn("audit_seal_deferred", { tenant_id: p.tenantId, error: err }));
  return { imported: returned.length - updated, updated };
}

export const tooManyRecords = (count: number) =>
  new ApiError("VALIDATION_ERROR", `At most ${MAX_IMPORT_RECORDS.toLocaleString("en")} records per call; this one has ${count.toLocaleString("en")}. Split the import into several calls.`, {
    details: { max_records: MAX_IMPORT_RECORDS, records: count },
  });

/** A page of the register (newest first), optionally only the records of one document number. */
export async function listRegistryDocuments(s: Services, tenantId: string, mode: RegistryMode, q: { limit: number; cursor?: string; documentNumber?: string }): Promise<RegistryRow[]> {
  const hash = q.documentNumber ? await registryNumberHash(s.crypto, tenantId, q.documentNumber) : undefined;
  return s.db
    .select()
    .from(registryDocuments)
    .where(
      and(
        eq(registryDocuments.tenantId, tenantId),
        eq(registryDocuments.mode, mode),
        hash ? eq(registryDocuments.documentNumberHash, hash) : undefined,
        q.cursor ? lt(registryDocuments.id, q.cursor) : undefined,
      ),
    )
    .orderBy(desc(registryDocuments.id))
    .limit(q.limit + 1);
}

/** The where-clause of one record as `p` may see it: its tenant, and an API key's own mode. */
function own(p: Principal, id: string) {
  const mode = modeOf(p);
  return and(eq(registryDocuments.tenantId, p.tenantId), eq(registryDocuments.id, id), mode ? eq(registryDocuments.mode, mode) : undefined);
}

export async function deleteRegistryDocument(s: Services, p: Principal, id: string, meta: { ip?: string | null }): Promise<void> {
  const [deleted] = await s.db.delete(registryDocuments).where(own(p, id)).returning({ id: registryDocuments.id, mode: registryDocuments.mode });
  if (!deleted) throw notFound("Registry document");
  await auditBy(s, p, { action: "registry_document.deleted", targetType: "registry_document", targetId: id, metadata: { mode: deleted.mode } }, meta);
}

/** Marks a record revoked (the `registry` layer then reports REGISTRY_REVOKED); revoking a revoked record changes nothing. */
export async function revokeRegistryDocument(s: Services, p: Principal, id: string, meta: { ip?: string | null }): Promise<RegistryRow> {
  const now = s.now();
  const [changed] = await s.db
    .update(registryDocuments)
    .set({ status: "revoked", revokedAt: now, updatedAt: now })
    .where(and(own(p, id), eq(registryDocuments.status, "valid")))
    .returning();
  if (changed) {
    await auditBy(s, p, { action: "registry_document.revoked", targetType: "registry_document", targetId: id, metadata: { mode: changed.mode } }, meta);
    return changed;
  }
  const [existing] = await s.db.select().from(registryDocuments).where(own(p, id)).limit(1);
  if (!existing) throw notFound("Registry document");
  return existing;
}

/** A record as the API shows it to an admin: holder decrypted, the number never (only its hash is stored). */
export async function publicRegistryDocument(crypto: TenantCrypto, row: RegistryRow) {
  const holder = await crypto.decryptJson<StoredHolder>(row.tenantId, row.holderEnc);
  return {
    id: row.id,
    mode: row.mode,
    document_type: row.documentType,
    issuing_country: row.issuingCountry,
    status: row.status,
    issue_date: row.issueDate,
    expiry_date: row.expiryDate,
    holder: { first_name: holder.first_name, last_name: holder.last_name, date_of_birth: holder.date_of_birth },
    revoked_at: row.revokedAt === null ? null : new Date(row.revokedAt).toISOString(),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}
