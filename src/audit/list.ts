/**
 * Reading the tenant's audit log, newest first: pending events (not yet sealed) before sealed ones, filtered by
 * action, actor, target and time, with a cursor that is a seq (or an id while pending).
 */
import { and, desc, eq, gte, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { auditEvents } from "../db/schema";

export interface AuditQuery {
  limit: number;
  cursor?: string;
  action?: string;
  actor_id?: string;
  target_type?: string;
  target_id?: string;
  since?: string;
  until?: string;
}

export function parseMetadata(raw: string | null): Record<string, unknown> | null {
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

/** One page (`limit + 1` rows so the caller can tell if there is more). */
export async function listAuditEvents(s: Services, tenantId: string, q: AuditQuery) {
  return s.db
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
}
