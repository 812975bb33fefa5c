/**
 * Nothing is lost: real local queues, retries, the dead-letter queue and the sweeper.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { FINAL, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken, { rate_limit_per_minute: 100_000 })).key);
});

async function readyToSubmit(seed = 1) {
  const { id } = await createVerification(key);
  await upload(key, id, "document_front", texturedJpeg(480, 360, seed));
  await upload(key, id, "selfie", texturedJpeg(400, 400, seed + 1));
  return id;
}

describe("faults", () => {
  it("a job that throws on every attempt is retried, dead-lettered, and ends in manual_review with PROCESSING_FAILED", async () => {
    const id = await readyToSubmit();
    // A real fault: the stored document vanished from R2, so every attempt of the pipeline throws.
    const objects = await env.MEDIA.list({ prefix: `tenants/${tenant.tenantId}/verifications/${id}/document_front/` });
    await env.MEDIA.delete(objects.objects.map((o) => o.key));
    expect((await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key })).status).toBe(202);

    const v = await waitForFinal(key, id, 110_000);
    expect(v.status).toBe("manual_review");
    expect(v.decision).toBe("manual_review");
    expect(v.reasons).toEqual(["PROCESSING_FAILED"]);
    const row = await env.DB.prepare("SELECT attempts FROM verifications WHERE id = ?").bind(id).first<{ attempts: number }>();
    expect(row?.attempts).toBeGreaterThanOrEqual(2);
    const stuck = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ? AND status = 'processing'").bind(tenant.tenantId).first<{ n: number }>();
    expect(stuck?.n).toBe(0);
  }, 120_000);

  it("the sweeper re-enqueues a verification whose job was lost, and it completes", async () => {
    const id = await readyToSubmit(5);
    // Simulate a lost message: the verification is `processing` since long ago, with no job in any queue.
    const longAgo = Date.now() - 3_600_000;
    await env.DB.prepare("UPDATE verifications SET status = 'processing', submitted_at = ?, processing_started_at = ? WHERE id = ?").bind(longAgo, longAgo, id).run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const v = await waitForFinal(key, id);
    expect(FINAL).toContain(v.status);
    expect(v.layers.intake).toBeTruthy();
  });

  it("a redelivered job for a finished verification changes nothing", async () => {
    const id = await readyToSubmit(9);
    await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key });
    const before = await waitForFinal(key, id);
    await env.VERIFICATION_JOBS.send({ verification_id: id, tenant_id: tenant.tenantId, enqueued_at: Date.now() });
    await new Promise((r) => setTimeout(r, 2500));
    const after = (await call(`/v1/verifications/${id}`, { headers: key })).data;
    expect(after.history).toEqual(before.history);
    expect(after.layers).toEqual(before.layers);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM layer_results WHERE verification_id = ?").bind(id).first<{ n: number }>();
    expect(rows?.n).toBe(Object.keys(before.layers).length);
  });
});

describe("load", () => {
  it("200 verifications submitted concurrently all reach a final state, each with exactly one set of layer results", async () => {
    const N = 200;
    // A tenant of its own, so its rows can be counted by tenant id.
    const loadTenant = await registerTenant();
    const key = apiKeyHeader((await createApiKey(loadTenant.accessToken, { rate_limit_per_minute: 100_000 })).key);
    const t0 = Date.now();
    const document = texturedJpeg(360, 300, 11);
    const selfie = texturedJpeg(320, 320, 12);
    const ids = await Promise.all(
      Array.from({ length: N }, async () => {
        const { id } = await createVerification(key);
        await upload(key, id, "document_front", document);
        await upload(key, id, "selfie", selfie);
        return id;
      }),
    );
    console.log(`created and uploaded ${N} in ${Date.now() - t0} ms`);
    const submits = await Promise.all(ids.map((id) => call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key })));
    expect(submits.every((r) => r.status === 202)).toBe(true);

    // Generous: this asserts that nothing is lost, not how fast a 2-core CI machine drains the local queue.
    const deadline = Date.now() + 540_000;
    for (;;) {
      const pending = await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ? AND status NOT IN ('verified','not_verified','manual_review','error')")
        .bind(loadTenant.tenantId)
        .first<{ n: number }>();
      if (pending?.n === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending?.n} of ${N} verifications not final`);
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`all ${N} final ${Date.now() - t0} ms after the first create`);
    const timings = await env.DB.prepare("SELECT processing_started_at - submitted_at AS wait, completed_at - processing_started_at AS proc FROM verifications WHERE tenant_id = ? ORDER BY proc").bind(loadTenant.tenantId).all<{ wait: number; proc: number }>();
    const procs = timings.results.map((t) => t.proc);
    const waits = timings.results.map((t) => t.wait).sort((a, b) => a - b);
    console.log(`processing ms p50 ${procs[N >> 1]} max ${procs[N - 1]}; queue wait ms p50 ${waits[N >> 1]} max ${waits[N - 1]}`);
    const layers = await env.DB.prepare("SELECT verification_id, layer, count(*) AS n FROM layer_results WHERE tenant_id = ? GROUP BY verification_id, layer")
      .bind(loadTenant.tenantId)
      .all<{ verification_id: string; layer: string; n: number }>();
    const perVerification = new Map<string, string[]>();
    for (const r of layers.results) {
      expect(r.n).toBe(1);
      perVerification.set(r.verification_id, [...(perVerification.get(r.verification_id) ?? []), r.layer]);
    }
    expect(perVerification.size).toBe(N);
    const transitions = await env.DB.prepare("SELECT verification_id, count(*) AS n FROM verification_transitions WHERE tenant_id = ? GROUP BY verification_id")
      .bind(loadTenant.tenantId)
      .all<{ n: number }>();
    expect(transitions.results).toHaveLength(N);
    expect(transitions.results.every((t) => t.n === 3)).toBe(true);
  }, 600_000);
});
