/**
 * The Workers adapter of the AuditLog port: pending rows go to D1, sealing goes through the tenant's AuditChain
 * Durable Object (the chain's single writer), verification reads D1 and checks against the signed head with the
 * JWKS key. `append` never fails because of sealing: the row is committed first and a failed seal leaves it
 * pending for the next one (each minute the cron seals the tenants with pending rows, up to 500, eight at a time).
 */
import { auditEvents } from "../../db/schema";
import type { Db } from "../../db/client";
import type { TenantCrypto } from "../../lib/crypto";
import { batching } from "../../lib/coalesce";
import { log } from "../../lib/log";
import type { TokenService } from "../../identity/tokens";
import { buildPendingRow } from "../../audit/pending";
import { verifyChain } from "../../audit/verify";
import type { AuditLog } from "../../audit/types";
import type { AuditChain } from "../../../durable-objects/audit-chain";
import { d1ChainStore, tokenSigner } from "./d1-chain-store";

export interface AuditLogDeps {
  db: Db;
  d1: D1Database;
  chains: DurableObjectNamespace<AuditChain>;
  crypto: TenantCrypto;
  tokens: TokenService;
  now: () => number;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const store = d1ChainStore(deps.d1);
  const signer = tokenSigner(deps.tokens);

  // A seal asks the tenant's chain object, which shares seals among concurrent calls (durable-objects/audit-chain.ts).
  // Requests must not share one call from this isolate: a promise started by one request and continued by another makes
  // its I/O fail in workerd ("Cannot perform I/O on behalf of a different request"), which under sustained load left a
  // third of the seals to the cron (bench/api, 2026-12-05).
  const seal = async (tenantId: string) => {
    await deps.chains.get(deps.chains.idFromName(tenantId)).seal();
  };
  // The after-commit seals of this isolate's requests, in rounds (src/lib/coalesce.ts, which shares no promise): each
  // round asks every tenant in it once, instead of one call per request (~0.4 ms of CPU each under Miniflare). Each
  // caller brings its own item (a fresh object), so two requests of one tenant are two items of one round.
  // A round's outcome is each tenant's failure, so a caller hears only of its own tenant's.
  const sealRounds = batching(async (calls: { tenantId: string }[]) => {
    const tenants = [...new Set(calls.map((c) => c.tenantId))];
    const outcomes = await Promise.allSettled(tenants.map(seal));
    return new Map(tenants.flatMap((t, i) => (outcomes[i].status === "rejected" ? [[t, outcomes[i].reason as unknown]] : [])));
  });
  const sealQuietly = async (tenantId: string, why: string) => {
    try {
      await seal(tenantId);
    } catch (err) {
      log.warn("audit_seal_failed", { tenant_id: tenantId, during: why, error: err });
    }
  };

  const api: AuditLog = {
    pendingRow: (input, meta) => buildPendingRow(input, meta, (tenantId, value) => deps.crypto.blindIndex(tenantId, value), deps.now()),

    async append(input, meta) {
      await deps.db.insert(auditEvents).values(await api.pendingRow(input, meta));
      await sealQuietly(input.tenantId, "append");
    },

    seal,
    async sealSoon(tenantId) {
      const failed = await sealRounds({ tenantId });
      if (failed.has(tenantId)) throw failed.get(tenantId);
    },

    async verify(tenantId, opts = {}) {
      await sealQuietly(tenantId, "verify");
      return verifyChain(store, signer, tenantId, { full: opts.full, now: deps.now });
    },
  };
  return api;
}
