/**
 * In-memory twin of the AuditLog port for pure tests: rows live in an array and are chained, signed and verified
 * by the same code as in the Worker (src/audit/), with a throwaway ES256 key. `failOn` injects a fault into one
 * operation; like the D1 adapter, `append` keeps its row pending when only sealing fails. The arrays are exposed
 * so tests can tamper with them as an attacker with database access would.
 */
import { CompactSign, compactVerify, generateKeyPair } from "jose";
import { buildPendingRow } from "../../audit/pending";
import { pendingOrder } from "../../audit/chain";
import { sealPending } from "../../audit/seal";
import type { SealResult } from "../../audit/seal";
import { verifyChain } from "../../audit/verify";
import type { AuditLog, AuditRow, ChainSigner, SealStore, SignedHead, StoredCheckpoint, VerifyStore } from "../../audit/types";

export interface MemoryAuditLog extends AuditLog {
  rows: AuditRow[];
  heads: Map<string, SignedHead>;
  checkpoints: Map<string, StoredCheckpoint[]>;
  signer: ChainSigner;
  /** Seals and returns the result (the port's `seal` returns nothing). */
  sealNow(tenantId: string): Promise<SealResult>;
}

export function memorySigner(): ChainSigner {
  const keys = generateKeyPair("ES256");
  return {
    async sign(claims) {
      return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: "ES256", typ: claims.typ }).sign((await keys).privateKey);
    },
    async verify(jws) {
      try {
        const { payload } = await compactVerify(jws, (await keys).publicKey, { algorithms: ["ES256"] });
        return JSON.parse(new TextDecoder().decode(payload));
      } catch {
        return null;
      }
    },
  };
}

/** A stand-in for the per-tenant HMAC: distinct per tenant and value, and not the value itself. */
async function testKeyedHash(tenantId: string, value: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`memory-key:${tenantId}:${value}`));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function memoryAuditLog(opts: { failOn?: "pendingRow" | "append" | "seal"; now?: () => number; signer?: ChainSigner; pageSize?: number } = {}): MemoryAuditLog {
  const now = opts.now ?? Date.now;
  const rows: AuditRow[] = [];
  const heads = new Map<string, SignedHead>();
  const checkpoints = new Map<string, StoredCheckpoint[]>();
  const signer = opts.signer ?? memorySigner();
  const fault = (op: string) => {
    if (opts.failOn === op) throw new Error(`injected ${op} failure`);
  };
  const sealed = (tenantId: string) => rows.filter((r) => r.tenantId === tenantId && r.seq !== null);

  const store: SealStore & VerifyStore = {
    head: async (tenantId) => heads.get(tenantId) ?? null,
    lastSeq: async (tenantId) => sealed(tenantId).reduce<number | null>((m, r) => Math.max(m ?? 0, r.seq!), null),
    pending: async (tenantId, limit) => rows.filter((r) => r.tenantId === tenantId && r.seq === null).sort(pendingOrder).slice(0, limit).map((r) => ({ ...r })),
    async commit(tenantId, chained, previous, head) {
      const current = heads.get(tenantId) ?? null;
      if (current?.seq !== previous?.seq || current?.hash !== previous?.hash) throw new Error("head moved");
      const targets = chained.map((c) => rows.find((r) => r.id === c.id && r.seq === null));
      if (targets.some((t) => !t)) throw new Error("a row is no longer pending");
      targets.forEach((t, i) => Object.assign(t!, { seq: chained[i].seq, prevHash: chained[i].prevHash, hash: chained[i].hash }));
      heads.set(tenantId, head);
    },
    async snapshot(tenantId) {
      return {
        head: heads.get(tenantId) ?? null,
        lastSeq: await store.lastSeq(tenantId),
        pending: rows.filter((r) => r.tenantId === tenantId && r.seq === null).length,
      };
    },
    checkpoints: async (tenantId, limit) => [...(checkpoints.get(tenantId) ?? [])].sort((a, b) => b.seq - a.seq).slice(0, limit),
    rowAt: async (tenantId, seq) => rows.find((r) => r.tenantId === tenantId && r.seq === seq) ?? null,
    rows: async (tenantId, after, upto, limit) =>
      sealed(tenantId)
        .filter((r) => r.seq! > after && r.seq! <= upto)
        .sort((a, b) => a.seq! - b.seq!)
        .slice(0, limit),
    async saveCheckpoint(tenantId, cp, at) {
      const list = checkpoints.get(tenantId) ?? [];
      if (!list.some((c) => c.seq === cp.seq)) list.push({ ...cp, createdAt: at });
      checkpoints.set(tenantId, list);
    },
  };

  // One seal at a time per log, and trust only heads it wrote itself: as the Durable Object does per tenant.
  let running: Promise<unknown> = Promise.resolve();
  const trusted = new Map<string, SignedHead>();
  const sealNow = (tenantId: string): Promise<SealResult> => {
    const run = running.then(async () => {
      fault("seal");
      const { committed, ...result } = await sealPending(store, signer, tenantId, { now, pageSize: opts.pageSize, trusted: trusted.get(tenantId) });
      if (committed) trusted.set(tenantId, { ...committed });
      return result;
    });
    running = run.catch(() => undefined);
    return run;
  };

  const api: MemoryAuditLog = {
    rows,
    heads,
    checkpoints,
    signer,
    sealNow,
    async pendingRow(input, meta) {
      fault("pendingRow");
      return buildPendingRow(input, meta, testKeyedHash, now());
    },
    async append(input, meta) {
      fault("append");
      const row = await api.pendingRow(input, meta);
      rows.push({ ...row, seq: null, prevHash: null, hash: null, actorId: row.actorId ?? null, targetType: row.targetType ?? null, targetId: row.targetId ?? null, ipHash: row.ipHash ?? null, metadata: row.metadata ?? null });
      await sealNow(input.tenantId).catch(() => undefined);
    },
    async seal(tenantId) {
      await sealNow(tenantId);
    },
    async sealSoon(tenantId) {
      await sealNow(tenantId); // one caller at a time here: nothing to batch
    },
    async verify(tenantId, verifyOpts = {}) {
      await sealNow(tenantId).catch(() => undefined);
      return verifyChain(store, signer, tenantId, { full: verifyOpts.full, now });
    },
  };
  return api;
}
