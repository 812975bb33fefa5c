/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Admin pages at /console/admin/*: users and roles, API keys, webhook endpoints and their delivery log. Admins only:
 * any other role gets the 403 page on every GET and POST. Every change goes through the same domain function as the
 * API (src/identity/accounts.ts, src/webhooks/*), so it is checked and audited exactly as the API does it; forms are
 * checked against the API's own request schemas, and a refusal is shown on the form it came from.
 */
import { Hono } from "hono";
import { addUser, changeUser, issueApiKey, removeUser, revokeKey } from "../../identity/accounts";
import { getApiKey, listApiKeys } from "../../identity/api-keys";
import { lastSignIns } from "../../identity/user-activity";
import { getUser, listUsers } from "../../identity/users";
import { ApiError, notFound } from "../../lib/errors";
import { requestMeta } from "../../middleware/auth";
import { NewApiKeyBody } from "../../routes/api-keys/api-keys.routes";
import { NewUserBody } from "../../routes/users/users.routes";
import { NewEndpointBody } from "../../routes/webhooks/webhooks.routes";
import { ROLES } from "../../types";
import type { Role } from "../../types";
import { getDelivery, redeliver, sendTestEvent } from "../../webhooks/deliveries";
import { DELIVERY_LOG_LIMIT, endpointDeliveryLog } from "../../webhooks/delivery-log";
import { DEFAULT_ROTATION_GRACE_SECONDS, MAX_ENDPOINTS, createEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint } from "../../webhooks/endpoints";
import { allow, page, principalOf, problem } from "../kit";
import type { ConsoleContext, ConsoleEnv, PageStatus } from "../kit";
import { ApiKeysPage, EMPTY_KEY_FORM, NewKeyPage, RevokeKeyPage } from "./api-keys";
import type { NewKeyForm } from "./api-keys";
import { checkForm, fieldErrorsOf, textOf, valuesOf } from "../form-parts";
import type { FieldErrors } from "../form-parts";
import { EMPTY_USER_FORM, RemoveUserPage, UsersPage, userLine } from "./users";
import type { NewUserForm } from "./users";
import { DeliveryLogPage, EMPTY_ENDPOINT_FORM, SecretPage, WebhooksPage } from "./webhooks";
import type { NewEndpointForm } from "./webhooks";

/** Rows read for a list page; the API pages through the rest. */
const LIST_WINDOW = 200;

/** What a page says after a change (`?done=`). */
const DONE: Record<string, string> = {
  user_added: "User added. Hand the initial password over out of band.",
  role_changed: "Role changed; it applies from the user's next request.",
  user_removed: "User removed and their personal data erased.",
  key_revoked: "API key revoked; requests made with it are refused from now on.",
  disabled: "Endpoint disabled; nothing is sent to it until it is enabled again.",
  enabled: "Endpoint enabled. Events it missed can be re-sent with POST /v1/webhook-endpoints/{id}/recover.",
  test_sent: "Test event queued; its delivery appears below.",
  redelivered: "Redelivery queued; it appears below as a new delivery of the same event.",
};

const noticeOf = (c: ConsoleContext) => DONE[c.req.query("done") ?? ""];
const meta = (c: ConsoleContext) => requestMeta(c);
const isConflict = (err: unknown): err is ApiError => err instanceof ApiError && err.status === 409;

async function usersPage(c: ConsoleContext, extra: { form?: NewUserForm; errors?: FieldErrors; error?: string } = {}, status: PageStatus = 200) {
  const s = c.var.services;
  const { user } = c.get("session");
  const [rows, seen] = await Promise.all([listUsers(s.db, user.tenantId, LIST_WINDOW), lastSignIns(s.db, user.tenantId)]);
  const users = rows.slice(0, LIST_WINDOW).map((u) => userLine(u, seen.get(u.id)));
  return page(
    c,
    "Users and roles",
    <UsersPage users={users} me={user.id} csrf={c.get("viewer").csrf} form={extra.form ?? EMPTY_USER_FORM} errors={extra.errors ?? {}} notice={noticeOf(c)} error={extra.error} more={rows.length > LIST_WINDOW} />,
    status,
  );
}

