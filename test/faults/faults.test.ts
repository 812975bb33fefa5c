/**
 * The development fault switch against the real local D1 and R2 in workerd: drizzle sees a failing D1 and a failed
 * write leaves nothing behind; services built with FAULTS fail where the platform would; a pipeline run that fails
 * as it starts leaves the verification `processing` for the next attempt, which finishes it.
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app/services";
import { runBatch } from "../../src/db/batch";
import { createDb } from "../../src/db/client";
import { InjectedFault, createFaultSwitch, faultyD1 } from "../../src/faults";
import { processJob } from "../../src/verifications/processing";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import type { TenantFixture } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { FINAL, createVerification, upload } from "../helpers/verifications";

const probe = sqliteTable("fault_probe", { id: text("id").primaryKey() });
const rows = async () => (await env.DB.prepare("SELECT count(*) AS n FROM fault_probe").first<{ n: number }>())?.n ?? 0;
/** drizzle wraps a driver error in its own (`Failed query: …`) with the original as `cause`. */
const injected = (kind: string) => (e: Error) => [e, e.cause].some((x) => x instanceof InjectedFault && x.message.includes(kind));
const always = (kind: "d1_write" | "pipeline" | "r2_read") => createFaultSwitch({ rates: { [kind]: 1 }, seed: 1, source: `${kind}=1` });

beforeAll(async () => {
  await env.DB.prepare("CREATE TABLE IF NOT EXISTS fault_probe (id TEXT PRIMARY KEY)").run();
});

describe("faultyD1", () => {
  it("fails drizzle's writes before they reach D1, and lets reads through", async () => {
    const before = await rows();
    const db = createDb(faultyD1(env.DB, always("d1_write")));
    await expect(db.insert(probe).values({ id: "p1" })).rejects.toSatisfy(injected("d1_write: run"));
    await expect(db.delete(probe)).rejects.toSatisfy(injected("d1_write"));
    expect(await rows()).toBe(before);
    await env.DB.prepare("INSERT INTO fault_probe (id) VALUES ('seen')").run();
    expect((await db.select().from(probe)).map((r) => r.id)).toContain("seen");
  });

  it("refuses a whole batch holding a write, so none of it commits; a read-only batch passes", async () => {
    const before = await rows();
    const db = createDb(faultyD1(env.DB, always("d1_write")));
    await expect(runBatch(db, [sql`insert into fault_probe (id) values ('b1')`, sql`insert into fault_probe (id) values ('b2')`])).rejects.toThrow(/d1_write: batch/);
    await expect(db.batch([db.insert(probe).values({ id: "b3" }), db.select().from(probe)])).rejects.toSatisfy(injected("d1_write: batch"));
    expect(await rows()).toBe(before);
    const [counted] = await runBatch(db, [sql`select count(*) as n from fault_probe`]);
    expect(counted.results).toEqual([{ n: before }]);
  });

  it("writes normally when the switch does not fire", async () => {
    const db = createDb(faultyD1(env.DB, createFaultSwitch({ rates: { d1_write: 0 }, seed: 1, source: "d1_write=0" })));
    await db.insert(probe).values({ id: "ok1" });
    await runBatch(db, [sql`insert into fault_probe (id) values ('ok2')`]);
    const ids = (await db.select().from(probe)).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(["ok1", "ok2"]));
  });
});

describe("services with FAULTS", () => {
  let tenant: TenantFixture;
  let key: Record<string, string>;
  beforeAll(async () => {
    tenant = await registerTenant();
    key = apiKeyHeader((await createApiKey(tenant.accessToken, { rate_limit_per_minute: 100_000 })).key);
  });

  it("times out media reads and fails D1 writes, leaving the stored state as it was", async () => {
    const { id } = await createVerification(key);
    expect((await upload(key, id, "document_front", texturedJpeg(320, 240, 3))).status).toBe(201);
    const [row] = (await env.DB.prepare("SELECT r2_key FROM media WHERE verification_id = ?").bind(id).all<{ r2_key: string }>()).results;
    const media = createServices({ ...env, FAULTS: "r2_read=1" }).media;
    await expect(media.get(row.r2_key)).rejects.toThrow(/r2_read: R2 get timed out/);
    const s = createServices({ ...env, FAULTS: "d1_write=1" });
    await expect(s.db.run(sql`update verifications set status = 'error' where id = ${id}`)).rejects.toSatisfy(injected("d1_write"));
    expect((await env.DB.prepare("SELECT status FROM verifications WHERE id = ?").bind(id).first<{ status: string }>())?.status).toBe("created");
  });

  it("a pipeline run that fails as it starts leaves the verification processing, and the next attempt finishes it", async () => {
    const { id } = await createVerification(key);
    await upload(key, id, "document_front", texturedJpeg(480, 360, 11));
    await upload(key, id, "selfie", texturedJpeg(400, 400, 12));
    // Submitted without a job on the queue, so only this test runs it.
    await env.DB.prepare("UPDATE verifications SET status = 'submitted', submitted_at = ? WHERE id = ?").bind(Date.now(), id).run();
    const job = { verification_id: id, tenant_id: tenant.tenantId, enqueued_at: Date.now() };

    const faulty = createServices({ ...env, FAULTS: "pipeline=1" });
    await expect(processJob(faulty, job, { clock: () => performance.now() })).rejects.toThrow(InjectedFault);
    const after = await env.DB.prepare("SELECT status, attempts FROM verifications WHERE id = ?").bind(id).first<{ status: string; attempts: number }>();
    expect(after).toEqual({ status: "processing", attempts: 1 });

    const s = createServices(env);
    expect(await processJob(s, job, { engine: s.faceEngine(), mrzReader: s.mrzReader(), clock: () => performance.now() })).toBe("decided");
    const done = await env.DB.prepare("SELECT status, attempts FROM verifications WHERE id = ?").bind(id).first<{ status: string; attempts: number }>();
    expect(FINAL).toContain(done?.status);
    expect(done?.attempts).toBe(2);
  }, 60_000);
});
