/**
 * The API representation of a verification: status, steps with per-step status and timing, progress, the
 * decision with reasons, each layer's evidence, the review, and timings. Personal data is decrypted only here,
 * for the caller who is allowed to read it; the document number is masked.
 */
import { sql } from "drizzle-orm";
import type { Services } from "../app/services";
import type { Db } from "../db/client";
import { preparedQuery } from "../db/prepared";
import type { artifacts, layerResults, reviews, verificationTransitions } from "../db/schema";
import { LIVE_LAYER_NAMES } from "../pipeline/registry";
import type { Finding } from "../pipeline/types";
import { openFindings } from "./finding-data";
import type { MediaRow } from "./media";
import type { VerificationRow } from "./repository";
import { modeOf, visibleTo } from "./repository";
import type { Principal } from "../types";

type LayerRow = typeof layerResults.$inferSelect;
type TransitionRow = typeof verificationTransitions.$inferSelect;
type ReviewRow = typeof reviews.$inferSelect;
type ArtifactRow = typeof artifacts.$inferSelect;

const mask = (n: string) => (n.length <= 4 ? "•".repeat(n.length) : `${"•".repeat(n.length - 4)}${n.slice(-4)}`);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function mediaView(m: MediaRow) {
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

type Evidence = [LayerRow[], TransitionRow[], MediaRow[], ReviewRow[], ArtifactRow[]];

const P = { id: sql.placeholder("id"), tenantId: sql.placeholder("tenantId"), mode: sql.placeholder("mode") };
/** A verification's evidence: layer results, transitions, media, the latest review, evidence files. */
const evidence = {
  layers: true,
  transitions: { orderBy: (t, { asc }) => [asc(t.seq)] },
  media: { orderBy: (m, { asc }) => [asc(m.id)] },
  reviews: { orderBy: (r, { desc }) => [desc(r.createdAt)], limit: 1 },
  artifacts: { orderBy: (a, { asc }) => [asc(a.name)] },
} satisfies NonNullable<Parameters<Db["query"]["verifications"]["findFirst"]>[0]>["with"];

/** The row with its evidence in one statement (drizzle's relational query), prepared once per isolate. */
const viewQueries = {
  /** API keys: confined to their mode. */
  inMode: preparedQuery("verification_view_in_mode", (db) =>
    db.query.verifications.findFirst({ where: (v, { and, eq }) => and(eq(v.id, P.id), eq(v.tenantId, P.tenantId), eq(v.mode, P.mode)), with: evidence }).prepare(),
  ),
  /** Users and sessions: both modes (reviewers' reads of a row already checked pass its tenant too). */
  anyMode: preparedQuery("verification_view_any_mode", (db) =>
    db.query.verifications.findFirst({ where: (v, { and, eq }) => and(eq(v.id, P.id), eq(v.tenantId, P.tenantId)), with: evidence }).prepare(),
  ),
};

type Loaded = NonNullable<Awaited<ReturnType<ReturnType<typeof viewQueries.anyMode>["execute"]>>>;

function split(loaded: Loaded | undefined): { row: VerificationRow | undefined; found?: Evidence } {
  if (!loaded) return { row: undefined };
  const { layers, transitions, media: mediaRows, reviews: reviewRows, artifacts: files, ...row } = loaded;
  return { row, found: [layers, transitions, mediaRows, reviewRows, files] };
}

/** GET /v1/verifications/{id} in one D1 statement: the row and its evidence, then access is checked. */
export async function loadVerificationView(s: Services, principal: Principal, id: string) {
  const mode = modeOf(principal);
  const loaded = mode
    ? await viewQueries.inMode(s.db).execute({ id, tenantId: principal.tenantId, mode })
    : await viewQueries.anyMode(s.db).execute({ id, tenantId: principal.tenantId });
  const { row, found } = split(loaded);
  return verificationView(s, visibleTo(principal, row), found);
}

export async function verificationView(s: Services, v: VerificationRow, found?: Evidence) {
  const [layers, transitions, mediaRows, [review], files] =
    found ?? split(await viewQueries.anyMode(s.db).execute({ id: v.id, tenantId: v.tenantId })).found ?? [[], [], [], [], []];

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
