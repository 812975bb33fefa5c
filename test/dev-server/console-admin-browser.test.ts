/**
 * The console's admin pages in a real browser: Debian's chromium driven by playwright-core against a throwaway
 * `wrangler dev --local` (scripts/local-server.mjs), every non-loopback request aborted:
 *  - an admin visits the users page (and sees a validation error on the add-user form), creates a test-mode API key
 *    and sees it once — the list never shows it again — then a test-mode verification made with that key is
 *    decided by the sandbox; the key is then revoked from its confirmation page and refused;
 *  - the admin adds a webhook endpoint pointing at a Node receiver started here (its secret shown once), sends a
 *    test event, sees the delivery with its HTTP 200 attempt in the log, redelivers it, and the receiver gets the
 *    same event (same `webhook-id`) twice;
 *  - a reviewer opening /console/admin/users gets the 403 page;
 *  - axe-core finds no serious or critical violation on any of these pages, and none breaks its CSP.
 * Screenshots go to test-results/screenshots/console-admin-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addConsoleUser, expectAccessible, launchChromium, offlinePage, shot as screenshot, signIn as signInAt, startHookReceiver } from "../helpers/browser";
import type { HookReceiver } from "../helpers/browser";
// @ts-expect-error plain ESM helper shared with bench/dev-load (no type declarations)
import * as dev from "../../scripts/local-server.mjs";

interface Server {
  base: string;
  output(): string;
  stop(options?: { keep?: boolean; signal?: string }): Promise<void>;
}

const log = (line: string) => console.log(`[console-admin-browser] ${line}`);

let server: Server;
/** The server as the browser addresses it: Chromium keeps Secure (`__Host-`) cookies over plain http on localhost only. */
let web: string;
let browser: Browser;
let adminToken: string;
const users = { admin: "", reviewer: "" };
/** Webhooks the Node receiver got, in arrival order. */
let received: HookReceiver["received"] = [];
let closeReceiver: () => void;
let receiverOrigin: string;
const cspViolations: string[] = [];

async function startReceiver(): Promise<void> {
  const hooks = await startHookReceiver("/admin-hooks");
  receiverOrigin = hooks.origin;
  received = hooks.received;
  closeReceiver = hooks.close;
}

async function newPage() {
  const opened = await offlinePage(browser);
  opened.cspViolations = cspViolations;
  return opened;
}

const shot = (page: Page, name: string) => screenshot(page, `console-admin-${name}`);

/** Waits for a state (deliveries go through the queue); the bound only keeps a broken consumer from hanging the run. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out; last seen: ${String(JSON.stringify(value)).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 300));
    value = await read();
  }
  return value;
}

/** Submits the form holding `button` and waits for the page it answers with. */
async function submit(page: Page, button: string) {
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click(button)]);
  await page.waitForLoadState("load");
}

beforeAll(async () => {
  await startReceiver();
  server = await dev.startLocalServer({ log });
  web = server.base.replace("127.0.0.1", "localhost");
  ({ accessToken: adminToken } = await dev.registerTenant(server.base));
  users.admin = await addConsoleUser(server.base, adminToken, "admin");
  users.reviewer = await addConsoleUser(server.base, adminToken, "reviewer");
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  closeReceiver?.();
}, 30_000);

