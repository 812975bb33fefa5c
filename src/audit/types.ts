/**
 * The audit log's contract (the port) and the shapes its pure chain code works on. Writers never chain: they add
 * *pending* rows (`seq`, `prev_hash`, `hash` null), alone through `append` or inside their own D1 batch through
 * `pendingRow`; the tenant's AuditChain Durable Object seals pending rows in order and signs the new chain head.
 *
 * What an event may hold: ids, codes and numbers only. No names, emails, free text, IP addresses or user agents
 * — the chain is never edited, so nothing in it may ever need erasing. The client IP survives only as `ip_hash`,
 * an HMAC with the tenant's key (`TenantCrypto.blindIndex(tenantId, "ip:" + ip)`), to match events of one source
 * during an investigation.
 */
import type { auditEvents } from "../db/schema";

export type AuditActorType = "user" | "api_key" | "system" | "anonymous";

/** Metadata values: codes, ids, numbers, flags and lists of codes — never personal data. */
export type AuditMetadata = Record<string, string | number | boolean | null | string[]>;

export interface AuditEventInput {
  tenantId: string;
  actorType: AuditActorType;
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  metadata?: AuditMetadata;
}

/** A row as stored; `seq`, `prevHash` and `hash` are null until the tenant's chain seals it. */
export type AuditRow = typeof auditEvents.$inferSelect;
/** The pending row for an event, ready to insert (seq, prev_hash and hash null). */
export type PendingAuditRow = typeof auditEvents.$inferInsert;
/** A sealed row: its place in the chain is set. */
export type ChainedRow = AuditRow & { seq: number; prevHash: string; hash: string };

/** A position in the chain: the last sealed `seq` and its `hash` (seq 0 and 64 zeros before the first event). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** The stored chain head: the position, and the JWS over it. */
export interface SignedHead extends ChainPoint {
  jws: string;
}

/** Payload of a head JWS. */
export interface HeadClaims {
  typ: "audit_head";
  tenant_id: string;
  seq: number;
  hash: string;
  sealed_at: string;
}

/** Payload of a checkpoint JWS. */
export interface CheckpointClaims {
  typ: "audit_checkpoint";
  tenant_id: string;
  seq: number;
  hash: string;
  verified_at: string;
}

/** Signs and verifies compact JWS (ES256 with the JWKS key in the Worker; any key in pure tests). */
export interface ChainSigner {
  sign(claims: HeadClaims | CheckpointClaims): Promise<string>;
  /** The payload when the signature verifies with our key, else null. */
  verify(jws: string): Promise<Record<string, unknown> | null>;
}

/** Why a chain is not intact. `broken_at.seq` names the first row (or head position) that is wrong. */
export type BreakReason =
  | "content_changed" // the row's fields no longer hash to its stored hash
  | "prev_hash_mismatch" // the row does not link to the previous row's hash
  | "sequence_gap" // a seq is missing before this row (rows removed)
  | "truncated" // the signed head says seq N but the log ends at M < N (rows removed at the end)
  | "head_mismatch" // the log ends at the head's seq, but that row's hash is not the signed one
  | "beyond_head" // chained rows after the signed head, which no head ever covered
  | "head_signature_invalid" // the head's JWS does not verify or does not match its columns
  | "head_missing"; // chained rows exist but there is no head

export interface ChainBreak {
  seq: number;
  id?: string;
  reason: BreakReason;
  message: string;
  /** For a gap: the seq that was expected. */
  expected_seq?: number;
  /** For `truncated`, `beyond_head`, `head_mismatch`: the signed head's seq and the last seq in the log. */
  head_seq?: number;
  log_end_seq?: number | null;
}

export interface AuditVerification {
  valid: boolean;
  /** Events checked by this run (from `from_seq` + 1 on). */
  events: number;
  /** The verified run started after this seq: 0 from genesis, else the signed checkpoint it resumed from. */
  from_seq: number;
  /** The signed head the log was checked against; null when the tenant has no sealed event yet. */
  head: ChainPoint | null;
  /** Events not yet sealed (not part of this check). */
  pending: number;
  broken_at?: ChainBreak;
}

/** The audit log port. */
export interface AuditLog {
  /** The pending row for `input` (id, created_at, ip_hash filled in), for a caller to insert in its own D1 batch. */
  pendingRow(input: AuditEventInput, meta?: { ip?: string | null }): Promise<PendingAuditRow>;
  /** Inserts one pending event, then seals the tenant's chain (best effort: on failure the row stays pending). */
  append(input: AuditEventInput, meta?: { ip?: string | null }): Promise<void>;
  /** Seals the tenant's pending events now (through its AuditChain DO). */
  seal(tenantId: string): Promise<void>;
  /**
   * Seals the tenant's events committed before the call, batched with the other requests of this isolate doing the same
   * (the after-commit path of every audited change): one call to each tenant's AuditChain per round, not one per request.
   */
  sealSoon(tenantId: string): Promise<void>;
  verify(tenantId: string, opts?: { full?: boolean }): Promise<AuditVerification>;
}

/** What sealing needs from storage (D1 in the Durable Object, an array in the memory twin). */
export interface SealStore {
  head(tenantId: string): Promise<SignedHead | null>;
  /** The last sealed row's seq, or null when none (to refuse extending a chain whose head is gone). */
  lastSeq(tenantId: string): Promise<number | null>;
  /** Up to `limit` pending rows of the tenant, oldest first (created_at, then id). */
  pending(tenantId: string, limit: number): Promise<AuditRow[]>;
  /**
   * Writes the sealed rows and the new head atomically; each row only if it is still pending, and the head only
   * if every row landed and the old head is unchanged — otherwise nothing is written and it throws.
   */
  commit(tenantId: string, rows: ChainedRow[], previous: SignedHead | null, head: SignedHead, now: number): Promise<void>;
}

export interface StoredCheckpoint extends SignedHead {
  createdAt: number;
}

/** What verification needs from storage. */
export interface VerifyStore {
  /** The head and the log's sealed extent, read together (one snapshot). */
  snapshot(tenantId: string): Promise<{ head: SignedHead | null; lastSeq: number | null; pending: number }>;
  /** The newest checkpoints first, at most `limit`. */
  checkpoints(tenantId: string, limit: number): Promise<StoredCheckpoint[]>;
  rowAt(tenantId: string, seq: number): Promise<AuditRow | null>;
  /** Sealed rows with `afterSeq < seq <= uptoSeq`, by seq, at most `limit`. */
  rows(tenantId: string, afterSeq: number, uptoSeq: number, limit: number): Promise<AuditRow[]>;
  saveCheckpoint(tenantId: string, checkpoint: SignedHead, now: number): Promise<void>;
}
