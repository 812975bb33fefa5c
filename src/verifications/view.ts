/**
 * The API representation of a verification: status, steps with per-step status and timing, progress, the
 * decision with reasons, each layer's evidence, the review, and timings. Personal data is decrypted only here,
 * for the caller who is allowed to read it; the document number is masked.
 */
import type { Column, Table } from "drizzle-orm";
import { getTableColumns } from "drizzle-orm";
import type { Services } from "../app/services";
import { artifacts, layerResults, media, reviews, verifications, verificationTransitions } from "../db/schema";
import { LIVE_LAYER_NAMES } from "../pipeline/registry";
import type { Finding } from "../pipeline/types";
import { openFindings } from "./finding-data";
import type { MediaRow } from "./media";
import type { VerificationRow } from "./repository";
import { modeOf, visibleTo } from "./repository";
import type { Principal } from "../types";

const mask = (n: string) => (n.length <= 4 ? "•".repeat(n.length) : `${"•".repeat(n.length - 4)}${n.slice(-4)}`);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function mediaView(m: Pick<MediaRow, "id" | "kind" | "sha256" | "contentType" | "bytes" | "width" | "height" | "source" | "createdAt" | "purgedAt">) {
  return { media_id: m.id, kind: m.kind, sha256: m.sha256, content_type: m.contentType, bytes: m.bytes, width: m.width, height: m.height, source: m.source, uploaded_at: iso(m.createdAt), purged: m.purgedAt !== null };
}

export function summaryView(v: VerificationRow) {
  return {
    id: v.id,
    status: v.status,
    mode: v.mode,
    external_ref: v.externalRef,
    decision: v.decision,
    risk_score: v.riskScore,
    created_at: iso(v.createdAt)!,
    completed_at: iso(v.completedAt),
  };
}

type Picked<T extends Table, K extends keyof T["$inferSelect"]> = Pick<T["$inferSelect"], K>;

/**
 * Some columns of a table, by their drizzle keys: the SQL list of their names and a decoder of one row of D1 values
 * in that order (drizzle's own per-column decoding: JSON text, booleans). Built once per isolate from the schema.
 */
function columnsOf<T extends Table, K extends keyof T["$inferSelect"] & string>(table: T, keys: readonly K[]) {
  const all = getTableColumns(table) as Record<string, Column>;
  const columns = keys.map((k) => all[k]);
  return {
    count: keys.length,
    list: columns.map((c) => `"${c.name}"`).join(", "),
    decode(values: unknown[]): Picked<T, K> {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) row[keys[i]] = values[i] === null ? null : columns[i].mapFromDriverValue(values[i]);
      return row as Picked<T, K>;
    },
  };
}

const cols = {
  verification: columnsOf(verifications, Object.keys(getTableColumns(verifications)) as (keyof VerificationRow & string)[]),
  layer: columnsOf(layerResults, ["layer", "status", "score", "findings", "ms"]),
  transition: columnsOf(verificationTransitions, ["fromStatus", "toStatus", "reason", "createdAt"]),
  media: columnsOf(media, ["id", "kind", "sha256", "contentType", "bytes", "width", "height", "source", "createdAt", "purgedAt"]),
  review: columnsOf(reviews, ["decision", "reason", "reasonCode", "reviewerId", "createdAt"]),
  artifact: columnsOf(artifacts, ["name", "layer", "contentType", "bytes", "sha256", "purgedAt"]),
};

type Evidence = {
  layers: ReturnType<typeof cols.layer.decode>[];
  transitions: ReturnType<typeof cols.transition.decode>[];
  media: ReturnType<typeof cols.media.decode>[];
  review: ReturnType<typeof cols.review.decode> | null;
  files: ReturnType<typeof cols.artifact.decode>[];
};

/** JSON arrays of `columns` of the rows `from` selects, in order (`[]` when none). */
const rowsOf = (columns: { list: string }, from: string) => `(SELECT json_group_array(json_array(${columns.list})) FROM (SELECT ${columns.list} FROM ${from}))`;

/**
 * A verification and its evidence in one statement: the row, then its layer results, transitions, media, latest
 * review and evidence files as JSON arrays of exactly the columns the view shows. Written out rather than built by
 * drizzle's relational query, whose generic row mapping made a GET cost about 1.5 times as much (README.md,
 * Benchmarks). `?3` confines an API key to its mode; NULL (users, sessions) allows both.
 */
const VIEW_SQL = `SELECT ${cols.verification.list},
  ${rowsOf(cols.layer, `layer_results WHERE verification_id = v.id ORDER BY layer`)},
  ${rowsOf(cols.transition, `verification_transitions WHERE verification_id = v.id ORDER BY seq`)},
  ${rowsOf(cols.media, `media WHERE verification_id = v.id ORDER BY id`)},
  (SELECT json_array(${cols.review.list}) FROM reviews WHERE verification_id = v.id ORDER BY created_at DESC LIMIT 1),
  ${rowsOf(cols.artifact, `artifacts WHERE verification_id = v.id ORDER BY name`)}
FROM verifications v WHERE v.id = ?1 AND v.tenant_id = ?2 AND (?3 IS NULL OR v.mode = ?3)`;

