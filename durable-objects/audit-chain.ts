/**
 * AuditChain: one instance per tenant (`idFromName(tenantId)`), the single writer of that tenant's hash chain.
 *
 * Design (issue 8): writers never chain. Code that audits inserts a *pending* row (seq, prev_hash, hash null) —
 * alone (`AuditLog.append`) or in the same D1 batch as the change it records, guarded by the same condition, so a
 * status transition and its audit row commit together or not at all. Only this object gives rows their place:
 * `seal()` reads the signed head, takes the tenant's pending rows oldest first (created_at, then id), chains them
 * (src/audit/chain.ts) and writes them with the newly signed head in one D1 batch, in pages of ≤ 200. Callers:
 * `AuditLog.append` after its insert, the lead's transition code after a commit, `GET /v1/audit` and
 * `/v1/audit/verify` before reading, and the every-minute cron for tenants with pending rows. A failed seal
 * leaves rows pending — nothing is lost, the next seal takes them.
 *
 * It never extends a head it cannot trust: when the stored head's JWS does not verify (or the head is gone while
 * sealed rows exist), `seal()` throws and new rows stay pending — stored and listed, never chained on top of a
 * tampered head — while /v1/audit/verify reports the head.
 *
 * Seals of one tenant run one at a time here (D1 calls are I/O, so without the queue they would interleave), and
 * callers arriving while a seal runs share the single next one: 200 concurrent appends cost a few seals, not 200.
 */
import { DurableObject } from "cloudflare:workers";
import { ChainRefused, sealPending } from "../src/audit/seal";
import type { SealResult } from "../src/audit/seal";
import type { SignedHead } from "../src/audit/types";
import { d1ChainStore, tokenSigner } from "../src/adapters/audit/d1-chain-store";
import { loadConfig } from "../src/env";
import { log } from "../src/lib/log";
import { createTokenService } from "../src/identity/tokens";

export class AuditChain extends DurableObject<Cloudflare.Env> {
  private running: Promise<unknown> = Promise.resolve();
  private queued: Promise<SealResult> | null = null;
  /** The head this object committed last: when D1 still holds exactly it, its signature need not be re-checked. */
  private trusted: SignedHead | null = null;

  /** Seals every pending event of this object's tenant; returns the head and how many rows this call sealed. */
  seal(): Promise<SealResult> {
    // A seal that has not started yet will see every row committed before this call; share it.
    if (this.queued) return this.queued;
    const run = this.running.then(() => {
      this.queued = null;
      return this.sealNow();
    });
    this.queued = run;
    this.running = run.catch(() => undefined);
    return run;
  }

  private async sealNow(): Promise<SealResult> {
    const tenantId = this.ctx.id.name;
    if (!tenantId) throw new Error("AuditChain must be addressed by tenant id (idFromName)");
    const signer = tokenSigner(createTokenService(loadConfig(this.env)));
    try {
      const { committed, ...result } = await sealPending(d1ChainStore(this.env.DB), signer, tenantId, { now: Date.now, trusted: this.trusted });
      // Only a head this object signed itself is trusted later; one merely read from D1 is checked every time.
      if (committed) this.trusted = committed;
      return result;
    } catch (err) {
      this.trusted = null;
      if (err instanceof ChainRefused) log.error("audit_chain_refused", { tenant_id: tenantId, reason: err.reason });
      throw err;
    }
  }
}
