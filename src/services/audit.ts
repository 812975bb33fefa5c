/**
 * INTERIM (replaced by src/audit/ + src/adapters/audit/ when the audit-chain work lands): the AuditLog port over
 * D1 with pending rows sealed inline.
 */
import { and, asc, desc, eq, gt, isNull, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import type { TenantCrypto } from "../lib/crypto";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { AuditLog, Clock, PendingAuditRow } from "../ports";
import type { AuditChain } from "../../durable-objects/audit-chain";

export const GENESIS_HASH = "0".repeat(64);
export type AuditRow = typeof auditEvents.$inferSelect;

export function canonicalAudit(row: Omit<AuditRow, "hash">): string {
  return JSON.stringify([row.id, row.tenantId, row.seq, row.actorType, row.actorId, row.action, row.targetType, row.targetId, row.ipHash, row.metadata, row.createdAt, row.prevHash]);
}

export function createAuditLog(db: Db, _chains: DurableObjectNamespace<AuditChain>, crypto: TenantCrypto, clock: Clock): AuditLog & { verify(tenantId: string): Promise<unknown> } {
  const log = {
    async pendingRow(input, meta = {}) {
      const now = clock.now();
      const row: PendingAuditRow = {
        id: newId("aud", now),
        tenantId: input.tenantId,
        actorType: input.actorType,
        actorId: input.actorId ?? null,
        action: input.action,
        targetType: input.targetType ?? null,
        targetId: input.targetId ?? null,
        ipHash: meta.ip ? (await crypto.blindIndex(input.tenantId, `ip:${meta.ip}`)).slice(0, 32) : null,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        createdAt: now,
      };
      return row;
    },
    async append(input, meta) {
      await db.insert(auditEvents).values(await log.pendingRow(input, meta));
      await log.seal(input.tenantId);
    },
    async seal(tenantId) {
      const [last] = await db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), isNotNull(auditEvents.seq))).orderBy(desc(auditEvents.seq)).limit(1);
      let seq = last?.seq ?? 0;
      let prev = last?.hash ?? GENESIS_HASH;
      const pending = await db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), isNull(auditEvents.seq))).orderBy(asc(auditEvents.createdAt), asc(auditEvents.id));
      for (const r of pending) {
        const base = { ...r, seq: ++seq, prevHash: prev };
        const { hash: _h, ...rest } = base;
        const hash = await sha256Hex(canonicalAudit(rest));
        await db.update(auditEvents).set({ seq, prevHash: prev, hash }).where(and(eq(auditEvents.id, r.id), isNull(auditEvents.seq)));
        prev = hash;
      }
    },
    async verify(tenantId: string) {
      await log.seal(tenantId);
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let count = 0;
      const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), gt(auditEvents.seq, 0))).orderBy(asc(auditEvents.seq));
      for (const row of rows) {
        count++;
        const { hash, ...rest } = row;
        const broken = (reason: string) => ({ valid: false as const, events: count, broken_at: { id: row.id, seq: row.seq, reason } });
        if (row.seq !== expectedSeq) return broken(`expected sequence ${expectedSeq}, found ${row.seq}`);
        if (row.prevHash !== prevHash) return broken("prev_hash does not match the previous event's hash");
        if ((await sha256Hex(canonicalAudit(rest))) !== hash) return broken("the event's content does not match its hash");
        prevHash = hash!;
        expectedSeq++;
      }
      return { valid: true as const, events: count };
    },
  } satisfies AuditLog & { verify(tenantId: string): Promise<unknown> };
  return log;
}
