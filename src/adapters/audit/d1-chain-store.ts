/**
 * D1 storage of the audit chain (tables audit_events, audit_heads, audit_checkpoints) for the pure sealing and
 * verification code in src/audit/. `commit` is one D1 batch (one transaction): every row update is guarded by
 * `seq IS NULL`, and the head write turns into a NOT NULL violation — aborting the whole batch — unless every row
 * landed and the stored head is still the one the page was chained after.
 */
import type { AuditRow, ChainedRow, SealStore, SignedHead, StoredCheckpoint, VerifyStore } from "../../audit/types";
import type { ChainSigner } from "../../audit/types";
import type { TokenService } from "../../identity/tokens";

interface EventRecord {
  id: string;
  tenant_id: string;
  seq: number | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip_hash: string | null;
  metadata: string | null;
  created_at: number;
  prev_hash: string | null;
  hash: string | null;
}

const COLUMNS = "id, tenant_id, seq, actor_type, actor_id, action, target_type, target_id, ip_hash, metadata, created_at, prev_hash, hash";

export function toAuditRow(r: EventRecord): AuditRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    seq: r.seq,
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    ipHash: r.ip_hash,
    metadata: r.metadata,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export function d1ChainStore(d1: D1Database): SealStore & VerifyStore {
  const headQuery = (tenantId: string) => d1.prepare("SELECT seq, hash, jws FROM audit_heads WHERE tenant_id = ?").bind(tenantId);
  return {
    async head(tenantId) {
      return (await headQuery(tenantId).first<SignedHead>()) ?? null;
    },

    async lastSeq(tenantId) {
      const r = await d1.prepare("SELECT max(seq) AS last FROM audit_events WHERE tenant_id = ?").bind(tenantId).first<{ last: number | null }>();
      return r?.last ?? null;
    },

    async pending(tenantId, limit) {
      const { results } = await d1
        .prepare(`SELECT ${COLUMNS} FROM audit_events WHERE tenant_id = ? AND seq IS NULL ORDER BY created_at, id LIMIT ?`)
        .bind(tenantId, limit)
        .all<EventRecord>();
      return results.map(toAuditRow);
    },

    async commit(tenantId, rows: ChainedRow[], previous, head, now) {
      const updates = rows.map((r) =>
        d1.prepare("UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ? WHERE id = ? AND tenant_id = ? AND seq IS NULL").bind(r.seq, r.prevHash, r.hash, r.id, tenantId),
      );
      const from = previous?.seq ?? 0;
      const writeHead = d1
        .prepare(
          `INSERT INTO audit_heads (tenant_id, seq, hash, jws, updated_at)
           VALUES (?1, CASE WHEN (SELECT count(*) FROM audit_events WHERE tenant_id = ?1 AND seq > ?2 AND seq <= ?3) = ?4 THEN ?3 END, ?5, ?6, ?7)
           ON CONFLICT (tenant_id) DO UPDATE SET
             seq = CASE WHEN audit_heads.seq = ?2 AND audit_heads.hash = ?8 THEN excluded.seq END,
             hash = excluded.hash, jws = excluded.jws, updated_at = excluded.updated_at`,
        )
        .bind(tenantId, from, head.seq, rows.length, head.hash, head.jws, now, previous?.hash ?? "");
      await d1.batch([...updates, writeHead]);
    },

    async snapshot(tenantId) {
      const [head, extent] = await d1.batch<unknown>([
        headQuery(tenantId),
        d1.prepare("SELECT max(seq) AS last, sum(seq IS NULL) AS pending FROM audit_events WHERE tenant_id = ?").bind(tenantId),
      ]);
      const h = head.results[0] as SignedHead | undefined;
      const e = extent.results[0] as { last: number | null; pending: number | null } | undefined;
      return { head: h ?? null, lastSeq: e?.last ?? null, pending: e?.pending ?? 0 };
    },

    async checkpoints(tenantId, limit) {
      const { results } = await d1
        .prepare("SELECT seq, hash, jws, created_at AS createdAt FROM audit_checkpoints WHERE tenant_id = ? ORDER BY seq DESC LIMIT ?")
        .bind(tenantId, limit)
        .all<StoredCheckpoint>();
      return results;
    },

    async rowAt(tenantId, seq) {
      const r = await d1.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE tenant_id = ? AND seq = ?`).bind(tenantId, seq).first<EventRecord>();
      return r ? toAuditRow(r) : null;
    },

    async rows(tenantId, afterSeq, uptoSeq, limit) {
      const { results } = await d1
        .prepare(`SELECT ${COLUMNS} FROM audit_events WHERE tenant_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`)
        .bind(tenantId, afterSeq, uptoSeq, limit)
        .all<EventRecord>();
      return results.map(toAuditRow);
    },

    async saveCheckpoint(tenantId, cp, now) {
      await d1
        .prepare("INSERT INTO audit_checkpoints (tenant_id, seq, hash, jws, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, seq) DO NOTHING")
        .bind(tenantId, cp.seq, cp.hash, cp.jws, now)
        .run();
    },
  };
}

/** Heads and checkpoints are signed like JWTs and receipts: ES256 with the key published in the JWKS. */
export function tokenSigner(tokens: TokenService): ChainSigner {
  return {
    sign: (claims) => tokens.signJws({ ...claims }, claims.typ === "audit_head" ? "audit-head+jws" : "audit-checkpoint+jws"),
    async verify(jws) {
      try {
        return await tokens.verifyJws(jws);
      } catch {
        return null;
      }
    },
  };
}
