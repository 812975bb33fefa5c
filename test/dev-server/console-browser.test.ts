/**
 * The reviewer console in a real browser: Debian's chromium driven by playwright-core against a throwaway
 * `wrangler dev --local` (scripts/local-server.mjs), with the real pipeline deciding the cases:
 *  - a reviewer opening settings gets a 403 page; an admin sees validation errors on the settings form;
 *  - on a manual-review case (the same face under another name: DUPLICATE_FACE), an auditor sees no decision form and
 *    a forged post is refused, and a form posted from another origin without the CSRF token is refused;
 *  - then a reviewer signs in, opens that case, sees the document, the selfie, both face crops and the ELA heatmap
 *    rendered, approves it with a reason, and sees the status change on the page, the audit event (GET /v1/audit as
 *    admin) and the `verification.reviewed` webhook at a Node receiver;
 *  - axe-core finds no serious or critical violation on any console page, and no page breaks its CSP.
 * Screenshots of every page go to test-results/screenshots/.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addConsoleUser, expectAccessible, imageRendered, launchChromium, offlinePage, shot as screenshot, signIn as signInAt, startHookReceiver } from "../helpers/browser";
import type { HookReceiver } from "../helpers/browser";
// @ts-expect-error plain ESM helper shared with bench/dev-load (no type declarations)
import * as dev from "../../scripts/local-server.mjs";

interface Server {
  base: string;
  output(): string;
  stop(options?: { keep?: boolean; signal?: string }): Promise<void>;
}

const log = (line: string) => console.log(`[console-browser] ${line}`);

let server: Server;
/** The server as the browser addresses it: Chromium keeps Secure (`__Host-`) cookies over plain http on localhost only. */
let web: string;
let browser: Browser;
let adminToken: string;
let liveKey: string;
const users: Record<"reviewer" | "auditor" | "admin", string> = { reviewer: "", auditor: "", admin: "" };
/** The case the pipeline sent to manual review: the refusals are tried on it first, then it is approved. */
let caseId: string;
/** What the Node receiver got: webhook bodies, and the cross-site page it serves. */
let received: HookReceiver["received"] = [];
let closeReceiver: () => void;
let receiverOrigin: string;
const cspViolations: string[] = [];