async function apiKeysPage(c: ConsoleContext, extra: { form?: NewKeyForm; errors?: FieldErrors } = {}, status: PageStatus = 200) {
  const s = c.var.services;
  const rows = await listApiKeys(s.db, c.get("session").user.tenantId, LIST_WINDOW);
  return page(
    c,
    "API keys",
    <ApiKeysPage keys={rows.slice(0, LIST_WINDOW)} csrf={c.get("viewer").csrf} form={extra.form ?? EMPTY_KEY_FORM} errors={extra.errors ?? {}} notice={noticeOf(c)} more={rows.length > LIST_WINDOW} />,
    status,
  );
}

async function webhooksPage(c: ConsoleContext, extra: { form?: NewEndpointForm; errors?: FieldErrors } = {}, status: PageStatus = 200) {
  const s = c.var.services;
  const tenantId = c.get("session").user.tenantId;
  const [live, test] = await Promise.all([listEndpoints(s, tenantId, "live", MAX_ENDPOINTS), listEndpoints(s, tenantId, "test", MAX_ENDPOINTS)]);
  const endpoints = [...live, ...test].sort((a, b) => (a.id < b.id ? 1 : -1));
  return page(c, "Webhook endpoints", <WebhooksPage endpoints={endpoints} csrf={c.get("viewer").csrf} form={extra.form ?? EMPTY_ENDPOINT_FORM} errors={extra.errors ?? {}} notice={noticeOf(c)} />, status);
}

/** The endpoint named in the path, of the signed-in admin's tenant (either mode). */
const endpointOf = (c: ConsoleContext) => getEndpoint(c.var.services, c.get("session").user.tenantId, c.req.param("id") ?? "");

