/**
 * The console's admin pages over HTTP inside workerd: only admins see and use them (reviewer and auditor → 403 page
 * on GET and POST, nothing changed), every POST needs the CSRF token, and every change is made by the same domain
 * function as the API, so the API sees it and the audit log has the same event with the admin as actor:
 *  - users: validation errors on the add form (aria-invalid, .field-error, the typed values kept, never the password),
 *    add, role change, the last-admin guard explained, removal after a confirmation page;
 *  - API keys: the key shown once on the create response and never in the list, revocation;
 *  - webhooks: create (URL refused by the SSRF guard shown on the form), the secret once, disable/enable, rotation,
 *    a test event that the real receiver gets, the delivery log with its attempt, and a redelivery it gets again.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createUserWithRole, registerTenant, TEST_PASSWORD, uniqueEmail } from "../helpers/identity";
import { inboxUrl, newInbox, received, until } from "../helpers/webhooks";

const ORIGIN = "https://api.test";
const COOKIE = "__Host-ekyc_console";

let tenant: TenantFixture;
let admin: string;
let reviewer: { userId: string; email: string };
let auditor: { userId: string; email: string };

/** A same-origin form post, as a console page sends it; repeated fields (checkboxes) as arrays. */
function form(fields: Record<string, string | string[]>, cookie: string, headers: Record<string, string> = {}) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return {
    method: "POST",
    body: body.toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin", Cookie: cookie, ...headers },
    redirect: "manual" as const,
  };
}

async function signIn(email: string): Promise<string> {
  const res = await call("/console/login", { ...form({ email, password: TEST_PASSWORD }, "") });
  expect(res.status, res.text).toBe(303);
  const value = /__Host-ekyc_console=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];
  expect(value).toBeTruthy();
  return `${COOKIE}=${value}`;
}

/** GETs a console page (200 expected) and returns its HTML. */
async function pageText(cookie: string, path: string): Promise<string> {
  const res = await call(path, { headers: { Cookie: cookie }, redirect: "manual" });
  expect(res.status, `${path}: ${res.text.slice(0, 300)}`).toBe(200);
  return res.text;
}

/** The CSRF token in a page's forms. */
async function csrfOf(cookie: string, path = "/console"): Promise<string> {
  const token = /name="csrf_token" value="([0-9a-f]+)"/.exec(await pageText(cookie, path))?.[1];
  expect(token).toBeTruthy();
  return token as string;
}

/** Posts a console form with the session's CSRF token. */
async function post(cookie: string, path: string, fields: Record<string, string | string[]> = {}) {
  return call(path, form({ ...fields, csrf_token: await csrfOf(cookie, "/console") }, cookie));
}

