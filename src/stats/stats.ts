/**
 * A tenant's statistics over a period, for auditors and admins (GET /v1/stats). Everything is computed in SQL —
 * counts with GROUP BY, reason-code rates through `json_each` over the stored reasons, and percentiles by
 * nearest rank with ORDER BY … LIMIT 1 OFFSET k — so no call reads more than a handful of rows into the Worker,
 * whatever the tenant's volume. The period is [from, to):
 *   - `created`: verifications created in the period, by their current status and by mode;
 *   - `completed`: verifications the pipeline decided in the period (completed_at), by their current status (a
 *     reviewer's later decision counts), with rates, the rate of each reason code among them, and the processing
 *     time submitted_at → completed_at (p50, p95);
 *   - `reviews`: review decisions made in the period, by decision, with rates and the resubmission reason codes.
 * Erased verifications still count: erasure removes personal data, never status, decision or times.
 */
import { and, count, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { reviews, verifications } from "../db/schema";
import { RESUBMISSION_REASONS } from "../pipeline/codes";
import { REVIEW_DECISIONS } from "../verifications/review";
import { STATUSES } from "../verifications/status";
import type { Status } from "../verifications/status";

export interface StatsQuery {
  tenantId: string;
  /** One world only; both when absent. */
  mode?: "live" | "test";
  /** Milliseconds since the epoch; the period is [from, to). */
  from: number;
  to: number;
}

export interface Percentiles {
  /** How many completed verifications had both times. */
  count: number;
  p50: number | null;
  p95: number | null;
}

export interface TenantStats {
  period: { from: string; to: string };
  mode: "live" | "test" | null;
  created: { total: number; by_status: Record<Status, number>; by_mode: { live: number; test: number } };
  completed: {
    total: number;
    by_status: Record<Status, number>;
    rates: Record<Status, number>;
    reason_codes: { code: string; count: number; rate: number }[];
    processing_time_ms: Percentiles;
  };
  reviews: {
    total: number;
    by_decision: Record<(typeof REVIEW_DECISIONS)[number], number>;
    rates: Record<(typeof REVIEW_DECISIONS)[number], number>;
    resubmission_reasons: Record<(typeof RESUBMISSION_REASONS)[number], number>;
  };
}

/**
 * The 0-based row offset of the p-th percentile among n sorted values, by nearest rank (ceil(p·n)).
 *
 * @example
 * percentileOffset(0.5, 4)  // → 1 (the 2nd smallest)
 * percentileOffset(0.95, 4) // → 3 (the largest)
 * percentileOffset(0.5, 0)  // → null
 */
export function percentileOffset(p: number, n: number): number | null {
  return n === 0 ? null : Math.max(0, Math.ceil(p * n) - 1);
}

/** A share rounded to 4 decimals; 0 of 0 is 0. */
const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

function tally<K extends string>(keys: readonly K[], rows: { key: string | null; n: number }[]): Record<K, number> {
  const out = zeros(keys);
  for (const r of rows) if (r.key !== null && (keys as readonly string[]).includes(r.key)) out[r.key as K] += r.n;
  return out;
}

export async function tenantStats(db: Db, q: StatsQuery): Promise<TenantStats> {
  const v = verifications;
  const scope = and(eq(v.tenantId, q.tenantId), q.mode ? eq(v.mode, q.mode) : undefined);
  const createdIn = and(scope, gte(v.createdAt, q.from), lt(v.createdAt, q.to));
  const completedIn = and(scope, isNotNull(v.completedAt), gte(v.completedAt, q.from), lt(v.completedAt, q.to));
  const timed = and(completedIn, isNotNull(v.submittedAt));
  const duration: SQL<number> = sql<number>`${v.completedAt} - ${v.submittedAt}`;
  // Reviews carry no mode: the reviewed verification does.
  const reviewsIn = and(
    eq(reviews.tenantId, q.tenantId),
    gte(reviews.createdAt, q.from),
    lt(reviews.createdAt, q.to),
    q.mode ? sql`exists (select 1 from ${v} where ${v.id} = ${reviews.verificationId} and ${v.mode} = ${q.mode})` : undefined,
  );

  const [created, completed, reasonRows, timedCount, reviewRows, resubmissionRows] = await db.batch([
    db.select({ status: v.status, mode: v.mode, n: count() }).from(v).where(createdIn).groupBy(v.status, v.mode),
    db.select({ key: v.status, n: count() }).from(v).where(completedIn).groupBy(v.status),
    db
      .select({ code: sql<string>`j.value`, n: sql<number>`count(*)` })
      .from(sql`${v}, json_each(${v.reasons}) as j`)
      .where(completedIn)
      .groupBy(sql`j.value`)
      .orderBy(sql`count(*) desc`, sql`j.value`)
      .limit(200),
    db.select({ n: count() }).from(v).where(timed),
    db.select({ key: reviews.decision, n: count() }).from(reviews).where(reviewsIn).groupBy(reviews.decision),
    db.select({ key: reviews.reasonCode, n: count() }).from(reviews).where(and(reviewsIn, eq(reviews.decision, "request_resubmission"))).groupBy(reviews.reasonCode),
  ]);

  const n = timedCount[0]?.n ?? 0;
  const offsets = [percentileOffset(0.5, n), percentileOffset(0.95, n)];
  const nth = (offset: number) => db.select({ ms: duration }).from(v).where(timed).orderBy(duration).limit(1).offset(offset);
  const [p50, p95] = n === 0 ? [null, null] : (await db.batch([nth(offsets[0]!), nth(offsets[1]!)])).map((rows) => rows[0]?.ms ?? null);

  const completedByStatus = tally(STATUSES, completed);
  const completedTotal = completed.reduce((sum, r) => sum + r.n, 0);
  const byDecision = tally(REVIEW_DECISIONS, reviewRows);
  const reviewTotal = reviewRows.reduce((sum, r) => sum + r.n, 0);
  return {
    period: { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() },
    mode: q.mode ?? null,
    created: {
      total: created.reduce((sum, r) => sum + r.n, 0),
      by_status: tally(STATUSES, created.map((r) => ({ key: r.status, n: r.n }))),
      by_mode: tally(["live", "test"] as const, created.map((r) => ({ key: r.mode, n: r.n }))),
    },
    completed: {
      total: completedTotal,
      by_status: completedByStatus,
      rates: Object.fromEntries(STATUSES.map((st) => [st, rate(completedByStatus[st], completedTotal)])) as Record<Status, number>,
      reason_codes: reasonRows.map((r) => ({ code: r.code, count: r.n, rate: rate(r.n, completedTotal) })),
      processing_time_ms: { count: n, p50, p95 },
    },
    reviews: {
      total: reviewTotal,
      by_decision: byDecision,
      rates: Object.fromEntries(REVIEW_DECISIONS.map((d) => [d, rate(byDecision[d], reviewTotal)])) as Record<(typeof REVIEW_DECISIONS)[number], number>,
      resubmission_reasons: tally(RESUBMISSION_REASONS, resubmissionRows),
    },
  };
}