/** The admin page group, mounted by console-app behind the session and CSRF middleware. */
export function adminPages() {
  const app = new Hono<ConsoleEnv>();

  app.use("*", async (c, next) => {
    if (!allow(c, ["admin"])) return problem(c, 403, "Not allowed", "Only admins can manage users, API keys and webhooks.");
    await next();
  });

  // ---- users and roles

  app.get("/users", (c) => usersPage(c));

  app.post("/users", async (c) => {
    const body = await c.req.parseBody();
    const form: NewUserForm = { email: textOf(body, "email"), name: textOf(body, "name"), role: textOf(body, "role") };
    const password = typeof body.password === "string" ? body.password : "";
    const checked = checkForm(NewUserBody, { ...form, password });
    if (!checked.ok) return usersPage(c, { form, errors: checked.errors }, 400);
    try {
      await addUser(c.var.services, principalOf(c.get("session")), checked.value, meta(c));
    } catch (err) {
      if (!isConflict(err)) throw err;
      return usersPage(c, { form, errors: fieldErrorsOf(err, "email") }, 409);
    }
    return c.redirect("/console/admin/users?done=user_added", 303);
  });

  app.post("/users/:id/role", async (c) => {
    const role = textOf(await c.req.parseBody(), "role");
    if (!(ROLES as readonly string[]).includes(role)) return problem(c, 400, "Invalid request", `Choose one of the roles: ${ROLES.join(", ")}.`);
    try {
      await changeUser(c.var.services, principalOf(c.get("session")), c.req.param("id"), { role: role as Role }, meta(c));
    } catch (err) {
      if (!isConflict(err)) throw err;
      return usersPage(c, { error: `The role was not changed. ${err.message}.` }, 409);
    }
    return c.redirect("/console/admin/users?done=role_changed", 303);
  });

  app.get("/users/:id/remove", async (c) => {
    const { user } = c.get("session");
    const target = await getUser(c.var.services.db, user.tenantId, c.req.param("id"));
    if (!target) throw notFound("User");
    return page(c, "Remove a user", <RemoveUserPage user={userLine(target, undefined)} csrf={c.get("viewer").csrf} self={target.id === user.id} />);
  });

  app.post("/users/:id/remove", async (c) => {
    const principal = principalOf(c.get("session"));
    const id = c.req.param("id");
    try {
      await removeUser(c.var.services, principal, id, meta(c));
    } catch (err) {
      if (!isConflict(err)) throw err;
      return usersPage(c, { error: `The user was not removed. ${err.message}.` }, 409);
    }
    // Removing oneself erased this session's refresh tokens with the account.
    if (id === principal.userId) return c.redirect("/console/login", 303);
    return c.redirect("/console/admin/users?done=user_removed", 303);
  });

  // ---- API keys

  app.get("/api-keys", (c) => apiKeysPage(c));

  app.post("/api-keys", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const form: NewKeyForm = { name: textOf(body, "name"), mode: textOf(body, "mode"), scopes: valuesOf(body, "scopes") };
    const checked = checkForm(NewApiKeyBody, { name: form.name, mode: form.mode || undefined, scopes: form.scopes });
    if (!checked.ok) return apiKeysPage(c, { form, errors: checked.errors }, 400);
    const { row, key } = await issueApiKey(c.var.services, principalOf(c.get("session")), checked.value, meta(c));
    // The only response that ever carries the key: rendered here, never passed through a redirect.
    return page(c, "API key created", <NewKeyPage row={row} secret={key} />);
  });

  app.get("/api-keys/:id/revoke", async (c) => {
    const row = await getApiKey(c.var.services.db, c.get("session").user.tenantId, c.req.param("id"));
    if (!row) throw notFound("API key");
    if (row.revokedAt !== null) return c.redirect("/console/admin/api-keys?done=key_revoked", 303);
    return page(c, "Revoke an API key", <RevokeKeyPage row={row} csrf={c.get("viewer").csrf} />);
  });

  app.post("/api-keys/:id/revoke", async (c) => {
    await revokeKey(c.var.services, principalOf(c.get("session")), c.req.param("id"), meta(c));
    return c.redirect("/console/admin/api-keys?done=key_revoked", 303);
  });

  // ---- webhook endpoints and the delivery log

  app.get("/webhooks", (c) => webhooksPage(c));

  app.post("/webhooks", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const form: NewEndpointForm = { url: textOf(body, "url"), description: textOf(body, "description"), mode: textOf(body, "mode"), events: valuesOf(body, "events") };
    const checked = checkForm(NewEndpointBody, { url: form.url, description: form.description || null, mode: form.mode || undefined, events: form.events });
    if (!checked.ok) return webhooksPage(c, { form, errors: checked.errors }, 400);
    try {
      const { row, secret } = await createEndpoint(c.var.services, principalOf(c.get("session")), { ...checked.value, mode: checked.value.mode ?? "live" }, meta(c));
      return page(c, "Webhook endpoint added", <SecretPage e={row} secret={secret} rotated={false} />);
    } catch (err) {
      if (err instanceof ApiError && err.code === "WEBHOOK_URL_FORBIDDEN") return webhooksPage(c, { form, errors: { url: [err.message] } }, 400);
      if (isConflict(err)) return webhooksPage(c, { form, errors: { "(body)": [err.message] } }, 409);
      throw err;
    }
  });

  app.get("/webhooks/:id", async (c) => {
    const e = await endpointOf(c);
    const log = await endpointDeliveryLog(c.var.services, e, DELIVERY_LOG_LIMIT);
    return page(c, "Delivery log", <DeliveryLogPage e={e} log={log} csrf={c.get("viewer").csrf} notice={noticeOf(c)} limit={DELIVERY_LOG_LIMIT} />);
  });

  for (const [action, enabled] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    app.post(`/webhooks/:id/${action}`, async (c) => {
      await updateEndpoint(c.var.services, principalOf(c.get("session")), await endpointOf(c), { enabled }, meta(c));
      return c.redirect(`/console/admin/webhooks?done=${action}d`, 303);
    });
  }

  app.post("/webhooks/:id/rotate", async (c) => {
    const { row, secret } = await rotateSecret(c.var.services, principalOf(c.get("session")), await endpointOf(c), DEFAULT_ROTATION_GRACE_SECONDS, meta(c));
    return page(c, "Signing secret rotated", <SecretPage e={row} secret={secret} rotated />);
  });

  app.post("/webhooks/:id/test", async (c) => {
    const e = await endpointOf(c);
    await sendTestEvent(c.var.services, e);
    return c.redirect(`/console/admin/webhooks/${encodeURIComponent(e.id)}?done=test_sent`, 303);
  });

  app.post("/webhooks/:id/deliveries/:deliveryId/redeliver", async (c) => {
    const s = c.var.services;
    const e = await endpointOf(c);
    const d = await getDelivery(s, e.tenantId, c.req.param("deliveryId"));
    if (d.endpointId !== e.id) throw notFound("Delivery");
    await redeliver(s, d);
    return c.redirect(`/console/admin/webhooks/${encodeURIComponent(e.id)}?done=redelivered`, 303);
  });

  return app;
}
