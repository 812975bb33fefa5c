/**
 * The auditor pages in a real browser: Debian's chromium driven by playwright-core against a throwaway
 * `wrangler dev --local` (scripts/local-server.mjs). A tenant gets a few test-mode verifications (the sandbox's
 * last names force the outcome, so no model runs); an auditor signs in and
 *  - opens /console/stats: the SVG charts rendered, with bars of non-zero width for the statuses that occurred;
 *  - opens /console/audit: the chain shows intact, events listed; the whole-log check holds too;
 *  - finds no way to change anything: the only form posting anywhere is sign-out;
 *  - and axe-core finds no serious or critical violation on either page, and no page breaks its CSP.
 * Screenshots: test-results/screenshots/console-auditor-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addConsoleUser, expectAccessible, launchChromium, offlinePage, shot as screenshot, signIn as signInAt } from "../helpers/browser";
// @ts-expect-error plain ESM helper shared with bench/dev-load (no type declarations)
import * as dev from "../../scripts/local-server.mjs";

interface Server {
  base: string;
  output(): string;
  stop(options?: { keep?: boolean; signal?: string }): Promise<void>;
}

const log = (line: string) => console.log(`[console-auditor-browser] ${line}`);

let server: Server;
/** The server as the browser addresses it: Chromium keeps Secure (`__Host-`) cookies over plain http on localhost only. */
let web: string;
let browser: Browser;
let auditorEmail: string;
const cspViolations: string[] = [];

async function newPage() {
  const opened = await offlinePage(browser);
  opened.cspViolations = cspViolations;
  return opened;
}

const shot = (page: Page, name: string) => screenshot(page, `console-auditor-${name}`);

/** The forms on the page that post, by action. */
const postingForms = (page: Page) => page.$$eval("form", (forms) => forms.filter((f: any) => (f.getAttribute("method") ?? "get").toLowerCase() === "post").map((f: any) => f.getAttribute("action") as string));

beforeAll(async () => {
  server = await dev.startLocalServer({ log });
  web = server.base.replace("127.0.0.1", "localhost");
  const { accessToken, testKey } = await dev.registerTenant(server.base);
  auditorEmail = await addConsoleUser(server.base, accessToken, "auditor");
  const ids: string[] = [];
  for (const lastName of ["VERIFIED", "VERIFIED", "REJECTED"]) ids.push(await dev.createVerification(server.base, testKey, { lastName }));
  const statuses: Map<string, string> = await dev.waitFinal(server.base, testKey, ids, { ms: 120_000 });
  expect([...statuses.values()]).toEqual(["verified", "verified", "not_verified"]);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
}, 30_000);

describe("the auditor pages in chromium", () => {
  it("an auditor sees the statistics as SVG charts with non-zero bars, and nothing that posts but sign-out", async () => {
    const { context, page } = await newPage();
    await signInAt(page, web, auditorEmail);
    const res = await page.goto(`${web}/console/stats?days=7&mode=test`);
    expect(res?.status()).toBe(200);
    expect(await page.textContent("#stat-created")).toBe("3");

    expect(await page.locator('figure.chart svg[role="img"]').count()).toBeGreaterThanOrEqual(5);
    // Drawn widths as the browser laid them out: verified (2) is twice not_verified (1).
    const widths = await page.$$eval("#chart-created-status rect.bar", (rects) => rects.map((r: any) => ({ value: Number(r.dataset.value), width: r.getBBox().width as number })));
    expect(widths.map((w) => w.value).sort()).toEqual([1, 2]);
    expect(widths.every((w) => w.width > 0)).toBe(true);
    const [one, two] = [widths.find((w) => w.value === 1)!, widths.find((w) => w.value === 2)!];
    expect(two.width / one.width).toBeCloseTo(2, 1);
    // The series and the reason codes have visible bars too; the svg occupies real space on the page.
    expect(await page.$$eval("#chart-created-series rect.bar", (rects) => rects.some((r: any) => r.getBBox().height > 0))).toBe(true);
    expect(await page.$$eval("#chart-reason-rates rect.bar", (rects) => rects.filter((r: any) => r.getBBox().width > 0).length)).toBeGreaterThanOrEqual(2);
    const box = await page.locator("#chart-created-status svg").boundingBox();
    expect(box && box.width > 100 && box.height > 20).toBe(true);

    expect(await postingForms(page)).toEqual(["/console/logout"]);
    await shot(page, "stats");
    await expectAccessible(page, "statistics");

    // The period form is a plain GET: choosing 30 days and both worlds reloads with the same cases counted.
    await page.selectOption("#s-days", "30");
    await page.selectOption("#s-mode", "");
    await Promise.all([page.waitForURL(/\/console\/stats\?days=30&mode=$/), page.click("form[action='/console/stats'] button[type=submit]")]);
    expect(await page.textContent("#stat-created")).toBe("3");
    await context.close();
  });

  it("an auditor sees the audit log with the chain intact, also when checked from the first event", async () => {
    const { context, page } = await newPage();
    await signInAt(page, web, auditorEmail);
    const res = await page.goto(`${web}/console/audit`);
    expect(res?.status()).toBe(200);
    expect(await page.getAttribute("#chain-verdict", "data-intact")).toBe("true");
    expect(await page.textContent("#chain-verdict")).toMatch(/Chain intact up to seq \d+, head signed at \d{4}-\d{2}-\d{2}T/);
    const rows = await page.locator("#audit-events tbody tr").count();
    expect(rows).toBeGreaterThan(3);
    expect(await page.textContent("#audit-events tbody tr:first-child")).toContain("auth.login");
    expect(await postingForms(page)).toEqual(["/console/logout"]);
    await shot(page, "audit");
    await expectAccessible(page, "audit log");

    await Promise.all([page.waitForURL(/check=full/), page.click("text=Check the whole log from the first event")]);
    expect(await page.getAttribute("#chain-verdict", "data-intact")).toBe("true");
    expect(await page.textContent("#chain-verdict")).toMatch(/covered all \d+ sealed events from the first/);
    await shot(page, "audit-full");
    await expectAccessible(page, "audit log, full check");
    await context.close();
  });

  it("no auditor page broke its Content-Security-Policy", () => {
    expect(cspViolations).toEqual([]);
  });
});
