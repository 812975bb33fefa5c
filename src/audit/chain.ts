/**
 * The pure hash chain: canonical serialisation, sealing a page of pending rows after a head, and walking a run of
 * sealed rows from a trusted point. No bindings, no clock; SHA-256 through WebCrypto (Workers and Node alike).
 *
 * `hash = SHA-256(canonical(row))`, where the canonical form is every stored field but `hash` — including
 * `prev_hash` and `ip_hash` — in a fixed order, so editing, removing or reordering a row breaks the link at that
 * row, and a rewrite that recomputes every later hash still ends at a hash the signed head does not carry.
 */
import { sha256Hex } from "../lib/crypto";
import type { AuditRow, ChainBreak, ChainPoint, ChainedRow } from "./types";

export const GENESIS_HASH = "0".repeat(64);
export const GENESIS: ChainPoint = { seq: 0, hash: GENESIS_HASH };

/** Bumped if the canonical form ever changes, so old and new hashes cannot be confused. */
const CANONICAL_VERSION = "audit/v2";

/** The exact string that is hashed for a row. */
export function canonicalAudit(row: Omit<AuditRow, "hash">): string {
  return JSON.stringify([
    CANONICAL_VERSION,
    row.id,
    row.tenantId,
    row.seq,
    row.actorType,
    row.actorId,
    row.action,
    row.targetType,
    row.targetId,
    row.ipHash,
    row.metadata,
    row.createdAt,
    row.prevHash,
  ]);
}

export function hashRow(row: Omit<AuditRow, "hash">): Promise<string> {
  return sha256Hex(canonicalAudit(row));
}

/** Stable sealing order of pending rows: creation time, then id. */
export function pendingOrder(a: AuditRow, b: AuditRow): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Chains `pending` (already in sealing order) after `head`: consecutive seqs, each linked to the one before. */
export async function sealRows(head: ChainPoint, pending: AuditRow[]): Promise<{ rows: ChainedRow[]; head: ChainPoint }> {
  const rows: ChainedRow[] = [];
  let at = head;
  for (const row of pending) {
    const linked = { ...row, seq: at.seq + 1, prevHash: at.hash };
    const sealed: ChainedRow = { ...linked, hash: await hashRow(linked) };
    rows.push(sealed);
    at = { seq: sealed.seq, hash: sealed.hash };
  }
  return { rows, head: at };
}

/**
 * Walks sealed rows in seq order from a trusted point (genesis or a verified checkpoint). `check` returns the
 * first problem of each row or null; `at` is the last row that checked out.
 */
export class ChainWalker {
  private point: ChainPoint;
  count = 0;

  constructor(start: ChainPoint) {
    this.point = start;
  }

  get at(): ChainPoint {
    return this.point;
  }

  async check(row: AuditRow): Promise<ChainBreak | null> {
    this.count++;
    const expected = this.point.seq + 1;
    const at = { seq: row.seq ?? expected, id: row.id };
    if (row.seq !== expected) {
      return { ...at, reason: "sequence_gap", expected_seq: expected, message: `expected seq ${expected}, found ${row.seq}: events were removed` };
    }
    if (row.prevHash !== this.point.hash) {
      return { ...at, reason: "prev_hash_mismatch", message: "prev_hash does not match the previous event's hash" };
    }
    const { hash, ...rest } = row;
    if (hash === null || (await hashRow(rest)) !== hash) {
      return { ...at, reason: "content_changed", message: "the event's content does not match its hash" };
    }
    this.point = { seq: row.seq, hash };
    return null;
  }
}

/**
 * What the end of the walk says against the signed head: the log must end exactly at the head's seq, with the
 * head's hash. `lastSeq` is the highest sealed seq in the log (which may lie beyond the head).
 */
export function checkEnd(walked: ChainPoint, head: ChainPoint, lastSeq: number | null): ChainBreak | null {
  if (lastSeq !== null && lastSeq > head.seq) {
    return {
      seq: head.seq + 1,
      reason: "beyond_head",
      head_seq: head.seq,
      log_end_seq: lastSeq,
      message: `the log holds sealed events up to seq ${lastSeq}, beyond the signed head at seq ${head.seq}`,
    };
  }
  if (walked.seq < head.seq) {
    return {
      seq: walked.seq + 1,
      reason: "truncated",
      head_seq: head.seq,
      log_end_seq: walked.seq,
      message: `the signed head is at seq ${head.seq} but the log ends at seq ${walked.seq}: events were removed from the end`,
    };
  }
  if (walked.hash !== head.hash) {
    return { seq: head.seq, reason: "head_mismatch", head_seq: head.seq, log_end_seq: walked.seq, message: "the last event's hash is not the one the head signed" };
  }
  return null;
}