/** The audit events of `action` on `targetId`, as the API shows them. */
async function auditOf(action: string, targetId: string, token = tenant.accessToken) {
  const res = await call(`/v1/audit?action=${encodeURIComponent(action)}&target_id=${encodeURIComponent(targetId)}`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  return res.data.data as { actor_type: string; actor_id: string | null; metadata: Record<string, unknown> | null }[];
}

async function apiUsers(token = tenant.accessToken) {
  const res = await call("/v1/users?limit=100", { headers: bearer(token) });
  expect(res.status).toBe(200);
  return res.data.data as { id: string; email: string; role: string }[];
}

async function apiKeys() {
  const res = await call("/v1/api-keys?limit=100", { headers: bearer(tenant.accessToken) });
  expect(res.status).toBe(200);
  return res.data.data as { id: string; name: string; prefix: string; revoked_at: string | null }[];
}

async function apiEndpoints(mode: "live" | "test" = "live") {
  const res = await call(`/v1/webhook-endpoints?limit=100&mode=${mode}`, { headers: bearer(tenant.accessToken) });
  expect(res.status).toBe(200);
  return res.data.data as { id: string; url: string; enabled: boolean; disabled_reason: string | null; events: string[] }[];
}

/** The opening tag of the element with `id`, to check its attributes. */
const tagOf = (html: string, id: string) => new RegExp(`<(input|select)[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? "";

beforeAll(async () => {
  tenant = await registerTenant();
  reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
  auditor = await createUserWithRole(tenant.accessToken, "auditor");
  admin = await signIn(tenant.email);
});

describe("who may use the admin pages", () => {
  it("a reviewer and an auditor get the 403 page on every admin page, GET and POST, and nothing changes", async () => {
    const before = await apiUsers();
    for (const email of [reviewer.email, auditor.email]) {
      const cookie = await signIn(email);
      for (const path of ["/console/admin/users", "/console/admin/api-keys", "/console/admin/webhooks", "/console/admin/webhooks/whe_x"]) {
        const res = await call(path, { headers: { Cookie: cookie }, redirect: "manual" });
        expect(res.status, path).toBe(403);
        expect(res.text).toContain("Only admins can manage users, API keys and webhooks.");
      }
      // A valid token of the reviewer's own session: the role check, not CSRF, refuses it.
      const res = await post(cookie, "/console/admin/users", { email: uniqueEmail("sneaky"), name: "Sneaky", role: "admin", password: TEST_PASSWORD });
      expect(res.status).toBe(403);
      expect(res.text).toContain("Only admins");
      expect((await post(cookie, "/console/admin/api-keys", { name: "sneaky", mode: "live", scopes: ["webhooks"] })).status).toBe(403);
    }
    expect(await apiUsers()).toEqual(before);
    expect((await apiKeys()).some((k) => k.name === "sneaky")).toBe(false);
  });

  it("refuses an admin's post without the CSRF token, or from another site, and creates nothing", async () => {
    const token = await csrfOf(admin, "/console/admin/api-keys");
    const fields = { name: "csrf-probe", mode: "test", scopes: "verifications:read" };
    for (const attempt of [form(fields, admin), form({ ...fields, csrf_token: token }, admin, { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" })]) {
      const res = await call("/console/admin/api-keys", attempt);
      expect(res.status).toBe(403);
      expect(res.text).toContain("Request refused");
      expect(res.text).not.toMatch(/ekyc_test_[0-9a-f]{48}/);
    }
    expect((await apiKeys()).some((k) => k.name === "csrf-probe")).toBe(false);
  });
});

describe("users and roles", () => {
  it("lists the users with role and last sign-in, never a password hash", async () => {
    const html = await pageText(admin, "/console/admin/users");
    for (const email of [tenant.email, reviewer.email, auditor.email]) expect(html).toContain(email);
    expect(html).not.toMatch(/\$argon2|\$scrypt|pbkdf2|password_hash|passwordHash/i);
    // The admin signed in above, so their row shows a time; the reviewer's row too (signed in by the roles test).
    const row = new RegExp(`<tr id="user-${tenant.userId}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? "";
    expect(row.match(/<time /g)?.length).toBe(2);
  });

  it("shows validation errors on the add-user form (400), keeps what was typed but not the password, and adds nobody", async () => {
    const before = await apiUsers();
    const res = await post(admin, "/console/admin/users", { email: "not-an-email", name: "Grace Hopper", role: "reviewer", password: "short" });
    expect(res.status).toBe(400);
    expect(res.text).toContain("The user was not added");
    expect(tagOf(res.text, "email")).toContain('aria-invalid="true"');
    expect(tagOf(res.text, "email")).toContain('value="not-an-email"');
    expect(tagOf(res.text, "password")).toContain('aria-invalid="true"');
    expect(tagOf(res.text, "password")).not.toContain("short");
    expect(tagOf(res.text, "name")).not.toContain("aria-invalid");
    expect(res.text).toMatch(/<p class="field-error" id="email-error">Must be a valid email address<\/p>/);
    expect(res.text).toMatch(/<p class="field-error" id="password-error">[^<]*10 characters/);
    expect(await apiUsers()).toEqual(before);
  });

  it("adds a user (audited as the API does), and refuses a taken email on the form with 409", async () => {
    const email = uniqueEmail("console-added");
    const res = await post(admin, "/console/admin/users", { email, name: "Grace Hopper", role: "auditor", password: TEST_PASSWORD });
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get("Location")).toBe("/console/admin/users?done=user_added");
    const added = (await apiUsers()).find((u) => u.email === email);
    expect(added?.role).toBe("auditor");
    const [event] = await auditOf("user.created", added!.id);
    expect(event).toMatchObject({ actor_type: "user", actor_id: tenant.userId, metadata: { role: "auditor" } });
    // The new user can sign in with the initial password.
    await signIn(email);

    const again = await post(admin, "/console/admin/users", { email, name: "Someone Else", role: "reviewer", password: TEST_PASSWORD });
    expect(again.status).toBe(409);
    expect(tagOf(again.text, "email")).toContain('aria-invalid="true"');
    expect(again.text).toContain("An account with this email already exists");
  });

  it("changes a role (the API sees it, audited from/to) and applies it to that user's console at once", async () => {
    const user = await createUserWithRole(tenant.accessToken, "reviewer");
    const theirs = await signIn(user.email);
    const res = await post(admin, `/console/admin/users/${user.userId}/role`, { role: "auditor" });
    expect(res.status, res.text).toBe(303);
    expect((await apiUsers()).find((u) => u.id === user.userId)?.role).toBe("auditor");
    const [event] = await auditOf("user.role_changed", user.userId);
    expect(event).toMatchObject({ actor_id: tenant.userId, metadata: { from: "reviewer", to: "auditor" } });
    const html = await pageText(theirs, "/console");
    expect(html).toContain(`${user.email} (auditor)`);
    expect((await post(admin, `/console/admin/users/${user.userId}/role`, { role: "superuser" })).status).toBe(400);
    expect((await apiUsers()).find((u) => u.id === user.userId)?.role).toBe("auditor");
  });

  it("explains the last-admin guard: the only admin cannot demote or remove themselves while others remain", async () => {
    const solo = await registerTenant();
    await createUserWithRole(solo.accessToken, "reviewer");
    const cookie = await signIn(solo.email);
    const demote = await post(cookie, `/console/admin/users/${solo.userId}/role`, { role: "reviewer" });
    expect(demote.status).toBe(409);
    expect(demote.text).toContain("The role was not changed");
    expect(demote.text).toContain("last admin");
    const confirm = await pageText(cookie, `/console/admin/users/${solo.userId}/remove`);
    expect(confirm).toContain("This is your own account");
    const remove = await post(cookie, `/console/admin/users/${solo.userId}/remove`);
    expect(remove.status).toBe(409);
    expect(remove.text).toContain("The user was not removed");
    expect(remove.text).toContain("make another user admin first");
    expect((await apiUsers(solo.accessToken)).find((u) => u.id === solo.userId)?.role).toBe("admin");
    expect(await auditOf("user.role_changed", solo.userId, solo.accessToken)).toEqual([]);
  });

  it("removes a user after the confirmation page (audited), and that user's session ends", async () => {
    const user = await createUserWithRole(tenant.accessToken, "reviewer");
    const theirs = await signIn(user.email);
    const confirm = await pageText(admin, `/console/admin/users/${user.userId}/remove`);
    expect(confirm).toContain(user.email);
    expect(confirm).toContain('id="confirm-remove"');
    const res = await post(admin, `/console/admin/users/${user.userId}/remove`);
    expect(res.status, res.text).toBe(303);
    expect((await apiUsers()).some((u) => u.id === user.userId)).toBe(false);
    expect((await auditOf("user.deleted", user.userId))[0]).toMatchObject({ actor_id: tenant.userId });
    expect((await call("/console", { headers: { Cookie: theirs }, redirect: "manual" })).status).toBe(303);
    expect((await call(`/console/admin/users/${user.userId}/remove`, { headers: { Cookie: admin } })).status).toBe(404);
  });
});

