/**
 * The audit log: append-only and hash-chained per tenant. Each event stores the hash of the tenant's previous
 * event and its own hash over a canonical serialisation, so changing, deleting or reordering any row breaks
 * the chain at that row; `verify` recomputes the chain and names the first broken link.
 */
import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { RequestMeta } from "../types";
import type { AuditChain } from "../../durable-objects/audit-chain";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditInput {
  tenantId: string;
  actorType: "user" | "api_key" | "system" | "anonymous";
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
}

export type AuditRow = typeof auditEvents.$inferSelect;

/** The exact bytes that are hashed: every stored field but `hash`, in a fixed order. */
export function canonicalAudit(row: Omit<AuditRow, "hash">): string {
  return JSON.stringify([
    row.id, row.tenantId, row.seq, row.actorType, row.actorId, row.action, row.targetType, row.targetId,
    row.ip, row.userAgent, row.metadata, row.createdAt, row.prevHash,
  ]);
}

export interface AuditLog {
  append(input: AuditInput, meta?: Partial<RequestMeta>): Promise<AuditRow>;
  verify(tenantId: string): Promise<{ valid: true; events: number } | { valid: false; events: number; broken_at: { id: string; seq: number; reason: string } }>;
}

/**
 * Appends one event after the tenant's current head. Only the tenant's AuditChain Durable Object calls this,
 * one append at a time; the unique (tenant_id, seq) index turns any other writer's race into an error, never
 * into a forked chain.
 */
export async function appendToChain(db: Db, input: AuditInput, meta: Partial<RequestMeta>, now: number): Promise<AuditRow> {
  const [last] = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.tenantId, input.tenantId))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  const base = {
    id: newId("aud", now),
    tenantId: input.tenantId,
    seq: (last?.seq ?? 0) + 1,
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    metadata: input.metadata ? JSON.stringify(input.metadata) : null,
    createdAt: now,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const row: AuditRow = { ...base, hash: await sha256Hex(canonicalAudit(base)) };
  await db.insert(auditEvents).values(row);
  return row;
}

export function createAuditLog(db: Db, chains: DurableObjectNamespace<AuditChain>, now: () => number): AuditLog {
  return {
    append(input, meta = {}) {
      const stub = chains.get(chains.idFromName(input.tenantId));
      // Only the request fields the chain stores cross the RPC boundary.
      return stub.append(input, { ip: meta.ip ?? null, userAgent: meta.userAgent ?? null }, now()) as Promise<AuditRow>;
    },

    async verify(tenantId) {      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let count = 0;
      let cursor = 0;
      for (;;) {
        const page = await db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.tenantId, tenantId), gt(auditEvents.seq, cursor)))
          .orderBy(asc(auditEvents.seq))
          .limit(500);
        for (const row of page) {
          count++;
          const { hash, ...rest } = row;
          const broken = (reason: string) => ({ valid: false as const, events: count, broken_at: { id: row.id, seq: row.seq, reason } });
          if (row.seq !== expectedSeq) return broken(`expected sequence ${expectedSeq}, found ${row.seq} (an event is missing)`);
          if (row.prevHash !== prevHash) return broken("prev_hash does not match the previous event's hash");
          if ((await sha256Hex(canonicalAudit(rest))) !== hash) return broken("the event's content does not match its hash");
          prevHash = hash;
          expectedSeq++;
          cursor = row.seq;
        }
        if (page.length < 500) return { valid: true, events: count };
      }
    },
  };
}
