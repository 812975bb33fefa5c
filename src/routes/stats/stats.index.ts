/** GET /v1/stats: resolves the period, calls the domain (src/stats/stats.ts). Contract in stats.routes.ts. */
import { createRouter } from "../../app/create-app";
import { ApiError } from "../../lib/errors";
import { tenantStats } from "../../stats/stats";
import { DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS, statsRoute } from "./stats.routes";

const DAY_MS = 86_400_000;

export const statsRouter = createRouter().openapi(statsRoute, async (c) => {
  const s = c.var.services;
  const q = c.req.valid("query");
  const to = q.to ? Date.parse(q.to) : s.now();
  const from = q.from ? Date.parse(q.from) : to - DEFAULT_PERIOD_DAYS * DAY_MS;
  // Only one bound given: the schema could not compare them.
  if (from >= to) throw new ApiError("VALIDATION_ERROR", "The request is invalid", { details: { fields: { from: ["must be before `to`"] } } });
  if (to - from > MAX_PERIOD_DAYS * DAY_MS) throw new ApiError("VALIDATION_ERROR", "The request is invalid", { details: { fields: { to: [`the period may span at most ${MAX_PERIOD_DAYS} days`] } } });
  return c.json(await tenantStats(s.db, { tenantId: c.var.principal.tenantId, mode: q.mode, from, to }), 200);
});
