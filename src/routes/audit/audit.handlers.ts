import type { RouteHandler } from "@hono/zod-openapi";
import { and, desc, eq, gte, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { auditEvents } from "../../db/schema";
import { log } from "../../lib/log";
import { page } from "../../lib/pagination";
import type { AppEnv } from "../../app/context";
import type { listAuditRoute, verifyAuditRoute } from "./audit.routes";

function parseMetadata(raw: string | null): Record<string, unknown> | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    // A tampered row may hold anything; show it rather than fail the whole page.
    return { unparseable: raw };
  }
}

/**
 * Pending events sort before sealed ones (they are newer than the head). A cursor is the last row's seq, or its id
 * while still pending; a row sealed between two pages may then appear on both, never on neither.
 */
function afterCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  if (/^\d+$/.test(cursor)) return lt(auditEvents.seq, Number(cursor));
  return or(and(isNull(auditEvents.seq), lt(auditEvents.id, cursor)), isNotNull(auditEvents.seq));
}

export const listAuditHandler: RouteHandler<typeof listAuditRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const tenantId = c.var.principal.tenantId;
  const s = c.var.services;
  try {
    await s.audit.seal(tenantId);
  } catch (err) {
    // The log is still readable; unsealed events show as pending.
    log.warn("audit_seal_failed", { request_id: c.get("requestId"), during: "list", error: err });
  }
  const rows = await s.db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, tenantId),
        q.action ? eq(auditEvents.action, q.action) : undefined,
        q.actor_id ? eq(auditEvents.actorId, q.actor_id) : undefined,
        q.target_type ? eq(auditEvents.targetType, q.target_type) : undefined,
        q.target_id ? eq(auditEvents.targetId, q.target_id) : undefined,
        q.since ? gte(auditEvents.createdAt, Date.parse(q.since)) : undefined,
        q.until ? lt(auditEvents.createdAt, Date.parse(q.until)) : undefined,
        afterCursor(q.cursor),
      ),
    )
    .orderBy(sql`${auditEvents.seq} IS NULL DESC`, desc(auditEvents.seq), desc(auditEvents.id))
    .limit(q.limit + 1);
  const { data, next_cursor } = page(rows, q.limit, (r) => (r.seq === null ? r.id : String(r.seq)));
  return c.json(
    {
      data: data.map((r) => ({
        id: r.id,
        seq: r.seq,
        pending: r.seq === null,
        actor_type: r.actorType,
        actor_id: r.actorId,
        action: r.action,
        target_type: r.targetType,
        target_id: r.targetId,
        ip_hash: r.ipHash,
        metadata: parseMetadata(r.metadata),
        created_at: new Date(r.createdAt).toISOString(),
        prev_hash: r.prevHash,
        hash: r.hash,
      })),
      next_cursor,
    },
    200,
  );
};

export const verifyAuditHandler: RouteHandler<typeof verifyAuditRoute, AppEnv> = async (c) => {
  const { full } = c.req.valid("query");
  return c.json(await c.var.services.audit.verify(c.var.principal.tenantId, { full: full === "true" }), 200);
};
