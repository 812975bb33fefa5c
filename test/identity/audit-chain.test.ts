/**
 * The audit chain end to end in workerd (real local D1 and the AuditChain Durable Object): concurrent writers end
 * in one unbroken chain, erasure leaves it valid, a removed tail is reported as truncated, the head is a JWS that
 * verifies with the public JWKS, checkpoints make the next check cheaper, the cron seals what a request left
 * pending (several tenants at once, one's failure leaving the others sealed), and concurrent requests' after-commit
 * seals are batched.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { compactVerify, createLocalJWKSet } from "jose";
import { describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/adapters/audit/audit-log";
import { d1ChainStore } from "../../src/adapters/audit/d1-chain-store";
import { sealRows } from "../../src/audit/chain";
import { auditEvents } from "../../src/db/schema";
import worker from "../../src/index";
import { createServices } from "../../src/app/services";
import { catchUp } from "../../src/jobs/scheduled";
import { call } from "../helpers/http";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { createVerification } from "../helpers/verifications";

const verify = (token: string, query = "") => call(`/v1/audit/verify${query}`, { headers: bearer(token) });

async function chainOf(tenantId: string) {
  const { results } = await env.DB.prepare("SELECT id, seq, prev_hash, hash FROM audit_events WHERE tenant_id = ? ORDER BY seq").bind(tenantId).all<{ id: string; seq: number | null; prev_hash: string; hash: string }>();
  return results;
}

async function headOf(tenantId: string) {
  return env.DB.prepare("SELECT seq, hash, jws FROM audit_heads WHERE tenant_id = ?").bind(tenantId).first<{ seq: number; hash: string; jws: string }>();
}

describe("audit chain", () => {
  it("200 concurrent audited requests end in one unbroken chain, seq 1..N", async () => {
    const t = await registerTenant();
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        call("/v1/api-keys", { method: "POST", headers: bearer(t.accessToken), json: { name: "k", scopes: ["faces"], rate_limit_per_minute: 10 } }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const chain = await chainOf(t.tenantId);
    expect(chain).toHaveLength(201);
    expect(chain.map((r) => r.seq)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    for (let i = 1; i < chain.length; i++) expect(chain[i].prev_hash).toBe(chain[i - 1].hash);
    expect((await headOf(t.tenantId))?.seq).toBe(201);
    expect((await verify(t.accessToken)).data).toMatchObject({ valid: true, events: 201, pending: 0, head: { seq: 201, hash: chain[200].hash } });
  });

  it("stays valid after a verification is erased", async () => {
    const t = await registerTenant();
    const key = apiKeyHeader((await createApiKey(t.accessToken)).key);
    const v = await createVerification(key);
    const erased = await call(`/v1/verifications/${v.id}`, { method: "DELETE", headers: key });
    expect(erased.status).toBe(200);
    const res = await verify(t.accessToken, "?full=true");
    expect(res.data).toMatchObject({ valid: true, from_seq: 0 });
    const actions = (await call(`/v1/audit?target_id=${v.id}`, { headers: bearer(t.accessToken) })).data.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(["verification.erased", "verification.created"]);
  });

  it("reports the chain truncated when the last 3 events are deleted directly in D1", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 5; i++) await createApiKey(t.accessToken);
    await env.DB.prepare("DELETE FROM audit_events WHERE tenant_id = ? AND seq > 3").bind(t.tenantId).run();
    const res = await verify(t.accessToken);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ valid: false, head: { seq: 6 }, broken_at: { reason: "truncated", seq: 4, head_seq: 6, log_end_seq: 3 } });
    // A full check reaches the same verdict: the rows that are left are intact, the signed head says more existed.
    expect((await verify(t.accessToken, "?full=true")).data.broken_at).toMatchObject({ reason: "truncated", head_seq: 6, log_end_seq: 3 });
  });

  it("after a full check, the default check resumes from its checkpoint and checks only newer events", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 4; i++) await createApiKey(t.accessToken);
    const full = await verify(t.accessToken, "?full=true");
    expect(full.data).toMatchObject({ valid: true, from_seq: 0, events: 5 });
    await createApiKey(t.accessToken);
    const next = await verify(t.accessToken);
    expect(next.data).toMatchObject({ valid: true, from_seq: 5, head: { seq: 6 } });
    expect(next.data.events).toBeLessThan(full.data.events);
    expect(next.data.events).toBe(1);
  });

  it("a change to the newest events invalidates the checkpoint over them, so the default check still finds it", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 3; i++) await createApiKey(t.accessToken);
    await verify(t.accessToken);
    const last = (await chainOf(t.tenantId)).at(-1)!;
    await env.DB.prepare("UPDATE audit_events SET target_id = 'key_other' WHERE id = ?").bind(last.id).run();
    expect((await verify(t.accessToken)).data).toMatchObject({ valid: false, from_seq: 0, broken_at: { id: last.id, seq: 4, reason: "content_changed" } });
  });

  it("reports a head whose JWS was tampered with, and stops extending the chain past it", async () => {
    const t = await registerTenant();
    await createApiKey(t.accessToken);
    const head = (await headOf(t.tenantId))!;
    const [h, p, s] = head.jws.split(".");
    const forgedSig = `${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
    await env.DB.prepare("UPDATE audit_heads SET jws = ? WHERE tenant_id = ?").bind(`${h}.${p}.${forgedSig}`, t.tenantId).run();
    expect((await verify(t.accessToken)).data).toMatchObject({ valid: false, broken_at: { reason: "head_signature_invalid", seq: 2 } });

    await createApiKey(t.accessToken);
    const newest = (await call("/v1/audit?limit=1", { headers: bearer(t.accessToken) })).data.data[0];
    expect(newest).toMatchObject({ action: "api_key.created", pending: true, seq: null, hash: null });
  });

  it("a head rolled back to hide a removed tail fails its signature check", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 3; i++) await createApiKey(t.accessToken);
    const third = (await chainOf(t.tenantId))[2];
    await env.DB.prepare("DELETE FROM audit_events WHERE tenant_id = ? AND seq = 4").bind(t.tenantId).run();
    await env.DB.prepare("UPDATE audit_heads SET seq = 3, hash = ? WHERE tenant_id = ?").bind(third.hash, t.tenantId).run();
    expect((await verify(t.accessToken)).data).toMatchObject({ valid: false, broken_at: { reason: "head_signature_invalid" } });
  });

  it("the signed head verifies with /.well-known/jwks.json and commits to the tenant, seq and hash", async () => {
    const t = await registerTenant();
    await createApiKey(t.accessToken);
    const head = (await headOf(t.tenantId))!;
    const jwks = (await call("/.well-known/jwks.json")).data;
    const { payload, protectedHeader } = await compactVerify(head.jws, createLocalJWKSet(jwks));
    expect(protectedHeader.alg).toBe("ES256");
    const claims = JSON.parse(new TextDecoder().decode(payload));
    expect(claims).toMatchObject({ typ: "audit_head", tenant_id: t.tenantId, seq: 2, hash: head.hash });
    expect(Date.parse(claims.sealed_at)).toBeGreaterThan(0);
    expect((await verify(t.accessToken)).data.head).toEqual({ seq: head.seq, hash: head.hash });
  });

  it("rows left pending (a writer's batch, a failed seal, migrated rows) are chained by the cron and by the next read", async () => {
    const t = await registerTenant();
    const s = createServices(env);
    const insert = async (action: string) => {
      const row = await s.audit.pendingRow({ tenantId: t.tenantId, actorType: "system", action, targetType: "tenant", targetId: t.tenantId, metadata: { n: 1 } }, { ip: "192.0.2.55" });
      await s.db.insert(auditEvents).values(row);
      return row.id;
    };
    const first = await insert("test.pending_one");
    const second = await insert("test.pending_two");
    expect((await chainOf(t.tenantId)).filter((r) => r.seq === null).map((r) => r.id).sort()).toEqual([first, second].sort());

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const chain = await chainOf(t.tenantId);
    expect(chain.every((r) => r.seq !== null)).toBe(true);
    expect(chain.slice(-2).map((r) => r.id)).toEqual([first, second]);

    const third = await insert("test.pending_three");
    const listed = (await call("/v1/audit?limit=1", { headers: bearer(t.accessToken) })).data.data[0];
    expect(listed).toMatchObject({ id: third, seq: 4, pending: false });
    expect((await verify(t.accessToken)).data).toMatchObject({ valid: true, head: { seq: 4 } });
  });

  it("the minute's catch-up seals every tenant with pending rows, several at once, and one tenant's failing seal leaves the others sealed", async () => {
    const tenants = [];
    for (let i = 0; i < 5; i++) tenants.push(await registerTenant());
    const real = createServices(env);
    for (const t of tenants) {
      await real.db.insert(auditEvents).values(await real.audit.pendingRow({ tenantId: t.tenantId, actorType: "system", action: "test.catch_up", metadata: {} }));
    }
    const failing = tenants[2].tenantId;
    let inFlight = 0;
    let most = 0;
    const audit = {
      ...real.audit,
      seal: async (tenantId: string) => {
        most = Math.max(most, ++inFlight);
        try {
          if (tenantId === failing) throw new Error("chain object unavailable");
          return await real.audit.seal(tenantId);
        } finally {
          inFlight--;
        }
      },
    };
    const result = await catchUp({ ...real, audit });
    expect(result.tenants).toBeGreaterThanOrEqual(5);
    // At least ours: an earlier test's tenant, whose head was tampered with, stays refused and pending too.
    expect(result.seals_deferred).toBeGreaterThanOrEqual(1);
    expect(most).toBeGreaterThan(1);
    for (const t of tenants) {
      const pending = (await chainOf(t.tenantId)).filter((r) => r.seq === null);
      expect(pending).toHaveLength(t.tenantId === failing ? 1 : 0);
    }
    // The next minute seals what this one could not.
    await catchUp(real);
    expect((await chainOf(failing)).filter((r) => r.seq === null)).toEqual([]);
  });

  it("a log whose rows are all pending and have no head (as after migration 0001) is chained from genesis", async () => {
    const t = await registerTenant();
    await createApiKey(t.accessToken);
    await env.DB.batch([
      env.DB.prepare("UPDATE audit_events SET seq = NULL, prev_hash = NULL, hash = NULL WHERE tenant_id = ?").bind(t.tenantId),
      env.DB.prepare("DELETE FROM audit_heads WHERE tenant_id = ?").bind(t.tenantId),
    ]);
    expect(await verify(t.accessToken)).toMatchObject({ data: { valid: true, events: 2, head: { seq: 2 } } });
  });

  it("concurrent after-commit seals of two tenants are batched: each chain object is asked once a round, and every row ends sealed", async () => {
    const [a, b] = [await registerTenant(), await registerTenant()];
    const s = createServices(env);
    const asked: string[] = [];
    const chains = new Proxy(env.AUDIT_CHAIN, {
      get: (target, prop) =>
        prop === "get"
          ? (id: DurableObjectId) => {
              asked.push(id.toString());
              return target.get(id);
            }
          : Reflect.get(target, prop).bind(target),
    });
    const audit = createAuditLog({ db: s.db, d1: env.DB, chains, crypto: s.crypto, tokens: s.tokens, now: () => Date.now() });
    const commitAndSeal = async (tenantId: string, n: number) => {
      await s.db.insert(auditEvents).values(await audit.pendingRow({ tenantId, actorType: "system", action: "test.batched", metadata: { n } }));
      await audit.sealSoon(tenantId);
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => commitAndSeal(i % 2 ? b.tenantId : a.tenantId, i)));
    for (const t of [a, b]) {
      const chain = await chainOf(t.tenantId);
      expect(chain.filter((r) => r.seq === null)).toEqual([]);
      expect(chain.map((r) => r.seq)).toEqual(chain.map((_, i) => i + 1));
    }
    // Unbatched, each of the 20 calls would ask its tenant's object; batched, a round asks each tenant in it once.
    expect(asked.length).toBeLessThanOrEqual(6);
  });

  it("a sealing batch commits all its rows and the head, or nothing when a row or the head moved meanwhile", async () => {
    const t = await registerTenant();
    const s = createServices(env);
    const store = d1ChainStore(env.DB);
    for (const action of ["test.a", "test.b"]) {
      await s.db.insert(auditEvents).values(await s.audit.pendingRow({ tenantId: t.tenantId, actorType: "system", action }));
    }
    const head = (await store.head(t.tenantId))!;
    const pending = await store.pending(t.tenantId, 10);
    const { rows, head: next } = await sealRows(head, pending);
    const signed = { ...next, jws: head.jws };

    // One of the rows vanished between reading and writing: the batch must not commit the other one or the head.
    await env.DB.prepare("DELETE FROM audit_events WHERE id = ?").bind(pending[1].id).run();
    await expect(store.commit(t.tenantId, rows, head, signed, Date.now())).rejects.toThrow(/NOT NULL/);
    expect((await chainOf(t.tenantId)).filter((r) => r.seq !== null)).toHaveLength(1);
    expect(await store.head(t.tenantId)).toEqual(head);

    // A head that moved since it was read: same outcome.
    await expect(store.commit(t.tenantId, rows.slice(0, 1), { ...head, seq: 0 }, { ...rows[0], jws: head.jws }, Date.now())).rejects.toThrow(/NOT NULL/);
    expect(await store.head(t.tenantId)).toEqual(head);
    await expect(store.commit(t.tenantId, rows.slice(0, 1), head, { ...rows[0], jws: head.jws }, Date.now())).resolves.toBeUndefined();
    expect((await store.head(t.tenantId))?.seq).toBe(2);
  });
});
