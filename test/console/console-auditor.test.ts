/**
 * The console's auditor pages over HTTP inside workerd: /console/stats and /console/audit for admins and auditors
 * only; the statistics page shows what GET /v1/stats computes for the chosen period and world (summary, chart bars
 * and their tables); the audit log newest first with actor, action, target and time, paged with a cursor, filtered
 * by action and target id, nothing personal on it; the chain check shown as intact, and a row edited directly in
 * D1 shown as the break with its seq and reason. Both pages are read-only.
 * Cases come from the test-mode sandbox (the last name forces the outcome), so no model runs.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app/services";
import { auditEvents } from "../../src/db/schema";
import { HBAR } from "../../src/console/charts";
import { statsPeriod } from "../../src/console/auditor/stats-page";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant, TEST_PASSWORD } from "../helpers/identity";
import { createVerification } from "../helpers/verifications";
import { sandboxCase } from "../review/helpers";

const ORIGIN = "https://api.test";
const COOKIE = "__Host-ekyc_console";
const PLOT_WIDTH = HBAR.width - HBAR.labelWidth - HBAR.valueWidth;

type User = { userId: string; email: string; accessToken: string };
let tenant: TenantFixture;
let auditor: User;
let reviewer: User;
const cookies: Record<"admin" | "auditor" | "reviewer", string> = { admin: "", auditor: "", reviewer: "" };
const caseIds: string[] = [];

async function signIn(email: string): Promise<string> {
  const res = await call("/console/login", {
    method: "POST",
    body: new URLSearchParams({ email, password: TEST_PASSWORD }).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" },
    redirect: "manual",
  });
  expect(res.status, res.text).toBe(303);
  const value = /__Host-ekyc_console=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];
  expect(value).toBeTruthy();
  return `${COOKIE}=${value}`;
}

const get = (path: string, cookie: string) => call(path, { headers: { Cookie: cookie }, redirect: "manual" });

/** Text content as the page shows it (hono escapes `&<>"'`). */
const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** One chart's figure, by id. */
function figure(html: string, id: string): string {
  const found = new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`).exec(html)?.[1];
  expect(found, `figure #${id}`).toBeTruthy();
  return found as string;
}

/** A chart's data table, label → shown value. */
const tableOf = (fig: string) => Object.fromEntries([...fig.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><\/tr>/g)].map((m) => [unescape(m[1]), unescape(m[2])]));
/** A chart's bars: value and drawn width. */
const barsOf = (fig: string) => [...fig.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="[^"]+" data-value="([^"]+)"/g)].map((m) => ({ width: Number(m[1]), value: Number(m[2]) }));
const textOf = (html: string, id: string) => unescape(new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? "");

/** The audit table's rows: seq, time, actor, action, target, details, as text. */
function auditRows(html: string) {
  return [...html.matchAll(/<tr data-seq="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => {
    const cells = [...m[2].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => unescape(c[1].replace(/<[^>]+>/g, "")).trim());
    return { seq: m[1], time: cells[1], actor: cells[2], action: cells[3], target: cells[4], details: cells[5], html: m[2] };
  });
}

beforeAll(async () => {
  tenant = await registerTenant();
  auditor = await createUserWithRole(tenant.accessToken, "auditor");
  reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
  const key = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
  for (const name of ["VERIFIED", "VERIFIED", "REJECTED", "REVIEW"]) caseIds.push((await sandboxCase(key, name)).id);
  await createVerification(key); // stays `created`
  const approved = await call(`/v1/verifications/${caseIds[3]}/review`, { method: "POST", headers: bearer(reviewer.accessToken), json: { decision: "approve", reason: "checked by hand" } });
  expect(approved.status).toBe(200);
  cookies.admin = await signIn(tenant.email);
  cookies.auditor = await signIn(auditor.email);
  cookies.reviewer = await signIn(reviewer.email);
}, 120_000);