async function api(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.base + p, {
    method,
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), Authorization: `Bearer ${adminToken}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, data: (await res.json().catch(() => null)) as any };
}

async function addUser(role: "reviewer" | "auditor" | "admin") {
  users[role] = await addConsoleUser(server.base, adminToken, role);
}

/** A receiver for webhooks, which also serves a page on another origin that posts a form to the console. */
async function startReceiver(): Promise<void> {
  const hooks = await startHookReceiver("/hooks", {
    "/cross-site": (url) =>
      `<!doctype html><html lang="en"><title>elsewhere</title><form method="post" action="${url.searchParams.get("target") ?? ""}"><input type="hidden" name="decision" value="reject"><input type="hidden" name="reason_choice" value="forged by another site"><button id="go">Win a prize</button></form></html>`,
  });
  receiverOrigin = hooks.origin;
  received = hooks.received;
  closeReceiver = hooks.close;
}

async function newPage() {
  // Every page shares one list of CSP reports, checked by the last test.
  const opened = await offlinePage(browser);
  opened.cspViolations = cspViolations;
  return opened;
}

const signIn = (page: Page, email: string) => signInAt(page, web, email);
const shot = (page: Page, name: string) => screenshot(page, `console-${name}`);

async function statusOf(id: string): Promise<string> {
  return (await dev.getVerification(server.base, liveKey, id)).status;
}

/** Waits for the pipeline (the first run loads the models: slow on a busy machine) and explains a miss with the server's errors. */
async function expectStatuses(ids: string[], expected: string[]) {
  const statuses: Map<string, string> = await dev.waitFinal(server.base, liveKey, ids, { ms: 420_000 });
  const got = ids.map((id) => statuses.get(id));
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    const problems = dev.logLines(server.output()).filter((l: { level?: string }) => l.level === "error" || l.level === "warn");
    throw new Error(`expected ${expected.join(", ")}, got ${got.join(", ")}; server errors: ${JSON.stringify(problems.slice(-5))}`);
  }
}

beforeAll(async () => {
  await startReceiver();
  server = await dev.startLocalServer({ log });
  web = server.base.replace("127.0.0.1", "localhost");
  ({ accessToken: adminToken, liveKey } = await dev.registerTenant(server.base));
  for (const role of ["reviewer", "auditor", "admin"] as const) await addUser(role);
  const hook = await api("POST", "/v1/webhook-endpoints", { url: `${receiverOrigin}/hooks`, events: ["verification.reviewed"], mode: "live" });
  if (hook.status !== 201) throw new Error(`webhook endpoint: ${hook.status} ${JSON.stringify(hook.data)}`);
  // The same woman verified first as Erika Mustermann; then her face under two other names → DUPLICATE_FACE → review.
  // Both send the zone of Erika Mustermann's card (as `npm run dev`'s seeded demo cases do).
  const first: string = await dev.createVerification(server.base, liveKey, { mrz: true });
  await expectStatuses([first], ["verified"]);
  caseId = await dev.createVerification(server.base, liveKey, { lastName: "Musterfrau", mrz: true });
  await expectStatuses([caseId], ["manual_review"]);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  closeReceiver?.();
}, 30_000);

describe("the review console in chromium", () => {
  it("a reviewer opening settings gets a 403 page", async () => {
    const { context, page } = await newPage();
    await signIn(page, users.reviewer);
    const res = await page.goto(`${web}/console/settings`);
    expect(res?.status()).toBe(403);
    expect(await page.textContent("h1")).toBe("Not allowed");
    await shot(page, "settings-403");
    await expectAccessible(page, "403 page");
    await context.close();
  });

  it("an admin sees the settings page and a validation error on the form", async () => {
    const { context, page } = await newPage();
    await signIn(page, users.admin);
    await page.goto(`${web}/console/settings`);
    await shot(page, "settings");
    await expectAccessible(page, "settings");
    await page.fill("#verified_max", "90");
    await page.fill("#reject_min", "10");
    await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("form[action='/console/settings'] button[type=submit]")]);
    await page.waitForLoadState("load");
    expect(await page.textContent(".field-error")).toContain("verified_max must be below reject_min");
    expect(await page.getAttribute("#verified_max", "aria-invalid")).toBe("true");
    await shot(page, "settings-invalid");
    await expectAccessible(page, "settings with errors");
    await context.close();
  });

  it("an auditor sees the case without a decision form, and a forged decision post is refused", async () => {
    const { context, page } = await newPage();
    await signIn(page, users.auditor);
    await page.goto(`${web}/console/cases/${caseId}`);
    expect(await page.textContent("#case-status")).toBe("manual_review");
    expect(await page.locator("form[action$='/decision']").count()).toBe(0);
    await shot(page, "case-auditor");
    await expectAccessible(page, "case page (auditor)");
    // Forge the form the auditor's page lacks, with this session's own CSRF token (taken from the sign-out form).
    await Promise.all([
      page.waitForURL(`${web}/console/cases/${caseId}/decision`),
      page.evaluate((id) => {
        const document = (globalThis as any).document;
        const token = document.querySelector('input[name="csrf_token"]').value;
        const form = document.createElement("form");
        form.method = "post";
        form.action = `/console/cases/${id}/decision`;
        for (const [name, value] of Object.entries({ csrf_token: token, decision: "approve", reason_choice: "forged by an auditor" })) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      }, caseId),
    ]);
    expect(await page.textContent("h1")).toBe("Not allowed");
    expect(await statusOf(caseId)).toBe("manual_review");
    await context.close();
  });

  it("a form posted from another site, without the CSRF token, is refused and changes nothing", async () => {
    const { context, page } = await newPage();
    await signIn(page, users.reviewer);
    // Another origin on the same site (localhost, another port): the SameSite=Strict cookie still goes along, so
    // only the CSRF checks stand between this page and the decision.
    const elsewhere = receiverOrigin.replace("127.0.0.1", "localhost");
    await page.goto(`${elsewhere}/cross-site?target=${encodeURIComponent(`${web}/console/cases/${caseId}/decision`)}`);
    const [response] = await Promise.all([page.waitForNavigation(), page.click("#go")]);
    expect(response?.status()).toBe(403);
    expect(await page.textContent("h1")).toBe("Request refused");
    await shot(page, "csrf-refused");
    expect(await statusOf(caseId)).toBe("manual_review");
    await context.close();
  });

  it("a reviewer signs in, sees the case's images and evidence, approves it, and the status, audit event and webhook follow", async () => {
    const { context, page } = await newPage();
    await page.goto(`${web}/console/login`);
    await shot(page, "login");
    await expectAccessible(page, "sign-in page");

    await signIn(page, users.reviewer);
    const cookie = (await context.cookies()).find((c) => c.name === "__Host-ekyc_console");
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    await expect.poll(() => page.locator(`a[href="/console/cases/${caseId}"]`).count()).toBe(1);
    await shot(page, "queue");
    await expectAccessible(page, "queue");

    await page.click(`a[href="/console/cases/${caseId}"]`);
    await page.waitForURL(`${web}/console/cases/${caseId}`);
    await page.waitForLoadState("networkidle");
    for (const kind of ["document_front", "selfie", "face_document", "face_selfie", "ela"]) {
      expect(await imageRendered(page, `img[data-kind="${kind}"]`), `${kind} rendered`).toBe(true);
    }
    // Image URLs are the console's own, behind the session.
    const sources = await page.$$eval("img", (imgs) => imgs.map((i: any) => i.getAttribute("src") as string | null));
    expect(sources.every((src) => src?.startsWith(`/console/cases/${caseId}/`))).toBe(true);
    await expect.poll(() => page.textContent("#face-similarity")).toMatch(/Similarity \d\.\d{3} against a threshold of/);
    expect(await page.textContent("main")).toContain("DUPLICATE_FACE");
    // The MRZ sent says MUSTERMANN; the applicant declared Musterfrau: the surname row is marked, the birth date agrees.
    const surname = page.locator('#reading-table tr[data-field="last_name"] td');
    expect(await surname.nth(0).textContent()).toContain("MUSTERMANN");
    expect(await surname.nth(0).getAttribute("class")).toBe("differs");
    expect(await surname.nth(2).textContent()).toContain("Musterfrau");
    const birth = page.locator('#reading-table tr[data-field="date_of_birth"] td');
    expect(await birth.nth(0).textContent()).toContain("1984-08-12 (check digit holds)");
    expect(await birth.nth(0).getAttribute("class")).toBeNull();
    // The risk score is explained: each counted layer's points, adding up to it, under the decision's settings version.
    const points = (await page.$$eval("#risk-contributions tbody tr td:last-child", (tds) => tds.map((td: any) => Number(td.textContent)))) as number[];
    expect(points.length).toBeGreaterThan(3);
    const score = Number((await page.textContent("#risk-score"))?.split(" ")[0]);
    expect(Math.abs(points.reduce((a, b) => a + b, 0) - score)).toBeLessThanOrEqual(0.5);
    expect(await page.textContent("main")).toContain("Sent to review by the rule for");
    // The heatmap overlay is hidden until toggled.
    expect(await page.isVisible('img[data-kind="ela"]')).toBe(false);
    await page.click('label[for="overlay-document_front"]');
    expect(await page.isVisible('img[data-kind="ela"]')).toBe(true);
    await shot(page, "case");
    await expectAccessible(page, "case page");

    // Each outcome shows its own reasons: none before one is chosen, the resubmission reasons for a resubmission.
    expect(await page.isVisible("#reason-choice")).toBe(false);
    await page.check("#decision-resubmit");
    expect(await page.isVisible("#reason-code")).toBe(true);
    expect(await page.isVisible("#reason-choice")).toBe(false);
    await page.check("#decision-reject");
    expect(await page.isVisible("#reject-reason")).toBe(true);
    expect(await page.isVisible("#reason-code")).toBe(false);
    await page.check("#decision-approve");
    expect(await page.isVisible("#reject-reason")).toBe(false);
    await page.selectOption("#reason-choice", { index: 1 });
    await page.fill("#reason", "Same person, married name; checked by the browser test");
    await Promise.all([page.waitForURL(/done=approve/), page.click("form[action$='/decision'] button[type=submit]")]);
    expect(await page.textContent("#case-status")).toBe("verified");
    expect(await page.locator("form[action$='/decision']").count()).toBe(0);
    await shot(page, "case-approved");
    await expectAccessible(page, "case page after the decision");
    expect(await statusOf(caseId)).toBe("verified");

    expect(await page.textContent("#review-record")).toContain("Duplicate explained: the same person: Same person, married name");
    expect(await page.textContent("#case-audit li:first-child")).toMatch(/verification\.verified by user usr_/);
    const audit = await api("GET", `/v1/audit?target_id=${caseId}`);
    expect(audit.status).toBe(200);
    const reviewerId = (await api("GET", `/v1/users?limit=100`)).data.data.find((u: { email: string }) => u.email === users.reviewer).id;
    expect(audit.data.data.some((e: { actor_id: string }) => e.actor_id === reviewerId)).toBe(true);

    await expect
      .poll(() => received.map((r) => JSON.parse(r.body)).find((b) => b.type === "verification.reviewed" && JSON.stringify(b).includes(caseId)), { timeout: 60_000, interval: 500 })
      .toBeTruthy();
    const delivery = received.find((r) => r.body.includes(caseId))!;
    expect(delivery.headers["webhook-signature"]).toMatch(/^v1,/);
    await context.close();
  });

  it("no console page broke its Content-Security-Policy", () => {
    expect(cspViolations).toEqual([]);
  });
});