/** The verification (in `mode`, when given) with its evidence, or nothing. */
async function queryView(s: Services, id: string, tenantId: string, mode: "live" | "test" | null): Promise<{ row: VerificationRow; found: Evidence } | null> {
  const [values] = await s.db.$client.prepare(VIEW_SQL).bind(id, tenantId, mode).raw();
  if (!values) return null;
  const list = (i: number) => JSON.parse(values[cols.verification.count + i] as string) as unknown[][];
  const review = values[cols.verification.count + 3] as string | null;
  return {
    row: cols.verification.decode(values) as VerificationRow,
    found: {
      layers: list(0).map(cols.layer.decode),
      transitions: list(1).map(cols.transition.decode),
      media: list(2).map(cols.media.decode),
      review: review === null ? null : cols.review.decode(JSON.parse(review) as unknown[]),
      files: list(4).map(cols.artifact.decode),
    },
  };
}

/** GET /v1/verifications/{id} in one D1 statement: the row and its evidence, then access is checked. */
export async function loadVerificationView(s: Services, principal: Principal, id: string) {
  const loaded = await queryView(s, id, principal.tenantId, modeOf(principal) ?? null);
  return verificationView(s, visibleTo(principal, loaded?.row), loaded?.found);
}

export async function verificationView(s: Services, v: VerificationRow, found?: Evidence) {
  const { layers, transitions, media: mediaRows, review, files } = found ??
    (await queryView(s, v.id, v.tenantId, null))?.found ?? { layers: [], transitions: [], media: [], review: null, files: [] };

  let applicant = null;
  if (v.applicantEnc) {
    const a = await s.crypto.decryptJson<{ first_name: string; last_name: string; date_of_birth: string; email?: string }>(v.tenantId, v.applicantEnc);
    applicant = { ...a, country: v.country };
  }
  const number = v.documentNumberEnc ? mask(await s.crypto.decrypt(v.tenantId, v.documentNumberEnc)) : null;

  const expected: string[] = v.mode === "test" ? ["sandbox"] : [...LIVE_LAYER_NAMES];
  const byName = new Map(layers.map((l) => [l.layer, l]));
  const names = [...expected, ...layers.map((l) => l.layer).filter((n) => !expected.includes(n))];
  const running = v.status === "processing";
  const steps = names.map((name) => {
    const r = byName.get(name);
    return r ? { name, status: r.status, ms: r.ms } : { name, status: running ? "running" : "pending", ms: null };
  });
  const done = steps.filter((st) => byName.has(st.name)).length;
  const progress =
    { created: 0, resubmission_requested: 0, submitted: 10, processing: 10 + Math.round((80 * done) / Math.max(1, steps.length)) }[
      v.status as "created" | "resubmission_requested" | "submitted" | "processing"
    ] ?? 100;

  const queueWait = v.submittedAt && v.processingStartedAt ? v.processingStartedAt - v.submittedAt : null;
  return {
    id: v.id,
    status: v.status,
    mode: v.mode,
    external_ref: v.externalRef,
    applicant,
    document: { type: v.documentType, number_masked: number, issuing_country: v.documentIssuingCountry, expiry_date: v.documentExpiry },
    steps,
    progress,
    risk_score: v.riskScore,
    decision: v.decision,
    reasons: v.reasons ?? [],
    settings_version: v.settingsVersion,
    layers: Object.fromEntries(
      await Promise.all(
        layers.map(async (l) => [
          l.layer,
          { status: l.status, score: l.score, findings: await openFindings(s.crypto, v.tenantId, l.findings as Finding[]), ms: l.ms, evidence: files.filter((f) => f.layer === l.layer).map((f) => f.name) },
        ]),
      ),
    ),
    evidence: files.map((f) => ({ name: f.name, layer: f.layer, content_type: f.contentType, bytes: f.bytes, sha256: f.sha256, url: `/v1/verifications/${v.id}/evidence/${f.name}`, purged: f.purgedAt !== null })),
    review: review ? { decision: review.decision, reason: review.reason, reason_code: review.reasonCode, reviewer_id: review.reviewerId, at: iso(review.createdAt) } : null,
    media: mediaRows.map(mediaView),
    history: transitions.map((t) => ({ from: t.fromStatus, to: t.toStatus, reason: t.reason, at: iso(t.createdAt) })),
    timings: {
      created_at: iso(v.createdAt),
      submitted_at: iso(v.submittedAt),
      processing_started_at: iso(v.processingStartedAt),
      completed_at: iso(v.completedAt),
      queue_wait_ms: queueWait,
      processing_ms: v.completedAt && v.processingStartedAt ? v.completedAt - v.processingStartedAt : null,
      total_ms: v.completedAt && v.submittedAt ? v.completedAt - v.submittedAt : null,
      layers_ms: Object.fromEntries(layers.map((l) => [l.layer, l.ms])),
    },
    erased: v.erasedAt !== null,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
  };
}