describe("who may open the auditor pages", () => {
  it("admins and auditors get both pages; a reviewer gets a 403 page on each", async () => {
    for (const path of ["/console/stats", "/console/audit"]) {
      for (const who of ["admin", "auditor"] as const) {
        const res = await get(path, cookies[who]);
        expect(res.status, `${who} ${path}`).toBe(200);
        expect(res.headers.get("Cache-Control")).toBe("no-store");
      }
      const refused = await get(path, cookies.reviewer);
      expect(refused.status, `reviewer ${path}`).toBe(403);
      expect(refused.text).toContain("Not allowed");
      expect(refused.text).not.toContain("<svg");
      expect(refused.text).not.toContain("audit-events");
    }
  });

  it("a visitor without a session is sent to the sign-in page", async () => {
    for (const path of ["/console/stats", "/console/audit"]) {
      const res = await call(path, { redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/console/login");
    }
  });

  it("is read-only: no form posts anywhere but sign-out, and a post with a valid CSRF token finds no route", async () => {
    for (const path of ["/console/stats", "/console/audit"]) {
      const res = await get(path, cookies.auditor);
      const posts = [...res.text.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)].map((m) => m[1]);
      expect(posts).toEqual(["/console/logout"]);
      const token = /name="csrf_token" value="([0-9a-f]+)"/.exec(res.text)?.[1] ?? "";
      const posted = await call(path, {
        method: "POST",
        body: new URLSearchParams({ csrf_token: token, days: "7" }).toString(),
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin", Cookie: cookies.auditor },
        redirect: "manual",
      });
      expect(posted.status).toBe(404);
    }
  });
});

describe("statistics page", () => {
  /** GET /v1/stats over the period the page uses for "the last `days` days". */
  const apiStats = async (days: 7 | 30 | 90, mode?: string) => {
    const { from, to } = statsPeriod(Date.now(), days);
    const query = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(mode ? { mode } : {}) });
    const res = await call(`/v1/stats?${query}`, { headers: bearer(auditor.accessToken) });
    expect(res.status).toBe(200);
    return res.data;
  };

  it("shows the counts GET /v1/stats computes for the chosen period and world, in the summary, the charts and their tables", async () => {
    const res = await get("/console/stats?days=7&mode=test", cookies.auditor);
    expect(res.status).toBe(200);
    const api = await apiStats(7, "test");
    expect(api.created.total).toBe(5);
    expect(textOf(res.text, "stat-created")).toBe(String(api.created.total));
    expect(textOf(res.text, "stat-completed")).toBe(String(api.completed.total));
    expect(textOf(res.text, "stat-reviews")).toBe("1");
    expect(textOf(res.text, "stat-processing")).toMatch(new RegExp(`over ${api.completed.processing_time_ms.count} verifications`));
    // The period shown is the one chosen: 7 whole UTC days, today the last.
    expect(res.text).toContain(`${api.period.from.slice(0, 10)} to ${new Date().toISOString().slice(0, 10)} (UTC days, today included)`);
    expect(res.text).toMatch(/<option value="7" selected="">Last 7 days<\/option>/);

    const byStatus = figure(res.text, "chart-created-status");
    const nonZero = Object.fromEntries(Object.entries(api.created.by_status as Record<string, number>).filter(([, n]) => n > 0).map(([k, n]) => [k, String(n)]));
    expect(tableOf(byStatus)).toEqual(nonZero);
    expect(nonZero).toMatchObject({ verified: "3", not_verified: "1", created: "1" });
    // Bars proportional to the counts: the largest (verified: 3) fills the plot.
    const bars = barsOf(byStatus);
    const max = Math.max(...bars.map((b) => b.value));
    for (const b of bars) expect(b.width).toBeCloseTo((b.value / max) * PLOT_WIDTH, 1);
    expect(bars.every((b) => b.width > 0)).toBe(true);

    expect(tableOf(figure(res.text, "chart-created-mode"))).toEqual({ live: "0", test: "5" });
    const outcomes = tableOf(figure(res.text, "chart-outcome-rates"));
    expect(outcomes.verified).toBe(`${(api.completed.rates.verified * 100).toFixed(1)} % (${api.completed.by_status.verified})`);
    const reasons = tableOf(figure(res.text, "chart-reason-rates"));
    for (const r of api.completed.reason_codes as { code: string; count: number; rate: number }[]) expect(reasons[r.code]).toBe(`${(r.rate * 100).toFixed(1)} % (${r.count})`);
    expect(Object.keys(reasons)).toContain("SANDBOX_VERIFIED");
    expect(tableOf(figure(res.text, "chart-review-rates")).approve).toBe("100.0 % (1)");
    // The series splits the same period: its bars add up to the total.
    const series = tableOf(figure(res.text, "chart-created-series"));
    expect(Object.keys(series)).toHaveLength(7);
    expect(Object.values(series).reduce((sum, n) => sum + Number(n), 0)).toBe(api.created.total);
    // Calendar days: everything was created today, the last bar.
    expect(series[new Date().toISOString().slice(5, 10)]).toBe(String(api.created.total));
  });

  it("another world or a longer period changes what is counted: live is empty, 90 days of both worlds holds everything", async () => {
    const live = await get("/console/stats?days=30&mode=live", cookies.admin);
    expect(textOf(live.text, "stat-created")).toBe("0");
    expect(figure(live.text, "chart-created-status")).toContain("Nothing in this period.");
    expect(textOf(live.text, "stat-processing")).toBe("no verification decided in this period");
    expect(live.text).not.toContain("NaN");

    const all = await get("/console/stats?days=90", cookies.admin);
    expect(textOf(all.text, "stat-created")).toBe(String((await apiStats(90)).created.total));
    expect(Object.keys(tableOf(figure(all.text, "chart-created-series")))).toHaveLength(9);
  });

  it("refuses a period or world it does not offer with a 400 page", async () => {
    for (const [query, words] of [
      ["?days=12", "Choose a period of 7, 30 or 90 days."],
      ["?days=abc", "Choose a period of 7, 30 or 90 days."],
      ["?mode=staging", "Choose live, test, or both worlds."],
    ] as const) {
      const res = await get(`/console/stats${query}`, cookies.auditor);
      expect(res.status, query).toBe(400);
      expect(res.text).toContain(words);
      expect(res.text).not.toContain("<svg");
    }
  });
});

