/** Contract of GET /v1/stats: a tenant's counts, rates and processing-time percentiles over a period (admin, auditor). */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { RESUBMISSION_REASONS } from "../../pipeline/codes";
import { REVIEW_DECISIONS } from "../../verifications/review";
import { STATUSES } from "../../verifications/status";

const auditors = requireAuth({ roles: ["admin", "auditor"] });

/** The longest period one call covers. */
export const MAX_PERIOD_DAYS = 366;
/** The period when none is given: the last 30 days. */
export const DEFAULT_PERIOD_DAYS = 30;

const isoTime = z.iso.datetime({ offset: true });
const counts = <K extends string>(keys: readonly [K, ...K[]]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number()])) as Record<K, z.ZodNumber>);

export const StatsSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }).openapi({ description: "[from, to) in ISO 8601" }),
    mode: z.enum(["live", "test"]).nullable().openapi({ description: "null: both worlds" }),
    created: z.object({ total: z.number(), by_status: counts(STATUSES), by_mode: counts(["live", "test"]) }).openapi({ description: "Verifications created in the period, by their current status" }),
    completed: z
      .object({
        total: z.number(),
        by_status: counts(STATUSES),
        rates: counts(STATUSES).openapi({ description: "Share of `total` (0–1)" }),
        reason_codes: z.array(z.object({ code: z.string(), count: z.number(), rate: z.number().openapi({ description: "Share of completed verifications carrying the code (0–1)" }) })),
        processing_time_ms: z.object({ count: z.number(), p50: z.number().nullable(), p95: z.number().nullable() }).openapi({ description: "submitted_at → completed_at, nearest-rank percentiles" }),
      })
      .openapi({ description: "Verifications the pipeline decided in the period, by current status (reviewers' decisions included)" }),
    reviews: z
      .object({
        total: z.number(),
        by_decision: counts(REVIEW_DECISIONS),
        rates: counts(REVIEW_DECISIONS),
        resubmission_reasons: counts(RESUBMISSION_REASONS),
      })
      .openapi({ description: "Review decisions made in the period" }),
  })
  .openapi("Stats");

export const StatsQuerySchema = z
  .object({
    mode: z.enum(["live", "test"]).optional().openapi({ description: "Only this world; both when absent" }),
    from: isoTime.optional().openapi({ description: `Start (inclusive, ISO 8601); default: ${DEFAULT_PERIOD_DAYS} days before \`to\`` }),
    to: isoTime.optional().openapi({ description: "End (exclusive, ISO 8601); default: now" }),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) ctx.addIssue({ code: "custom", path: ["from"], message: "must be before `to`" });
    if (q.from && q.to && Date.parse(q.to) - Date.parse(q.from) > MAX_PERIOD_DAYS * 86_400_000) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `the period may span at most ${MAX_PERIOD_DAYS} days` });
    }
  });

export const statsRoute = createRoute({
  method: "get",
  path: "/v1/stats",
  operationId: "getStats",
  tags: ["Stats"],
  summary: "Counts, decision and reason-code rates, processing-time percentiles",
  description: `Over [from, to) (at most ${MAX_PERIOD_DAYS} days; default the last ${DEFAULT_PERIOD_DAYS}), computed in SQL. Admins and auditors; not API keys.`,
  middleware: [auditors] as const,
  security: [{ bearerAuth: [] }],
  request: { query: StatsQuerySchema },
  responses: { 200: jsonContent(StatsSchema, "The statistics"), ...errorResponses(400, 401, 403) },
});
