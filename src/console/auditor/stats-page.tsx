/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The statistics page: what `tenantStats` (src/stats/stats.ts, the same numbers as GET /v1/stats) computes for the
 * last 7, 30 or 90 whole UTC days (today included), as SVG charts with their numbers in tables, plus verifications created per day or per
 * few days over the same period. The period and world are chosen with a plain GET form.
 */
import type { TenantStats } from "../../stats/stats";
import { BarChart, SeriesChart } from "../charts";

/** The periods offered, in days. */
export const STATS_PERIODS = [7, 30, 90] as const;
export type StatsPeriod = (typeof STATS_PERIODS)[number];
export const DEFAULT_STATS_PERIOD: StatsPeriod = 30;

export interface StatsSelection {
  days: StatsPeriod;
  /** One world only; both when absent. */
  mode?: "live" | "test";
}

const DAY_MS = 86_400_000;

/**
 * The page's query (`?days=7|30|90&mode=live|test`), or why it is refused. Absent or empty fields take the defaults.
 *
 * @example
 * parseStatsSelection({ days: "7", mode: "" }); // { ok: true, value: { days: 7, mode: undefined } }
 * parseStatsSelection({ days: "12" });          // { ok: false, message: "Choose a period of 7, 30 or 90 days." }
 */
export function parseStatsSelection(query: Record<string, string | undefined>): { ok: true; value: StatsSelection } | { ok: false; message: string } {
  const days = query.days ? Number(query.days) : DEFAULT_STATS_PERIOD;
  if (!(STATS_PERIODS as readonly number[]).includes(days)) return { ok: false, message: "Choose a period of 7, 30 or 90 days." };
  const mode = query.mode || undefined;
  if (mode !== undefined && mode !== "live" && mode !== "test") return { ok: false, message: "Choose live, test, or both worlds." };
  return { ok: true, value: { days: days as StatsPeriod, mode } };
}

/**
 * The period of "the last `days` days": whole UTC days up to and including today, so the series' days are calendar
 * days (its last bar is today) and the totals and the bars cover exactly the same span.
 *
 * @example
 * statsPeriod(Date.parse("2026-12-03T22:45:00Z"), 7); // { from: 2026-11-27T00:00Z, to: 2026-12-04T00:00Z } in ms
 */
export function statsPeriod(now: number, days: StatsPeriod): { from: number; to: number } {
  const to = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  return { from: to - days * DAY_MS, to };
}

export interface StatsBucket {
  from: number;
  to: number;
  /** The first day of the bucket, YYYY-MM-DD (UTC). */
  label: string;
}

/**
 * The period [to − days, to) (see {@link statsPeriod}) cut into equal consecutive buckets for the series chart: one per day for 7 days, per
 * 3 days for 30, per 10 days for 90 — at most 10 bars, and the buckets add up to the whole period exactly.
 *
 * @example
 * statsBuckets(Date.parse("2026-12-08T00:00:00Z"), 7).map((b) => b.label); // ["2026-12-01", …, "2026-12-07"]
 */
export function statsBuckets(to: number, days: StatsPeriod): StatsBucket[] {
  const size = days === 7 ? 1 : days === 30 ? 3 : 10;
  const count = days / size;
  return Array.from({ length: count }, (_, i) => {
    const from = to - (count - i) * size * DAY_MS;
    return { from, to: from + size * DAY_MS, label: new Date(from).toISOString().slice(0, 10) };
  });
}

/**
 * A share (0–1) in percent with one decimal.
 *
 * @example
 * percent(0.6); // "60.0 %"
 */
export const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/**
 * A duration in words a reader takes in at a glance: milliseconds, seconds or minutes; "—" when unknown.
 *
 * @example
 * duration(850);    // "850 ms"
 * duration(12_300); // "12.3 s"
 * duration(null);   // "—"
 */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Labels with the underscore of status codes kept: they are the API's words, which auditors search for. */
const entries = (record: Record<string, number>) => Object.entries(record).map(([label, value]) => ({ label, value }));