describe("audit log page", () => {
  it("lists events newest first with actor, action, target and time, and shows the chain intact with its signed head", async () => {
    const res = await get("/console/audit", cookies.auditor);
    expect(res.status).toBe(200);
    const rows = auditRows(res.text);
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs.every(Number.isInteger)).toBe(true);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const head = await env.DB.prepare("SELECT seq, updated_at FROM audit_heads WHERE tenant_id = ?").bind(tenant.tenantId).first<{ seq: number; updated_at: number }>();
    expect(seqs[0]).toBe(head!.seq);
    expect(res.text).toContain(`Chain intact up to seq ${head!.seq}, head signed at ${new Date(head!.updated_at).toISOString()}.`);
    expect(res.text).toMatch(/data-intact="true"/);

    // The auditor's own console sign-in, as GET /v1/audit shows it.
    const login = rows.find((r) => r.action === "auth.login" && r.actor.includes(auditor.userId));
    expect(login).toMatchObject({ actor: `user ${auditor.userId}`, target: `user ${auditor.userId}`, details: "via: console" });
    expect(login!.time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it("pages with the cursor: the next page continues below the last seq shown, keeping the filter", async () => {
    const s = createServices(env);
    for (let n = 0; n < 60; n++) {
      await s.db.insert(auditEvents).values(await s.audit.pendingRow({ tenantId: tenant.tenantId, actorType: "system", action: "test.filler", targetType: "tenant", targetId: tenant.tenantId, metadata: { n } }));
    }
    const first = await get("/console/audit?action=test.filler", cookies.auditor);
    const rows = auditRows(first.text);
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.action === "test.filler")).toBe(true);
    // The pending rows were sealed before listing: the newest filler (n = 59) is first, with a seq.
    expect(rows[0].details).toBe("n: 59");
    const next = /<a href="([^"]+)" rel="next">Older events<\/a>/.exec(first.text)?.[1];
    expect(next && unescape(next)).toBe(`/console/audit?action=test.filler&cursor=${rows[49].seq}`);
    const second = await get(unescape(next!), cookies.auditor);
    const more = auditRows(second.text);
    expect(more).toHaveLength(10);
    expect(Number(more[0].seq)).toBe(Number(rows[49].seq) - 1);
    expect(more.at(-1)!.details).toBe("n: 0");
    expect(second.text).not.toContain('rel="next"');
  });

  it("filters by target id, linking a verification to its case, and shows no personal data", async () => {
    const id = caseIds[3];
    const res = await get(`/console/audit?target_id=${id}`, cookies.auditor);
    const rows = auditRows(res.text);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.target === `verification ${id}`)).toBe(true);
    // The reviewer's approval, by its actor.
    expect(rows.find((r) => r.actor === `user ${reviewer.userId}`)?.action).toBe("verification.verified");
    expect(res.text).toContain(`<a href="/console/cases/${id}">${id}</a>`);
    // The applicant's date of birth, the other users' emails, the review's free-text reason: none of it.
    const whole = await get("/console/audit", cookies.auditor);
    for (const page of [res.text, whole.text]) {
      expect(page).not.toContain("1990-01-01");
      expect(page).not.toContain(reviewer.email);
      expect(page).not.toContain("checked by hand");
    }
  });

  it("refuses filters it cannot use with a 400 page", async () => {
    for (const [query, words] of [
      ["?cursor=abc", "That page link is not valid"],
      [`?action=${"a".repeat(101)}`, "at most 100 characters"],
      [`?target_id=${"v".repeat(65)}`, "at most 64 characters"],
    ] as const) {
      const res = await get(`/console/audit${query}`, cookies.auditor);
      expect(res.status, query).toBe(400);
      expect(res.text).toContain(words);
    }
  });

  it("shows the break, its seq and reason when a sealed row was edited in D1", async () => {
    const other = await registerTenant();
    await createApiKey(other.accessToken);
    const admin = await signIn(other.email);
    const before = await get("/console/audit", admin);
    expect(before.text).toMatch(/data-intact="true"/);
    expect(before.text).toContain("Check the whole log from the first event");

    const edited = await env.DB.prepare(`UPDATE audit_events SET metadata = '{"tampered":true}' WHERE tenant_id = ? AND seq = 2`).bind(other.tenantId).run();
    expect(edited.meta.changes).toBe(1);
    const after = await get("/console/audit?check=full", admin);
    expect(after.status).toBe(200);
    expect(after.text).toMatch(/data-intact="false"/);
    expect(unescape(after.text)).toContain("Chain broken at seq 2: the event was changed after it was sealed");
    expect(after.text).toContain("Reason code content_changed");
    expect(after.text).not.toContain("Chain intact");
    // The edited row itself is shown as it now reads.
    expect(auditRows(after.text).find((r) => r.seq === "2")?.details).toBe("tampered: true");
    // The filter links keep asking for the full check only where it was asked for.
    expect(after.text).toContain("Checked from the first event.");
  });
});
