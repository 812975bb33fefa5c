/**
 * The browser tests' shared harness: Debian's chromium through playwright-core (never a downloaded browser), pages on
 * which every request to a host other than the loopback is aborted and recorded (the console and /docs must work
 * offline), Content-Security-Policy violations collected from the page's console, axe-core run in the page, and
 * screenshots under test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core"), "utf8");
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
/** Where every browser test saves its screenshots (git-ignored). */
export const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Debian's chromium, headless. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
}

export interface OfflinePage {
  context: BrowserContext;
  page: Page;
  /** Requests to non-loopback hosts, aborted. */
  aborted: string[];
  /** CSP violations the page reported. */
  cspViolations: string[];
}

/**
 * A fresh browser context and page in which only loopback, data: and blob: requests go through.
 *
 * @example
 * const { context, page, aborted, cspViolations } = await offlinePage(browser);
 */
export async function offlinePage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport });
  const aborted: string[] = [];
  const opened: OfflinePage = { context, page: undefined as unknown as Page, aborted, cspViolations: [] };
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || LOOPBACK.has(url.hostname)) return route.continue();
    aborted.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  opened.page = page;
  // Read through `opened`, so a caller may swap in a list shared by several pages.
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) opened.cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  return opened;
}

export type AxeNode = { html: string; target: string[] };
export type AxeViolation = { id: string; impact: string; help: string; nodes: AxeNode[] };

/**
 * axe-core's serious and critical violations on the page as it is now. axe is evaluated through the DevTools
 * protocol rather than added as a <script>, so the page's CSP stays strict.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run());
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ html: n.html.slice(0, 300), target: n.target })) }));
}

/** Fails the test when axe-core finds a serious or critical violation on the page, naming the page and the elements. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const found = await seriousViolations(page);
  const lines = found.flatMap((v) => v.nodes.slice(0, 5).map((n) => `${v.impact} ${v.id}: ${v.help} (${n.target.join(" ")})`));
  expect(lines, `${name}: axe serious/critical violations`).toEqual([]);
}

/** A full-page screenshot, test-results/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Whether the image matched by `selector` finished loading and decoded to real pixels. */
export const imageRendered = (page: Page, selector: string) => page.$eval(selector, (img: any) => img.complete === true && img.naturalWidth > 0);

/** The password every console test user gets. */
export const CONSOLE_PASSWORD = "Sufficiently-long-test-password-1";

/**
 * Signs in at /console/login and waits for the queue. `web` is the server as the browser addresses it: use
 * `localhost`, not 127.0.0.1, since Chromium keeps Secure (`__Host-`) cookies over plain http on localhost only.
 *
 * @example
 * await signIn(page, web, "reviewer@example.test");
 */
export async function signIn(page: Page, web: string, email: string, password = CONSOLE_PASSWORD): Promise<void> {
  await page.goto(`${web}/console/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${web}/console`), page.click("button[type=submit]")]);
}

/**
 * Adds a user with `role` to the tenant of `adminToken` through the API and returns the email.
 *
 * @example
 * const reviewer = await addConsoleUser(server.base, adminToken, "reviewer");
 */
export async function addConsoleUser(base: string, adminToken: string, role: "reviewer" | "auditor" | "admin"): Promise<string> {
  const email = `${role}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@test.edge-kyc.local`;
  const res = await fetch(`${base}/v1/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ email, name: `Console ${role}`, password: CONSOLE_PASSWORD, role }),
  });
  if (res.status !== 201) throw new Error(`add ${role}: ${res.status} ${await res.text()}`);
  return email;
}

export interface HookReceiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every POST to the hook path, in arrival order. */
  received: { body: string; headers: http.IncomingHttpHeaders }[];
  close(): void;
}

/**
 * A Node HTTP server on a free loopback port that answers 200 to webhooks POSTed to `hookPath` (and records them),
 * and serves `pages`: GET paths → HTML made from the request URL (e.g. a page of another origin that posts a form).
 *
 * @example
 * const hooks = await startHookReceiver("/hooks");
 * await api("POST", "/v1/webhook-endpoints", { url: `${hooks.origin}/hooks` });
 */
export async function startHookReceiver(hookPath: string, pages: Record<string, (url: URL) => string> = {}): Promise<HookReceiver> {
  const received: HookReceiver["received"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://receiver");
      if (req.method === "POST" && url.pathname === hookPath) {
        received.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
        res.writeHead(200).end("ok");
        return;
      }
      const page = req.method === "GET" ? pages[url.pathname] : undefined;
      if (page) {
        res.writeHead(200, { "content-type": "text/html" }).end(page(url));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${port}`, received, close: () => server.close() };
}
