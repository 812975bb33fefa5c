import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTenantCrypto } from "../../src/lib/crypto";
import { call, expectErrorShape } from "../helpers/http";
import { bearer, createApiKey, createUserWithRole, registerTenant, revokeApiKey } from "../helpers/identity";

const UA = "audit-test/1.0";

describe("audit log", () => {
  it("records security-relevant actions with actor, target and a tenant-keyed hash of the IP, never the IP or user agent", async () => {
    const ip = "192.0.2.77";
    const meta = { "CF-Connecting-IP": ip, "User-Agent": UA };
    const t = await registerTenant();
    await call("/v1/auth/login", { method: "POST", headers: { ...meta, "CF-Connecting-IP": `${ip}1` }, json: { email: t.email, password: "Wrong-password-123" } });
    await call("/v1/auth/login", { method: "POST", headers: meta, json: { email: t.email, password: t.password } });
    const key = await createApiKey(t.accessToken);
    await revokeApiKey(t.accessToken, key.id);
    const u = await createUserWithRole(t.accessToken, "user");
    await call(`/v1/users/${u.userId}`, { method: "PATCH", headers: bearer(t.accessToken), json: { role: "auditor" } });
    await call(`/v1/users/${u.userId}`, { method: "DELETE", headers: bearer(t.accessToken) });

    const res = await call("/v1/audit?limit=100", { headers: bearer(t.accessToken) });
    expect(res.status).toBe(200);
    const actions = res.data.data.map((e: any) => e.action).reverse();
    expect(actions).toEqual([
      "auth.register",
      "auth.login_failed",
      "auth.login",
      "api_key.created",
      "api_key.revoked",
      "user.created",
      "auth.login",
      "user.role_changed",
      "user.deleted",
    ]);
    const ipHash = (value: string) => createTenantCrypto(env.DATA_ENCRYPTION_KEY).blindIndex(t.tenantId, `ip:${value}`);
    const ipHashOfLogin = await ipHash(ip);
    const login = res.data.data.find((e: any) => e.action === "auth.login" && e.ip_hash === ipHashOfLogin);
    expect(login).toMatchObject({ actor_type: "user", actor_id: t.userId, target_id: t.userId, pending: false });
    const failed = res.data.data.find((e: any) => e.action === "auth.login_failed");
    expect(failed).toMatchObject({ actor_type: "anonymous", target_id: t.userId, ip_hash: await ipHash(`${ip}1`) });
    expect(failed.ip_hash).not.toBe(login.ip_hash);
    expect(res.data.data.find((e: any) => e.action === "api_key.created")).toMatchObject({ actor_id: t.userId, target_id: key.id });
    expect(res.data.data.every((e: any) => !("ip" in e) && !("user_agent" in e))).toBe(true);
    for (const text of [res.text, JSON.stringify((await env.DB.prepare("SELECT * FROM audit_events WHERE tenant_id = ?").bind(t.tenantId).all()).results)]) {
      expect(text).not.toContain(ip);
      expect(text).not.toContain(UA);
    }
    expect(res.text).not.toContain(key.key);
  });

  it("filters by action and paginates by cursor", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 3; i++) await createApiKey(t.accessToken);
    const first = await call("/v1/audit?action=api_key.created&limit=2", { headers: bearer(t.accessToken) });
    expect(first.data.data).toHaveLength(2);
    expect(first.data.data[0].seq).toBeGreaterThan(first.data.data[1].seq);
    const second = await call(`/v1/audit?action=api_key.created&limit=2&cursor=${first.data.next_cursor}`, { headers: bearer(t.accessToken) });
    expect(second.data.data).toHaveLength(1);
    expect(second.data.next_cursor).toBeNull();
    const future = await call(`/v1/audit?since=${new Date(Date.now() + 3_600_000).toISOString()}`, { headers: bearer(t.accessToken) });
    expect(future.data.data).toHaveLength(0);
    expectErrorShape(await call("/v1/audit?since=yesterday", { headers: bearer(t.accessToken) }), 400, "VALIDATION_ERROR");
  });

  it("shows a tenant only its own events", async () => {
    const a = await registerTenant();
    const b = await registerTenant();
    const res = await call("/v1/audit", { headers: bearer(b.accessToken) });
    expect(res.data.data.every((e: any) => e.target_id !== a.tenantId && e.actor_id !== a.userId)).toBe(true);
    expect(res.data.data).toHaveLength(1);
  });

  it("an auditor can read and verify it; a reviewer cannot", async () => {
    const t = await registerTenant();
    const auditor = await createUserWithRole(t.accessToken, "auditor");
    const reviewer = await createUserWithRole(t.accessToken, "reviewer");
    expect((await call("/v1/audit", { headers: bearer(auditor.accessToken) })).status).toBe(200);
    expect((await call("/v1/audit/verify", { headers: bearer(auditor.accessToken) })).status).toBe(200);
    expectErrorShape(await call("/v1/audit", { headers: bearer(reviewer.accessToken) }), 403, "FORBIDDEN");
  });

  it("verify passes on an intact chain and names the row changed directly in D1", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 3; i++) await createApiKey(t.accessToken);
    const target = await env.DB.prepare("SELECT id, seq FROM audit_events WHERE tenant_id = ? AND seq = 3").bind(t.tenantId).first<{ id: string; seq: number }>();
    const intact = await call("/v1/audit/verify", { headers: bearer(t.accessToken) });
    expect(intact.status).toBe(200);
    expect(intact.data).toMatchObject({ valid: true, events: 4, from_seq: 0, head: { seq: 4 } });

    await env.DB.prepare("UPDATE audit_events SET action = 'api_key.revoked' WHERE id = ?").bind(target!.id).run();
    // The default check resumes after the checkpoint the clean run left at seq 4 and says so; a full check sees the edit.
    expect((await call("/v1/audit/verify", { headers: bearer(t.accessToken) })).data).toMatchObject({ from_seq: 4, events: 0 });
    const broken = await call("/v1/audit/verify?full=true", { headers: bearer(t.accessToken) });
    expect(broken.status).toBe(200);
    expect(broken.data).toMatchObject({ valid: false, from_seq: 0, broken_at: { id: target!.id, seq: 3, reason: "content_changed" } });
    expect(broken.data.broken_at.message).toMatch(/hash/);
  });

  it("verify names a deleted row's successor", async () => {
    const t = await registerTenant();
    for (let i = 0; i < 3; i++) await createApiKey(t.accessToken);
    await env.DB.prepare("DELETE FROM audit_events WHERE tenant_id = ? AND seq = 2").bind(t.tenantId).run();
    const res = await call("/v1/audit/verify", { headers: bearer(t.accessToken) });
    expect(res.data).toMatchObject({ valid: false, broken_at: { seq: 3, reason: "sequence_gap", expected_seq: 2 } });
  });

  it("rejects a malformed full flag or cursor with the error shape", async () => {
    const t = await registerTenant();
    expectErrorShape(await call("/v1/audit/verify?full=yes", { headers: bearer(t.accessToken) }), 400, "VALIDATION_ERROR");
    expectErrorShape(await call("/v1/audit?cursor=aud_zz", { headers: bearer(t.accessToken) }), 400, "VALIDATION_ERROR");
  });
});