describe("API keys", () => {
  it("shows a new key once on the create response (200, no redirect); the list shows only its prefix; the key works", async () => {
    const res = await post(admin, "/console/admin/api-keys", { name: "console sandbox", mode: "test", scopes: ["verifications:read", "verifications:write"] });
    expect(res.status).toBe(200);
    expect(res.headers.get("Location")).toBeNull();
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.text).toContain("Copy it now, it will not be shown again");
    const key = /<code id="new-api-key" class="secret">(ekyc_test_[0-9a-f]{48})<\/code>/.exec(res.text)?.[1];
    expect(key).toBeTruthy();
    const listed = (await apiKeys()).find((k) => k.name === "console sandbox");
    expect(listed && key!.startsWith(listed.prefix)).toBe(true);
    const [event] = await auditOf("api_key.created", listed!.id);
    expect(event).toMatchObject({ actor_id: tenant.userId, metadata: { mode: "test", prefix: listed!.prefix, scopes: ["verifications:read", "verifications:write"] } });

    const list = await pageText(admin, "/console/admin/api-keys");
    expect(list).toContain(listed!.prefix);
    expect(list).not.toContain(key);
    expect(list).not.toContain(key!.slice(listed!.prefix.length));
    expect((await call("/v1/verifications?limit=1", { headers: apiKeyHeader(key!) })).status).toBe(200);
  });

  it("shows validation errors on the create form and creates nothing", async () => {
    const before = (await apiKeys()).length;
    const res = await post(admin, "/console/admin/api-keys", { name: "", mode: "test" });
    expect(res.status).toBe(400);
    expect(res.text).toContain("The key was not created");
    expect(tagOf(res.text, "name")).toContain('aria-invalid="true"');
    expect(res.text).toMatch(/<p class="field-error" id="scopes-error">/);
    expect(res.text).not.toMatch(/ekyc_(test|live)_[0-9a-f]{48}/);
    expect((await apiKeys()).length).toBe(before);
  });

  it("revokes a key after the confirmation page: audited, and the key is refused from then on", async () => {
    const res = await post(admin, "/console/admin/api-keys", { name: "to revoke", mode: "live", scopes: "verifications:read" });
    const key = /id="new-api-key" class="secret">(ekyc_live_[0-9a-f]{48})</.exec(res.text)?.[1] as string;
    const row = (await apiKeys()).find((k) => k.name === "to revoke")!;
    expect((await call("/v1/verifications?limit=1", { headers: apiKeyHeader(key) })).status).toBe(200);
    const confirm = await pageText(admin, `/console/admin/api-keys/${row.id}/revoke`);
    expect(confirm).toContain(row.prefix);
    const revoked = await post(admin, `/console/admin/api-keys/${row.id}/revoke`);
    expect(revoked.status).toBe(303);
    expect((await call("/v1/verifications?limit=1", { headers: apiKeyHeader(key) })).status).toBe(401);
    expect((await auditOf("api_key.revoked", row.id))[0]).toMatchObject({ actor_id: tenant.userId });
    const list = await pageText(admin, "/console/admin/api-keys");
    const line = new RegExp(`<tr id="key-${row.id}">[\\s\\S]*?</tr>`).exec(list)?.[0] ?? "";
    expect(line).toContain("<time");
    expect(line).not.toContain("Revoke");
  });
});

