/**
 * Idempotency under storage failures (found by the faults bench): once the work has committed, its response is stored
 * with retries and the key is never released (a released key let the client's retry create a second verification);
 * a reservation left without a response is taken over after STALE_RESERVATION_MS instead of answering 409 for 24 h,
 * while a fresh one still answers 409.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app/services";
import { createDb } from "../../src/db/client";
import { STALE_RESERVATION_MS, withIdempotency } from "../../src/verifications/idempotency";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { createBody } from "../helpers/verifications";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant({ tenantName: "Idempotency" });
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

/** A D1 whose UPDATEs of idempotency_keys fail the first `failures` times (every other statement runs). */
function failingResponseStore(failures: number): D1Database & { failed: () => number } {
  let failed = 0;
  const refuse = (sql: string) => /^\s*update\s+"?idempotency_keys"?/i.test(sql) && failed < failures;
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, prop, receiver) {
        if (prop === "bind") return (...values: unknown[]) => wrap(target.bind(...values), sql);
        if (["run", "all", "first", "raw"].includes(prop as string) && refuse(sql)) {
          return async () => {
            failed++;
            throw new Error("D1 write failed (test)");
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "failed") return () => failed;
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as D1Database & { failed: () => number };
}

const row = (k: string) => env.DB.prepare("SELECT response_status, resource_id FROM idempotency_keys WHERE tenant_id = ? AND key = ?").bind(tenant.tenantId, k).first<{ response_status: number | null; resource_id: string | null }>();

describe("storing the response after the work committed", () => {
  it("is retried: two failed stores, then the response is kept and replays", async () => {
    const d1 = failingResponseStore(2);
    const s = { ...createServices(env), db: createDb(d1) };
    let runs = 0;
    const opts = { tenantId: tenant.tenantId, scope: "test", key: "retry-store", request: "{}" };
    const first = await withIdempotency(s, opts, async () => ({ status: 201, body: { id: `made-${++runs}` }, resourceId: `made-${runs}` }));
    expect(d1.failed()).toBe(2);
    expect(first).toMatchObject({ status: 201, replayed: false });
    expect(await row("retry-store")).toEqual({ response_status: 201, resource_id: "made-1" });
    const again = await withIdempotency(createServices(env), opts, async () => ({ status: 201, body: { id: `made-${++runs}` } }));
    expect(again).toMatchObject({ replayed: true, body: { id: "made-1" } });
    expect(runs).toBe(1);
  });

  it("never releases the key once the work committed: when every store fails, a retry gets 409, not a second resource", async () => {
    const s = { ...createServices(env), db: createDb(failingResponseStore(99)) };
    let runs = 0;
    const opts = { tenantId: tenant.tenantId, scope: "test", key: "store-fails", request: "{}" };
    await expect(withIdempotency(s, opts, async () => ({ status: 201, body: { id: ++runs } }))).rejects.toThrow(/update "idempotency_keys"/);
    expect(await row("store-fails")).toEqual({ response_status: null, resource_id: null });
    await expect(withIdempotency(createServices(env), opts, async () => ({ status: 201, body: { id: ++runs } }))).rejects.toMatchObject({ code: "CONFLICT" });
    expect(runs).toBe(1);
  });
});

describe("a reservation left without a response", () => {
  it("answers 409 while fresh and is taken over once stale, through POST /v1/verifications", async () => {
    const headers = { ...key, "Idempotency-Key": "abandoned-1" };
    const body = createBody();
    // The first request created its verification but died before storing the response.
    const created = await call("/v1/verifications", { method: "POST", headers, json: body });
    expect(created.status).toBe(201);
    await env.DB.prepare("UPDATE idempotency_keys SET response_status = NULL, response_body = NULL WHERE tenant_id = ? AND key = ?").bind(tenant.tenantId, "abandoned-1").run();
    expectErrorShape(await call("/v1/verifications", { method: "POST", headers, json: body }), 409, "CONFLICT");
    await env.DB.prepare("UPDATE idempotency_keys SET created_at = ? WHERE tenant_id = ? AND key = ?").bind(Date.now() - STALE_RESERVATION_MS - 1000, tenant.tenantId, "abandoned-1").run();
    const retried = await call("/v1/verifications", { method: "POST", headers, json: body });
    expect(retried.status).toBe(201);
    // And from then on it replays the new response.
    const replay = await call("/v1/verifications", { method: "POST", headers, json: body });
    expect(replay.status).toBe(201);
    expect(replay.data.id).toBe(retried.data.id);
  });
});