describe("the admin pages in chromium", () => {
  it("users: the list, and a validation error on the add-user form", async () => {
    const { context, page } = await newPage();
    await signInAt(page, web, users.admin);
    await page.click("a[href='/console/admin/users']");
    await page.waitForURL(`${web}/console/admin/users`);
    expect(await page.textContent("h1")).toBe("Users and roles");
    expect(await page.textContent("table")).toContain(users.reviewer);
    await shot(page, "users");
    await expectAccessible(page, "users");
    await page.fill("#email", "not an email");
    await page.fill("#name", "Grace Hopper");
    await page.fill("#password", "short");
    await submit(page, "form[action='/console/admin/users'] button[type=submit]");
    expect(await page.getAttribute("#email", "aria-invalid")).toBe("true");
    expect(await page.textContent("#email-error")).toContain("valid email");
    expect(await page.inputValue("#password")).toBe("");
    await shot(page, "users-invalid");
    await expectAccessible(page, "users with errors");
    // The removal confirmation page of the reviewer (not confirmed).
    await page.click(`a:has-text("Remove ${users.reviewer}")`);
    expect(await page.textContent("h1")).toBe("Remove a user");
    await shot(page, "user-remove");
    await expectAccessible(page, "remove user confirmation");
    await context.close();
  });

  it("API keys: a new test key is shown once, works for a test-mode verification, and is refused once revoked", async () => {
    const { context, page } = await newPage();
    await signInAt(page, web, users.admin);
    await page.goto(`${web}/console/admin/api-keys`);
    await shot(page, "api-keys");
    await expectAccessible(page, "api keys");
    await page.fill("#name", "browser sandbox key");
    await page.check("input[name=mode][value=test]");
    await submit(page, "form[action='/console/admin/api-keys'] button[type=submit]");
    expect(await page.textContent("h1")).toBe("API key created");
    expect(await page.textContent("[role=status]")).toContain("Copy it now, it will not be shown again");
    const key = (await page.textContent("#new-api-key"))?.trim() ?? "";
    expect(key).toMatch(/^ekyc_test_[0-9a-f]{48}$/);
    await shot(page, "api-key-created");
    await expectAccessible(page, "api key created");

    await page.click("a[href='/console/admin/api-keys']");
    const list = await page.content();
    expect(list).toContain(key.slice(0, 16));
    expect(list).not.toContain(key);

    const id: string = await dev.createVerification(server.base, key);
    const statuses: Map<string, string> = await dev.waitFinal(server.base, key, [id], { ms: 120_000 });
    expect(statuses.get(id)).toBe("verified");
    expect((await dev.getVerification(server.base, key, id)).mode).toBe("test");

    await page.click(`a:has-text("Revoke browser sandbox key")`);
    expect(await page.textContent("h1")).toBe("Revoke an API key");
    await shot(page, "api-key-revoke");
    await expectAccessible(page, "revoke confirmation");
    await Promise.all([page.waitForURL(/\/console\/admin\/api-keys\?done=key_revoked$/), page.click("#confirm-revoke")]);
    expect(await page.textContent("[role=status]")).toContain("revoked");
    const refused = await fetch(`${server.base}/v1/verifications?limit=1`, { headers: { "X-API-Key": key } });
    expect(refused.status).toBe(401);
    await context.close();
  });

  it("webhooks: add an endpoint, send a test event, see it in the log, redeliver it, and the receiver gets it twice", async () => {
    const { context, page } = await newPage();
    await signInAt(page, web, users.admin);
    await page.goto(`${web}/console/admin/webhooks`);
    await shot(page, "webhooks");
    await expectAccessible(page, "webhooks");
    const url = `${receiverOrigin}/admin-hooks`;
    await page.fill("#url", url);
    await page.check("input[name=events][value='*']");
    await submit(page, "form[action='/console/admin/webhooks'] button[type=submit]");
    expect(await page.textContent("h1")).toBe("Webhook endpoint added");
    const secret = (await page.textContent("#new-secret"))?.trim() ?? "";
    expect(secret).toMatch(/^whsec_/);
    await shot(page, "webhook-created");
    await expectAccessible(page, "webhook created");

    await page.click(`a:has-text("Delivery log of ${url}")`);
    expect(await page.textContent("h1")).toBe("Delivery log");
    expect(await page.content()).not.toContain(secret);
    await submit(page, "button:has-text('Send test event')");
    expect(await page.textContent("[role=status]")).toContain("Test event queued");
    await until(async () => received.length, (n) => n >= 1);
    expect(JSON.parse(received[0].body).type).toBe("webhook_endpoint.test");
    await until(
      async () => (await page.reload(), await page.textContent("table")) ?? "",
      (text) => text.includes("HTTP 200"),
    );
    expect(await page.locator("tr.delivery").count()).toBe(1);
    await shot(page, "webhook-log");
    await expectAccessible(page, "delivery log");

    await submit(page, "button:has-text('Redeliver webhook_endpoint.test')");
    expect(await page.textContent("[role=status]")).toContain("Redelivery queued");
    await until(async () => received.length, (n) => n >= 2);
    expect(received[1].headers["webhook-id"]).toBe(received[0].headers["webhook-id"]);
    await until(
      async () => (await page.reload(), (await page.textContent("table")) ?? ""),
      (text) => (text.match(/HTTP 200/g) ?? []).length >= 2,
    );
    expect(await page.locator("tr.delivery").count()).toBe(2);
    await shot(page, "webhook-log-redelivered");
    await expectAccessible(page, "delivery log after redelivery");
    await context.close();
  });

  it("a reviewer opening /console/admin/users gets the 403 page", async () => {
    const { context, page } = await newPage();
    await signInAt(page, web, users.reviewer);
    expect(await page.locator("a[href='/console/admin/users']").count()).toBe(0);
    const res = await page.goto(`${web}/console/admin/users`);
    expect(res?.status()).toBe(403);
    expect(await page.textContent("h1")).toBe("Not allowed");
    await shot(page, "users-403");
    await expectAccessible(page, "403 page");
    await context.close();
  });

  it("no admin page broke its Content-Security-Policy", () => {
    expect(cspViolations).toEqual([]);
  });
});
