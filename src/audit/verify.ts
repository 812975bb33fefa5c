/**
 * Verification of a tenant's chain against its signed head, resuming from the newest signed checkpoint that still
 * holds (its JWS verifies and the row at its seq still hashes to the checkpoint's hash), or from genesis with
 * `full`. Reports the first problem: a changed row, a broken link, a gap, a removed tail (`truncated`, with the
 * head's seq and the log's end), a head that does not verify or is missing. A clean run records a new signed
 * checkpoint at the head, so the next run checks only what was sealed since.
 */
import { ChainWalker, GENESIS, checkEnd, hashRow } from "./chain";
import { headVerifies } from "./seal";
import type { AuditVerification, ChainPoint, ChainSigner, CheckpointClaims, SignedHead, StoredCheckpoint, VerifyStore } from "./types";

const PAGE = 500;
/** Older checkpoints are only a fallback when newer ones no longer hold; a few are enough. */
const CHECKPOINTS_TRIED = 5;

export interface VerifyOptions {
  full?: boolean;
  now: () => number;
}

export async function verifyChain(store: VerifyStore, signer: ChainSigner, tenantId: string, opts: VerifyOptions): Promise<AuditVerification> {
  const { head, lastSeq, pending } = await store.snapshot(tenantId);
  const base = { events: 0, from_seq: 0, pending, head: head ? { seq: head.seq, hash: head.hash } : null };

  if (!head) {
    if (lastSeq === null) return { valid: true, ...base };
    const first = await store.rows(tenantId, 0, lastSeq, 1);
    return { valid: false, ...base, broken_at: { seq: first[0]?.seq ?? 1, id: first[0]?.id, reason: "head_missing", message: "sealed events exist but the chain head is missing" } };
  }
  if (!(await headVerifies(signer, tenantId, head))) {
    return { valid: false, ...base, broken_at: { seq: head.seq, reason: "head_signature_invalid", message: "the chain head's signature does not verify against our key" } };
  }

  const start = opts.full ? GENESIS : await resumePoint(store, signer, tenantId, head);
  const walker = new ChainWalker(start);
  let cursor = start.seq;
  for (;;) {
    const rows = await store.rows(tenantId, cursor, head.seq, PAGE);
    for (const row of rows) {
      const broken = await walker.check(row);
      if (broken) return { valid: false, ...base, from_seq: start.seq, events: walker.count, broken_at: broken };
    }
    if (rows.length < PAGE) break;
    cursor = walker.at.seq;
  }
  const end = checkEnd(walker.at, head, lastSeq);
  const result = { ...base, from_seq: start.seq, events: walker.count };
  if (end) return { valid: false, ...result, broken_at: end };

  if (head.seq > start.seq) await saveCheckpoint(store, signer, tenantId, head, opts.now());
  return { valid: true, ...result };
}

/** The newest checkpoint that still holds, or genesis. */
async function resumePoint(store: VerifyStore, signer: ChainSigner, tenantId: string, head: SignedHead): Promise<ChainPoint> {
  for (const cp of await store.checkpoints(tenantId, CHECKPOINTS_TRIED)) {
    if (cp.seq > head.seq) continue;
    if (await checkpointHolds(store, signer, tenantId, cp)) return { seq: cp.seq, hash: cp.hash };
  }
  return GENESIS;
}

async function checkpointHolds(store: VerifyStore, signer: ChainSigner, tenantId: string, cp: StoredCheckpoint): Promise<boolean> {
  const claims = await signer.verify(cp.jws);
  if (!claims || claims.typ !== "audit_checkpoint" || claims.tenant_id !== tenantId || claims.seq !== cp.seq || claims.hash !== cp.hash) return false;
  const row = await store.rowAt(tenantId, cp.seq);
  if (!row || row.hash !== cp.hash) return false;
  const { hash: _stored, ...rest } = row;
  return (await hashRow(rest)) === cp.hash;
}

async function saveCheckpoint(store: VerifyStore, signer: ChainSigner, tenantId: string, head: SignedHead, now: number) {
  const claims: CheckpointClaims = { typ: "audit_checkpoint", tenant_id: tenantId, seq: head.seq, hash: head.hash, verified_at: new Date(now).toISOString() };
  await store.saveCheckpoint(tenantId, { seq: head.seq, hash: head.hash, jws: await signer.sign(claims) }, now);
}
