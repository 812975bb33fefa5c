/**
 * The review queue's filters (reason code, mode, minimum wait, unclaimed only) as the console's GET form sends
 * them, translated into the domain's ReviewQueueFilter (src/verifications/repository.ts), which applies them in
 * the query. Pure: invalid values are ignored rather than refused, as a filter form should.
 */
import type { ReviewQueueFilter } from "../verifications/repository";

export interface QueueFilters {
  reason?: string;
  mode?: "live" | "test";
  /** Only cases waiting at least this many hours. */
  minAgeHours?: number;
  unclaimed?: boolean;
}

/**
 * Reads the filters from query parameters, ignoring values that are not valid.
 *
 * @example
 * parseQueueFilters({ reason: "DUPLICATE_FACE", mode: "live", min_age_hours: "24" }); // { reason: "DUPLICATE_FACE", mode: "live", minAgeHours: 24 }
 */
export function parseQueueFilters(query: Record<string, string | undefined>): QueueFilters {
  const filters: QueueFilters = {};
  if (query.reason && /^[A-Z_]{2,64}$/.test(query.reason)) filters.reason = query.reason;
  if (query.mode === "live" || query.mode === "test") filters.mode = query.mode;
  const hours = Number(query.min_age_hours);
  if (query.min_age_hours && Number.isFinite(hours) && hours > 0 && hours <= 24 * 3650) filters.minAgeHours = hours;
  if (query.unclaimed === "1") filters.unclaimed = true;
  return filters;
}

/**
 * The console's filters as the domain's queue filter.
 *
 * @example
 * toReviewQueueFilter({ minAgeHours: 2, unclaimed: true }); // { olderThanMinutes: 120, unclaimed: true }
 */
export function toReviewQueueFilter(filters: QueueFilters): ReviewQueueFilter {
  return {
    ...(filters.reason ? { reason: filters.reason } : {}),
    ...(filters.mode ? { mode: filters.mode } : {}),
    ...(filters.minAgeHours ? { olderThanMinutes: Math.round(filters.minAgeHours * 60) } : {}),
    ...(filters.unclaimed ? { unclaimed: true } : {}),
  };
}

/** True when any filter narrows the queue. */
export const filtering = (filters: QueueFilters) => Boolean(filters.reason || filters.mode || filters.minAgeHours || filters.unclaimed);

/**
 * How long a case has waited, in words.
 *
 * @example
 * waitedFor(90 * 60_000); // "1 h 30 min"
 */
export function waitedFor(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
