/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Auditor pages at /console/stats and /console/audit, for admins and auditors: statistics as SVG charts and the audit
 * log with chain verification. Read-only: GET routes only, over the same domain functions as GET /v1/stats,
 * GET /v1/audit and GET /v1/audit/verify (never over HTTP).
 */
import { Hono } from "hono";
import { listAuditEvents, parseMetadata } from "../../audit/list";
import { takeCallerLimit } from "../../identity/rate-limit";
import { page as pageOf } from "../../lib/pagination";
import { tenantStats } from "../../stats/stats";
import type { Role } from "../../types";
import { allow, page, problem } from "../kit";
import type { ConsoleEnv } from "../kit";
import { AUDIT_PAGE_SIZE, AuditPage, chainVerdict, parseAuditFilters } from "./audit-page";
import { headSignedAt } from "../../audit/chain-head";
import { StatsPage, parseStatsSelection, statsBuckets, statsPeriod } from "./stats-page";

const AUDITING_ROLES: Role[] = ["admin", "auditor"];

/** The auditor page group, mounted by console-app behind the session and CSRF middleware. */
export function auditorPages() {
  const app = new Hono<ConsoleEnv>();

  app.get("/stats", async (c) => {
    if (!allow(c, AUDITING_ROLES)) return problem(c, 403, "Not allowed", "Only admins and auditors can see the statistics.");
    const parsed = parseStatsSelection(c.req.query());
    if (!parsed.ok) return problem(c, 400, "Invalid request", parsed.message);
    const { days, mode } = parsed.value;
    const s = c.var.services;
    const tenantId = c.get("session").user.tenantId;
    const { from, to } = statsPeriod(s.now(), days);
    const buckets = statsBuckets(to, days);
    const [stats, ...perBucket] = await Promise.all([
      tenantStats(s.db, { tenantId, mode, from, to }),
      ...buckets.map((b) => tenantStats(s.db, { tenantId, mode, from: b.from, to: b.to })),
    ]);
    const series = buckets.map((b, i) => ({ ...b, created: perBucket[i].created.total }));
    return page(c, "Statistics", <StatsPage selection={parsed.value} stats={stats} series={series} />);
  });

  app.get("/audit", async (c) => {
    if (!allow(c, AUDITING_ROLES)) return problem(c, 403, "Not allowed", "Only admins and auditors can read the audit log.");
    const parsed = parseAuditFilters(c.req.query());
    if (!parsed.ok) return problem(c, 400, "Invalid request", parsed.message);
    const filters = parsed.value;
    const s = c.var.services;
    const user = c.get("session").user;
    if (filters.full) {
      // A whole-chain check reads every event: the budget of GET /v1/audit/verify's expensive calls.
      const limit = await takeCallerLimit(s.rateLimits, { type: "user", tenantId: user.tenantId, userId: user.id }, true);
      if (!limit.allowed) return problem(c, 429, "Too many checks", "The whole log was checked too often in the last minute; wait a minute and try again.");
    }
    // verify seals pending events first, so the list below shows them with their seq.
    const verification = await s.audit.verify(user.tenantId, { full: filters.full });
    const [rows, signedAt] = await Promise.all([
      listAuditEvents(s, user.tenantId, { limit: AUDIT_PAGE_SIZE, action: filters.action, target_id: filters.target_id, cursor: filters.cursor }),
      verification.head ? headSignedAt(s.db, user.tenantId, verification.head.seq) : Promise.resolve(null),
    ]);
    const { data, next_cursor } = pageOf(rows, AUDIT_PAGE_SIZE, (r) => (r.seq === null ? r.id : String(r.seq)));
    const events = data.map((r) => ({
      id: r.id,
      seq: r.seq,
      actor_type: r.actorType,
      actor_id: r.actorId,
      action: r.action,
      target_type: r.targetType,
      target_id: r.targetId,
      metadata: parseMetadata(r.metadata),
      created_at: new Date(r.createdAt).toISOString(),
    }));
    return page(c, "Audit log", <AuditPage verdict={chainVerdict(verification, signedAt)} filters={filters} events={events} nextCursor={next_cursor} />);
  });

  return app;
}
