/**
 * Building a pending audit row from an event: a time-ordered id, the creation time, the metadata as JSON, and the
 * client IP reduced to the tenant-keyed hash `ip_hash` (the IP itself is never stored). `seq`, `prev_hash` and
 * `hash` stay null until the tenant's chain seals the row.
 */
import { newId } from "../lib/ids";
import type { AuditEventInput, PendingAuditRow } from "./types";

/** The keyed hash the tenant's investigations match on: `TenantCrypto.blindIndex` in the Worker. */
export type KeyedHash = (tenantId: string, value: string) => Promise<string>;

export async function buildPendingRow(input: AuditEventInput, meta: { ip?: string | null } | undefined, keyedHash: KeyedHash, now: number): Promise<PendingAuditRow> {
  const ip = meta?.ip?.trim();
  return {
    id: newId("aud", now),
    tenantId: input.tenantId,
    seq: null,
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    ipHash: ip ? await keyedHash(input.tenantId, `ip:${ip}`) : null,
    metadata: input.metadata ? JSON.stringify(input.metadata) : null,
    createdAt: now,
    prevHash: null,
    hash: null,
  };
}
