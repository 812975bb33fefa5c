/**
 * Sealing: the single writer's step (the tenant's AuditChain Durable Object, or the memory twin). Reads the signed
 * head, refuses to extend a head that does not verify (a new signature must never launder a tampered head or a
 * removed tail), chains the oldest pending rows in pages of at most `pageSize`, and commits each page together with
 * its newly signed head. Callers must not run two seals of one tenant at once; the store's guarded commit turns a
 * violation into an error, never into a fork.
 */
import { GENESIS, sealRows } from "./chain";
import type { ChainPoint, ChainSigner, HeadClaims, SealStore, SignedHead } from "./types";

export const SEAL_PAGE = 200;

export class ChainRefused extends Error {
  constructor(
    readonly reason: "head_missing" | "head_signature_invalid",
    message: string,
  ) {
    super(message);
    this.name = "ChainRefused";
  }
}

/** True when `jws` is our signature over exactly this tenant's head position. */
export async function headVerifies(signer: ChainSigner, tenantId: string, head: SignedHead): Promise<boolean> {
  const claims = await signer.verify(head.jws);
  return claims !== null && claims.typ === "audit_head" && claims.tenant_id === tenantId && claims.seq === head.seq && claims.hash === head.hash;
}

export interface SealResult extends ChainPoint {
  /** Rows sealed by this call. */
  sealed: number;
}

export interface SealOptions {
  now: () => number;
  pageSize?: number;
  /** Stop after this many pages (the next call or the cron continues); bounds one call's work. */
  maxPages?: number;
  /** The head this writer committed last; when the stored head equals it, its signature is not re-checked. */
  trusted?: SignedHead | null;
}

/** Seals; `committed` is the last head this call wrote itself (null when it sealed nothing), the only one to trust later. */
export async function sealPending(store: SealStore, signer: ChainSigner, tenantId: string, opts: SealOptions): Promise<SealResult & { committed: SignedHead | null }> {
  const pageSize = opts.pageSize ?? SEAL_PAGE;
  const maxPages = opts.maxPages ?? 50;
  let head = await store.head(tenantId);
  let checked = false;
  let sealed = 0;
  let committed: SignedHead | null = null;
  for (let pageNo = 0; pageNo < maxPages; pageNo++) {
    const pending = await store.pending(tenantId, pageSize);
    if (pending.length === 0) break;
    if (!checked) {
      await assertExtendable(store, signer, tenantId, head, opts.trusted ?? null);
      checked = true;
    }
    const { rows, head: next } = await sealRows(head ?? GENESIS, pending);
    const now = opts.now();
    const claims: HeadClaims = { typ: "audit_head", tenant_id: tenantId, seq: next.seq, hash: next.hash, sealed_at: new Date(now).toISOString() };
    const signed: SignedHead = { ...next, jws: await signer.sign(claims) };
    await store.commit(tenantId, rows, head, signed, now);
    head = committed = signed;
    sealed += rows.length;
    if (pending.length < pageSize) break;
  }
  return { seq: head?.seq ?? 0, hash: head?.hash ?? GENESIS.hash, sealed, committed };
}

async function assertExtendable(store: SealStore, signer: ChainSigner, tenantId: string, head: SignedHead | null, trusted: SignedHead | null) {
  if (!head) {
    const last = await store.lastSeq(tenantId);
    if (last !== null) throw new ChainRefused("head_missing", `sealed events up to seq ${last} exist but the chain head is missing`);
    return;
  }
  if (trusted && trusted.seq === head.seq && trusted.hash === head.hash && trusted.jws === head.jws) return;
  if (!(await headVerifies(signer, tenantId, head))) throw new ChainRefused("head_signature_invalid", "the stored chain head's signature does not verify");
}
