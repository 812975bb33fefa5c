import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { TEST_PASSWORD, apiKeyHeader, bearer, createApiKey, createUserWithRole, login, registerTenant, uniqueEmail } from "../helpers/identity";
import { probeApp } from "../helpers/probe-app";

describe("/v1/users", () => {
  it("an admin adds a user with a role, who can then sign in", async () => {
    const t = await registerTenant();
    const email = uniqueEmail();
    const res = await call("/v1/users", { method: "POST", headers: bearer(t.accessToken), json: { email: email.toUpperCase(), name: "Rev", password: TEST_PASSWORD, role: "reviewer" } });
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ email, role: "reviewer", tenant_id: t.tenantId });
    await login(email, TEST_PASSWORD);
  });

  it("refuses a duplicate email with 409", async () => {
    const t = await registerTenant();
    const other = await registerTenant();
    const res = await call("/v1/users", { method: "POST", headers: bearer(t.accessToken), json: { email: other.email, name: "X", password: TEST_PASSWORD, role: "user" } });
    expectErrorShape(res, 409, "CONFLICT");
  });

  it("lists only the tenant's own users, newest first, paginated", async () => {
    const t = await registerTenant();
    await registerTenant();
    const u1 = await createUserWithRole(t.accessToken, "user");
    const u2 = await createUserWithRole(t.accessToken, "auditor");
    const first = await call("/v1/users?limit=2", { headers: bearer(t.accessToken) });
    expect(first.status).toBe(200);
    expect(first.data.data.map((u: any) => u.id)).toEqual([u2.userId, u1.userId]);
    const second = await call(`/v1/users?limit=2&cursor=${first.data.next_cursor}`, { headers: bearer(t.accessToken) });
    expect(second.data.data.map((u: any) => u.id)).toEqual([t.userId]);
    expect(second.data.next_cursor).toBeNull();
    expect(first.text + second.text).not.toMatch(/password|pbkdf2/i);
  });

  it("a role change applies to the user's next request and is audited", async () => {
    const t = await registerTenant();
    const u = await createUserWithRole(t.accessToken, "reviewer");
    expectErrorShape(await call("/v1/users", { headers: bearer(u.accessToken) }), 403, "FORBIDDEN");
    const res = await call(`/v1/users/${u.userId}`, { method: "PATCH", headers: bearer(t.accessToken), json: { role: "admin" } });
    expect(res.status).toBe(200);
    expect(res.data.role).toBe("admin");
    expect((await call("/v1/users", { headers: bearer(u.accessToken) })).status).toBe(200);
    const audit = await call("/v1/audit?action=user.role_changed", { headers: bearer(t.accessToken) });
    expect(audit.data.data[0]).toMatchObject({ actor_id: t.userId, target_id: u.userId, metadata: { from: "reviewer", to: "admin" } });
  });

  it("the last admin cannot be demoted or removed while other users remain", async () => {
    const t = await registerTenant();
    const u = await createUserWithRole(t.accessToken, "user");
    expectErrorShape(await call(`/v1/users/${t.userId}`, { method: "PATCH", headers: bearer(t.accessToken), json: { role: "user" } }), 409, "CONFLICT");
    expectErrorShape(await call(`/v1/users/${t.userId}`, { method: "DELETE", headers: bearer(t.accessToken) }), 409, "CONFLICT");
    // With a second admin, the first may step down.
    await call(`/v1/users/${u.userId}`, { method: "PATCH", headers: bearer(t.accessToken), json: { role: "admin" } });
    expect((await call(`/v1/users/${t.userId}`, { method: "PATCH", headers: bearer(t.accessToken), json: { role: "user" } })).status).toBe(200);
  });

  it("deleting a user erases their row and sessions, refuses their tokens, and is audited", async () => {
    const t = await registerTenant();
    const u = await createUserWithRole(t.accessToken, "reviewer");
    const session = await login(u.email, u.password);
    expect((await call(`/v1/users/${u.userId}`, { method: "DELETE", headers: bearer(t.accessToken) })).status).toBe(204);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(u.email).first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM refresh_tokens WHERE user_id = ?").bind(u.userId).first("n")).toBe(0);
    expectErrorShape(await call("/v1/me", { headers: bearer(u.accessToken) }), 401, "UNAUTHORIZED");
    expectErrorShape(await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: session.refreshToken } }), 401, "UNAUTHORIZED");
    const audit = await call(`/v1/audit?action=user.deleted&target_id=${u.userId}`, { headers: bearer(t.accessToken) });
    expect(audit.data.data).toHaveLength(1);
    expectErrorShape(await call(`/v1/users/${u.userId}`, { method: "DELETE", headers: bearer(t.accessToken) }), 404, "NOT_FOUND");
  });

  it("another tenant's user answers 404 to PATCH and DELETE", async () => {
    const a = await registerTenant();
    const b = await registerTenant();
    const u = await createUserWithRole(a.accessToken, "user");
    expectErrorShape(await call(`/v1/users/${u.userId}`, { method: "PATCH", headers: bearer(b.accessToken), json: { role: "admin" } }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/users/${u.userId}`, { method: "DELETE", headers: bearer(b.accessToken) }), 404, "NOT_FOUND");
  });
});

describe("/v1/me", () => {
  it("shows the profile with its tenant", async () => {
    const t = await registerTenant({ tenantName: "Me Corp", name: "Grace" });
    const res = await call("/v1/me", { headers: bearer(t.accessToken) });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ id: t.userId, email: t.email, name: "Grace", role: "admin", tenant: { id: t.tenantId, name: "Me Corp" } });
  });

  it("changes the name; changing the password needs the current one and ends other sessions", async () => {
    const t = await registerTenant();
    expect((await call("/v1/me", { method: "PATCH", headers: bearer(t.accessToken), json: { name: "New Name" } })).data.name).toBe("New Name");
    const noCurrent = await call("/v1/me", { method: "PATCH", headers: bearer(t.accessToken), json: { password: "Another-long-password-9" } });
    expect(expectErrorShape(noCurrent, 400, "VALIDATION_ERROR").details.fields.current_password).toBeTruthy();
    const wrongCurrent = await call("/v1/me", { method: "PATCH", headers: bearer(t.accessToken), json: { password: "Another-long-password-9", current_password: "nope-nope-nope" } });
    expect(expectErrorShape(wrongCurrent, 400, "VALIDATION_ERROR").details.fields.current_password).toBeTruthy();
    const ok = await call("/v1/me", { method: "PATCH", headers: bearer(t.accessToken), json: { password: "Another-long-password-9", current_password: t.password } });
    expect(ok.status).toBe(200);
    expectErrorShape(await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refreshToken } }), 401, "UNAUTHORIZED");
    await login(t.email, "Another-long-password-9");
  });

  it("a user erases their own account: the row is gone and login fails", async () => {
    const t = await registerTenant();
    const u = await createUserWithRole(t.accessToken, "user");
    expect((await call("/v1/me", { method: "DELETE", headers: bearer(u.accessToken) })).status).toBe(204);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(u.userId).first("n")).toBe(0);
    expectErrorShape(await call("/v1/auth/login", { method: "POST", json: { email: u.email, password: u.password } }), 401, "UNAUTHORIZED");
  });

  it("the last admin of a tenant with other users cannot erase their account (409)", async () => {
    const t = await registerTenant();
    await createUserWithRole(t.accessToken, "reviewer");
    expectErrorShape(await call("/v1/me", { method: "DELETE", headers: bearer(t.accessToken) }), 409, "CONFLICT");
  });

  it("when the sole user erases their account, the tenant's API keys are revoked", async () => {
    const t = await registerTenant();
    const { key } = await createApiKey(t.accessToken);
    const probe = probeApp({ scope: "faces" });
    expect((await probe(apiKeyHeader(key))).status).toBe(200);
    expect((await call("/v1/me", { method: "DELETE", headers: bearer(t.accessToken) })).status).toBe(204);
    expectErrorShape(await probe(apiKeyHeader(key)), 401, "UNAUTHORIZED");
  });
});