export function StatsPage(props: { selection: StatsSelection; stats: TenantStats; series: (StatsBucket & { created: number })[] }) {
  const { stats, selection } = props;
  const lastDay = new Date(Date.parse(stats.period.to) - DAY_MS).toISOString().slice(0, 10);
  const period = `${stats.period.from.slice(0, 10)} to ${lastDay} (UTC days, today included)`;
  const t = stats.completed.processing_time_ms;
  const createdByStatus = entries(stats.created.by_status).filter((d) => d.value > 0);
  const completedRates = Object.entries(stats.completed.rates)
    .filter(([status]) => stats.completed.by_status[status as keyof typeof stats.completed.by_status] > 0)
    .map(([label, value]) => ({ label, value, text: `${percent(value)} (${stats.completed.by_status[label as keyof typeof stats.completed.by_status]})` }));
  const reviewRates = Object.entries(stats.reviews.rates).map(([label, value]) => ({ label, value, text: `${percent(value)} (${stats.reviews.by_decision[label as keyof typeof stats.reviews.by_decision]})` }));
  const reasonRates = stats.completed.reason_codes.slice(0, 20).map((r) => ({ label: r.code, value: r.rate, text: `${percent(r.rate)} (${r.count})` }));
  const resubmissions = entries(stats.reviews.resubmission_reasons).filter((d) => d.value > 0);
  return (
    <>
      <h1>Statistics</h1>
      <form method="get" action="/console/stats" class="filters" aria-label="Choose the period">
        <div>
          <label for="s-days">Period</label>
          <select id="s-days" name="days">
            {STATS_PERIODS.map((d) => (
              <option value={String(d)} selected={selection.days === d}>
                {`Last ${d} days`}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="s-mode">World</label>
          <select id="s-mode" name="mode">
            <option value="">Live and test</option>
            <option value="live" selected={selection.mode === "live"}>
              Live only
            </option>
            <option value="test" selected={selection.mode === "test"}>
              Test only
            </option>
          </select>
        </div>
        <button type="submit">Show</button>
      </form>

      <dl class="facts" id="stats-summary">
        <dt>Period</dt>
        <dd>{period}</dd>
        <dt>Created</dt>
        <dd id="stat-created">{stats.created.total}</dd>
        <dt>Decided by the pipeline</dt>
        <dd id="stat-completed">{stats.completed.total}</dd>
        <dt>Review decisions</dt>
        <dd id="stat-reviews">{stats.reviews.total}</dd>
        <dt>Processing time (submitted → decided)</dt>
        <dd id="stat-processing">
          {t.count ? `median ${duration(t.p50)}, 95th percentile ${duration(t.p95)} over ${t.count} verification${t.count === 1 ? "" : "s"}` : "no verification decided in this period"}
        </dd>
      </dl>

      <h2>Volume</h2>
      <div class="charts">
        <SeriesChart id="chart-created-series" title={`Created per ${selection.days === 7 ? "day" : selection.days === 30 ? "3 days" : "10 days"}`} data={props.series.map((b) => ({ label: b.label.slice(5), value: b.created }))} labelHeading="Starting (MM-DD, UTC)" valueHeading="Created" />
        <BarChart id="chart-created-status" title="Created in the period, by current status" data={createdByStatus} labelHeading="Status" valueHeading="Verifications" />
        <BarChart id="chart-created-mode" title="Created in the period, by world" data={entries(stats.created.by_mode)} labelHeading="World" valueHeading="Verifications" />
      </div>

      <h2>Outcomes</h2>
      <div class="charts">
        <BarChart id="chart-outcome-rates" title="Decided in the period: share by current status" data={completedRates} max={1} labelHeading="Status" valueHeading="Share (count)" />
        <BarChart id="chart-reason-rates" title="Reason codes: share of decided verifications carrying each" data={reasonRates} max={1} labelHeading="Reason code" valueHeading="Share (count)" />
        <BarChart
          id="chart-processing"
          title="Processing time, submitted → decided (seconds)"
          data={t.count ? [{ label: "median (p50)", value: (t.p50 ?? 0) / 1000, text: duration(t.p50) }, { label: "95th percentile", value: (t.p95 ?? 0) / 1000, text: duration(t.p95) }] : []}
          labelHeading="Percentile"
          valueHeading="Time"
        />
      </div>

      <h2>Reviews</h2>
      <div class="charts">
        <BarChart id="chart-review-rates" title="Review decisions in the period: share by decision" data={stats.reviews.total ? reviewRates : []} max={1} labelHeading="Decision" valueHeading="Share (count)" />
        <BarChart id="chart-resubmission-reasons" title="Resubmissions requested, by reason" data={resubmissions} labelHeading="Reason" valueHeading="Requests" />
      </div>
      <p class="hint">
        The same numbers as <code>GET /v1/stats</code>. Statuses are current: a case a reviewer approved counts as verified. Erased verifications still count.
      </p>
    </>
  );
}
