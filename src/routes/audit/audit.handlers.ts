import type { RouteHandler } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt } from "drizzle-orm";
import { auditEvents } from "../../db/schema";
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

export const listAuditHandler: RouteHandler<typeof listAuditRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const tenantId = c.var.principal.tenantId;
  const rows = await c.var.services.db
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
        q.cursor ? lt(auditEvents.seq, Number(q.cursor)) : undefined,
      ),
    )
    .orderBy(desc(auditEvents.seq))
    .limit(q.limit + 1);
  const { data, next_cursor } = page(rows, q.limit, (r) => String(r.seq));
  return c.json(
    {
      data: data.map((r) => ({
        id: r.id,
        seq: r.seq,
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
  return c.json(await (c.var.services.audit as unknown as { verify(t: string): Promise<never> }).verify(c.var.principal.tenantId), 200);
};
