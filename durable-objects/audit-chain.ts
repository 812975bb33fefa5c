/**
 * AuditChain: one instance per tenant, the single writer of that tenant's hash-chained audit log in D1.
 * Each append reads the chain head and inserts the next event; appends run one at a time (a promise queue,
 * because D1 calls are I/O that would otherwise interleave), so concurrent requests of a tenant extend the
 * chain in order instead of racing for the same sequence number.
 */
import { DurableObject } from "cloudflare:workers";
import { createDb } from "../src/db/client";
import { appendToChain } from "../src/services/audit";
import type { AuditInput, AuditRow } from "../src/services/audit";
import type { RequestMeta } from "../src/types";

export class AuditChain extends DurableObject<Cloudflare.Env> {
  private tail: Promise<unknown> = Promise.resolve();

  append(input: AuditInput, meta: Partial<RequestMeta>, now: number): Promise<AuditRow> {
    const db = createDb(this.env.DB);
    const next = this.tail.then(() => appendToChain(db, input, meta, now));
    this.tail = next.catch(() => undefined);
    return next;
  }
}