describe("webhook endpoints and the delivery log", () => {
  it("shows refused input on the create form: no event type, a URL the SSRF guard refuses; nothing is created", async () => {
    const before = (await apiEndpoints()).length;
    const none = await post(admin, "/console/admin/webhooks", { url: inboxUrl(newInbox("console")), mode: "live" });
    expect(none.status).toBe(400);
    expect(none.text).toMatch(/<p class="field-error" id="events-error">/);
    const privateUrl = await post(admin, "/console/admin/webhooks", { url: "https://10.0.0.7/hooks", mode: "live", events: "*" });
    expect(privateUrl.status).toBe(400);
    expect(tagOf(privateUrl.text, "url")).toContain('aria-invalid="true"');
    expect(tagOf(privateUrl.text, "url")).toContain('value="https://10.0.0.7/hooks"');
    expect(privateUrl.text).toMatch(/<p class="field-error" id="url-error">This URL cannot receive webhooks/);
    expect((await apiEndpoints()).length).toBe(before);
  });

  it("creates an endpoint showing its secret once, sends a test event the receiver gets, logs it, and redelivers it", async () => {
    const inbox = newInbox("console");
    const created = await post(admin, "/console/admin/webhooks", { url: inboxUrl(inbox), mode: "live", events: ["verification.reviewed", "verification.completed"], description: "console test" });
    expect(created.status, created.text.slice(0, 500)).toBe(200);
    const secret = /<code id="new-secret" class="secret">(whsec_[A-Za-z0-9+/=]+)<\/code>/.exec(created.text)?.[1];
    expect(secret).toBeTruthy();
    const endpoint = (await apiEndpoints()).find((e) => e.url === inboxUrl(inbox))!;
    expect(endpoint.events).toEqual(["verification.reviewed", "verification.completed"]);
    expect((await auditOf("webhook_endpoint.created", endpoint.id))[0]).toMatchObject({ actor_id: tenant.userId, metadata: { mode: "live" } });
    const list = await pageText(admin, "/console/admin/webhooks");
    expect(list).toContain(inboxUrl(inbox));
    expect(list).not.toContain(secret);

    const sent = await post(admin, `/console/admin/webhooks/${endpoint.id}/test`);
    expect(sent.status).toBe(303);
    expect(sent.headers.get("Location")).toBe(`/console/admin/webhooks/${endpoint.id}?done=test_sent`);
    const first = await until(() => received(inbox), (r) => r.length >= 1);
    expect(JSON.parse(first[0].body).type).toBe("webhook_endpoint.test");
    // The log shows the delivery with its attempt once the consumer has recorded it.
    const logged = await until(
      () => pageText(admin, `/console/admin/webhooks/${endpoint.id}`),
      (html) => /HTTP 200/.test(html),
    );
    expect(logged).toContain("webhook_endpoint.test");
    expect(logged).toContain("delivered");
    expect(logged).not.toContain(secret);
    const deliveryId = /<tr id="delivery-(whd_[^"]+)"/.exec(logged)?.[1];
    expect(deliveryId).toBeTruthy();

    const again = await post(admin, `/console/admin/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`);
    expect(again.status).toBe(303);
    const both = await until(() => received(inbox), (r) => r.length >= 2);
    expect(both[1].headers["webhook-id"]).toBe(both[0].headers["webhook-id"]);
    const after = await until(
      () => pageText(admin, `/console/admin/webhooks/${endpoint.id}`),
      (html) => (html.match(/HTTP 200/g) ?? []).length >= 2,
    );
    expect(after.match(/<tr id="delivery-/g)?.length).toBe(2);
    expect(after).toContain("<td>redeliver</td>");
  });

  it("a delivery of another endpoint cannot be redelivered through this one's page", async () => {
    const [one, other] = [newInbox("one"), newInbox("other")];
    for (const inbox of [one, other]) expect((await post(admin, "/console/admin/webhooks", { url: inboxUrl(inbox), mode: "test", events: "*" })).status).toBe(200);
    const endpoints = await apiEndpoints("test");
    const [a, b] = [one, other].map((inbox) => endpoints.find((e) => e.url === inboxUrl(inbox))!);
    await post(admin, `/console/admin/webhooks/${a.id}/test`);
    const html = await pageText(admin, `/console/admin/webhooks/${a.id}`);
    const deliveryId = /<tr id="delivery-(whd_[^"]+)"/.exec(html)?.[1];
    expect((await post(admin, `/console/admin/webhooks/${b.id}/deliveries/${deliveryId}/redeliver`)).status).toBe(404);
  });

  it("disables (audited; a test event is then refused) and enables an endpoint; rotation shows a new secret once", async () => {
    const inbox = newInbox("toggle");
    const created = await post(admin, "/console/admin/webhooks", { url: inboxUrl(inbox), mode: "live", events: "*" });
    const firstSecret = /id="new-secret" class="secret">(whsec_[^<]+)</.exec(created.text)?.[1];
    const endpoint = (await apiEndpoints()).find((e) => e.url === inboxUrl(inbox))!;

    expect((await post(admin, `/console/admin/webhooks/${endpoint.id}/disable`)).status).toBe(303);
    expect((await apiEndpoints()).find((e) => e.id === endpoint.id)).toMatchObject({ enabled: false, disabled_reason: "user" });
    expect((await auditOf("webhook_endpoint.updated", endpoint.id))[0]).toMatchObject({ actor_id: tenant.userId, metadata: { enabled: false } });
    const list = await pageText(admin, "/console/admin/webhooks");
    expect(new RegExp(`<tr id="endpoint-${endpoint.id}">[\\s\\S]*?disabled by an admin[\\s\\S]*?</tr>`).test(list)).toBe(true);
    const refused = await post(admin, `/console/admin/webhooks/${endpoint.id}/test`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("The endpoint is disabled");

    expect((await post(admin, `/console/admin/webhooks/${endpoint.id}/enable`)).status).toBe(303);
    expect((await apiEndpoints()).find((e) => e.id === endpoint.id)?.enabled).toBe(true);

    const rotated = await post(admin, `/console/admin/webhooks/${endpoint.id}/rotate`);
    expect(rotated.status).toBe(200);
    const newSecret = /id="new-secret" class="secret">(whsec_[^<]+)</.exec(rotated.text)?.[1];
    expect(newSecret).toBeTruthy();
    expect(newSecret).not.toBe(firstSecret);
    expect(rotated.text).toContain("The previous secret keeps signing beside it for 24 hours");
    expect((await auditOf("webhook_endpoint.secret_rotated", endpoint.id))[0]).toMatchObject({ actor_id: tenant.userId, metadata: { grace_seconds: 86400 } });
  });
});
