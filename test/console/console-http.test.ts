/**
 * The console's HTTP behaviour inside workerd: the session cookie (its attributes, its binding to the refresh-token
 * family, logout revoking it, a role change applying at once), the CSRF checks on every POST, the roles (reviewer →
 * settings 403, auditor → no decision), the strict CSP, and images behind the session with `private, no-store`.
 * Cases reach manual_review through the test-mode sandbox (last name REVIEW), so no model runs.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant, TEST_PASSWORD } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

const ORIGIN = "https://api.test";
const COOKIE = "__Host-ekyc_console";

let tenant: TenantFixture;
let reviewer: { userId: string; email: string };
let auditor: { userId: string; email: string };
let testKey: Record<string, string>;

/** A same-origin form post, as a console page sends it. */
function form(fields: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN, "Sec-Fetch-Site": "same-origin", ...(cookie ? { Cookie: cookie } : {}), ...headers },
    redirect: "manual" as const,
  };
}

async function signIn(email: string): Promise<{ cookie: string; setCookie: string }> {
  const res = await call("/console/login", form({ email, password: TEST_PASSWORD }));
  expect(res.status, res.text).toBe(303);
  const setCookie = res.headers.get("Set-Cookie") ?? "";
  const value = /__Host-ekyc_console=([^;]+)/.exec(setCookie)?.[1];
  expect(value).toBeTruthy();
  return { cookie: `${COOKIE}=${value}`, setCookie };
}

/** The CSRF token the console put in a page's forms. */
async function csrfOf(cookie: string, path = "/console"): Promise<string> {
  const res = await call(path, { headers: { Cookie: cookie } });
  expect(res.status).toBe(200);
  const token = /name="csrf_token" value="([0-9a-f]+)"/.exec(res.text)?.[1];
  expect(token).toBeTruthy();
  return token as string;
}

async function reviewCase(): Promise<string> {
  const { id } = await createVerification(testKey, createBody({ applicant: { first_name: "Test", last_name: "REVIEW", date_of_birth: "1990-01-01", country: "GB" } }));
  await upload(testKey, id, "document_front", texturedJpeg());
  await upload(testKey, id, "selfie", texturedJpeg());
  await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: testKey });
  expect((await waitForFinal(testKey, id)).status).toBe("manual_review");
  return id;
}

const statusOf = async (id: string) => (await env.DB.prepare("SELECT status FROM verifications WHERE id = ?").bind(id).first<{ status: string }>())?.status;

beforeAll(async () => {
  tenant = await registerTenant();
  reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
  auditor = await createUserWithRole(tenant.accessToken, "auditor");
  testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
});

describe("console sign-in", () => {
  it("sets an HttpOnly, Secure, SameSite=Strict __Host- cookie holding a refresh token of a new family", async () => {
    const { setCookie, cookie } = await signIn(reviewer.email);
    expect(setCookie).toMatch(/^__Host-ekyc_console=rt_/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
    const page = await call("/console", { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(reviewer.email);
  });

  it("refuses a wrong password with the sign-in form again and no cookie", async () => {
    const res = await call("/console/login", form({ email: reviewer.email, password: "not the password at all" }));
    expect(res.status).toBe(401);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(res.text).toContain("Invalid email or password");
  });

  it("sends a visitor without a session to the sign-in page, and refuses a forged cookie the same way", async () => {
    for (const headers of [{}, { Cookie: `${COOKIE}=rt_forged` }] as Record<string, string>[]) {
      const res = await call("/console", { headers, redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/console/login");
    }
  });

  it("logout revokes the session's family: the same cookie no longer opens the console", async () => {
    const { cookie } = await signIn(reviewer.email);
    const token = await csrfOf(cookie);
    const out = await call("/console/logout", form({ csrf_token: token }, cookie));
    expect(out.status).toBe(303);
    expect(out.headers.get("Set-Cookie")).toMatch(/__Host-ekyc_console=;/);
    const after = await call("/console", { headers: { Cookie: cookie }, redirect: "manual" });
    expect(after.status).toBe(303);
    const hash = await sha256Hex(cookie.slice(COOKIE.length + 1));
    const row = await env.DB.prepare("SELECT revoked_at FROM refresh_tokens WHERE token_hash = ?").bind(hash).first<{ revoked_at: number | null }>();
    expect(row?.revoked_at).toBeTypeOf("number");
    // The refresh token cannot be used through the API either.
    expect((await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: cookie.slice(COOKIE.length + 1) } })).status).toBe(401);
  });

  it("applies a role change at once: a reviewer demoted to user is refused on the next request", async () => {
    const temp = await createUserWithRole(tenant.accessToken, "reviewer");
    const { cookie } = await signIn(temp.email);
    expect((await call("/console", { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await call(`/v1/users/${temp.userId}`, { method: "PATCH", headers: bearer(tenant.accessToken), json: { role: "user" } })).status).toBe(200);
    const res = await call("/console", { headers: { Cookie: cookie } });
    expect(res.status).toBe(403);
  });

  it("serves pages with a strict nonce CSP, no external origin, no framing and no caching", async () => {
    const { cookie } = await signIn(reviewer.email);
    const res = await call("/console", { headers: { Cookie: cookie } });
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=_-]{16,}'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/https?:/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.text).not.toMatch(/(src|href)="https?:/);
  });
});

describe("CSRF on every form", () => {
  it("refuses a post without the token, with a wrong token, and a cross-site post with the right token — nothing changes", async () => {
    const admin = await signIn(tenant.email);
    const token = await csrfOf(admin.cookie, "/console/settings");
    const fields = { verified_max: "20", reject_min: "80", retention_days: "40", abandoned_after_days: "7" };
    const attempts = [
      form(fields, admin.cookie),
      form({ ...fields, csrf_token: "0".repeat(64) }, admin.cookie),
      form({ ...fields, csrf_token: token }, admin.cookie, { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" }),
      form({ ...fields, csrf_token: token }, admin.cookie, { "Sec-Fetch-Site": "", Origin: "https://evil.example" }),
    ];
    for (const attempt of attempts) {
      const res = await call("/console/settings", attempt);
      expect(res.status).toBe(403);
      expect(res.text).toContain("Request refused");
    }
    const settings = await call("/v1/settings", { headers: bearer(tenant.accessToken) });
    expect(settings.data.version).toBe(0);
  });

  it("the token of one session does not work in another", async () => {
    const first = await signIn(tenant.email);
    const second = await signIn(tenant.email);
    const token = await csrfOf(first.cookie, "/console/settings");
    const res = await call("/console/settings", form({ verified_max: "20", reject_min: "80", retention_days: "40", abandoned_after_days: "7", csrf_token: token }, second.cookie));
    expect(res.status).toBe(403);
  });
});

describe("roles", () => {
  it("a reviewer opening settings gets a 403 page, and cannot post them either", async () => {
    const { cookie } = await signIn(reviewer.email);
    const res = await call("/console/settings", { headers: { Cookie: cookie } });
    expect(res.status).toBe(403);
    expect(res.text).toContain("Only admins");
    const token = await csrfOf(cookie);
    const post = await call("/console/settings", form({ verified_max: "20", reject_min: "80", retention_days: "40", abandoned_after_days: "7", csrf_token: token }, cookie));
    expect(post.status).toBe(403);
  });

  it("an auditor sees the case without a decision form, and a forged decision post is refused with the case unchanged", async () => {
    const id = await reviewCase();
    const { cookie } = await signIn(auditor.email);
    const page = await call(`/console/cases/${id}`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(id);
    expect(page.text).not.toContain(`action="/console/cases/${id}/decision"`);
    const token = await csrfOf(cookie);
    const res = await call(`/console/cases/${id}/decision`, form({ decision: "approve", reason_choice: "Document and selfie are consistent", csrf_token: token }, cookie));
    expect(res.status).toBe(403);
    expect(await statusOf(id)).toBe("manual_review");
  });

  it("a reviewer approves a case with a reason: the status, the review row and an audit event by the reviewer; a second decision → 409", async () => {
    const id = await reviewCase();
    const { cookie } = await signIn(reviewer.email);
    const token = await csrfOf(cookie, `/console/cases/${id}`);
    const res = await call(`/console/cases/${id}/decision`, form({ decision: "approve", reason_choice: "Document and selfie are consistent", reason: "checked by hand", csrf_token: token }, cookie));
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/console/cases/${id}?done=approve`);
    expect(await statusOf(id)).toBe("verified");
    const review = await env.DB.prepare("SELECT reviewer_id, reason FROM reviews WHERE verification_id = ?").bind(id).first<{ reviewer_id: string; reason: string }>();
    expect(review).toEqual({ reviewer_id: reviewer.userId, reason: "Document and selfie are consistent: checked by hand" });
    const audit = await call(`/v1/audit?target_id=${id}`, { headers: bearer(tenant.accessToken) });
    expect(audit.data.data.some((e: { actor_id: string }) => e.actor_id === reviewer.userId)).toBe(true);
    const after = await call(`/console/cases/${id}?done=approve`, { headers: { Cookie: cookie } });
    expect(after.text).toMatch(/id="case-status">verified</);
    expect(after.text).toContain("Decision recorded: approved.");
    // A second decision on a settled case changes nothing.
    const again = await call(`/console/cases/${id}/decision`, form({ decision: "reject", reason_choice: "Other", csrf_token: token }, cookie));
    expect(again.status).toBe(409);
    expect(await statusOf(id)).toBe("verified");
  });

  it("an admin sees validation errors on the settings form and nothing is saved; valid values save a new version", async () => {
    const { cookie } = await signIn(tenant.email);
    const token = await csrfOf(cookie, "/console/settings");
    const bad = await call("/console/settings", form({ verified_max: "80", reject_min: "20", retention_days: "abc", abandoned_after_days: "7", csrf_token: token }, cookie));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("Enter a whole number");
    expect(bad.text).toMatch(/value="abc"/);
    const inconsistent = await call("/console/settings", form({ verified_max: "80", reject_min: "20", retention_days: "30", abandoned_after_days: "7", csrf_token: token }, cookie));
    expect(inconsistent.status).toBe(400);
    expect(inconsistent.text).toContain("verified_max must be below reject_min");
    expect((await call("/v1/settings", { headers: bearer(tenant.accessToken) })).data.version).toBe(0);
    const good = await call("/console/settings", form({ verified_max: "25", reject_min: "75", retention_days: "45", abandoned_after_days: "7", csrf_token: token }, cookie));
    expect(good.status).toBe(303);
    const saved = (await call("/v1/settings", { headers: bearer(tenant.accessToken) })).data;
    expect(saved.version).toBe(1);
    expect(saved.settings.thresholds).toEqual({ verified_max: 25, reject_min: 75 });
    expect(saved.settings.retention_days).toBe(45);
  });
});

describe("claims, resubmission and internal notes", () => {
  it("a case claimed by one reviewer cannot be decided by another until released", async () => {
    const id = await reviewCase();
    const second = await createUserWithRole(tenant.accessToken, "reviewer");
    const holder = await signIn(reviewer.email);
    const other = await signIn(second.email);
    const holderToken = await csrfOf(holder.cookie);
    const otherToken = await csrfOf(other.cookie);
    const claimed = await call(`/console/cases/${id}/claim`, form({ csrf_token: holderToken }, holder.cookie));
    expect(claimed.status).toBe(303);
    const page = await call(`/console/cases/${id}`, { headers: { Cookie: other.cookie } });
    expect(page.text).toContain(`Another reviewer (${reviewer.userId}) holds this case`);
    const refused = await call(`/console/cases/${id}/decision`, form({ decision: "reject", reason_choice: "The document appears altered or forged", csrf_token: otherToken }, other.cookie));
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("Another reviewer is working on this case");
    expect(await statusOf(id)).toBe("manual_review");
    expect((await call(`/console/cases/${id}/unclaim`, form({ csrf_token: holderToken }, holder.cookie))).status).toBe(303);
    const decided = await call(`/console/cases/${id}/decision`, form({ decision: "reject", reason_choice: "The document appears altered or forged", csrf_token: otherToken }, other.cookie));
    expect(decided.status).toBe(303);
    expect(await statusOf(id)).toBe("not_verified");
  });

  it("requests a resubmission with a reason code and an internal note that reviewers see and auditors do not", async () => {
    const id = await reviewCase();
    const { cookie } = await signIn(reviewer.email);
    const token = await csrfOf(cookie);
    const missingCode = await call(`/console/cases/${id}/decision`, form({ decision: "request_resubmission", reason_code: "NOT_A_CODE", csrf_token: token }, cookie));
    expect(missingCode.status).toBe(400);
    expect(await statusOf(id)).toBe("manual_review");
    const res = await call(`/console/cases/${id}/decision`, form({ decision: "request_resubmission", reason_code: "SELFIE_UNUSABLE", note: "selfie is blurred; internal only", csrf_token: token }, cookie));
    expect(res.status).toBe(303);
    expect(await statusOf(id)).toBe("resubmission_requested");
    const page = await call(`/console/cases/${id}`, { headers: { Cookie: cookie } });
    expect(page.text).toContain("selfie is blurred; internal only");
    const audit = await signIn(auditor.email);
    const auditorPage = await call(`/console/cases/${id}`, { headers: { Cookie: audit.cookie } });
    expect(auditorPage.status).toBe(200);
    expect(auditorPage.text).not.toContain("selfie is blurred");
    const auditorToken = await csrfOf(audit.cookie);
    expect((await call(`/console/cases/${id}/notes`, form({ text: "auditor note", csrf_token: auditorToken }, audit.cookie))).status).toBe(403);
  });
});

describe("images behind the session", () => {
  it("streams the case's images with private, no-store to a signed-in user, and to nobody else", async () => {
    const id = await reviewCase();
    const { cookie } = await signIn(auditor.email);
    const img = await SELF.fetch(`${ORIGIN}/console/cases/${id}/media/document_front`, { headers: { Cookie: cookie } });
    expect(img.status).toBe(200);
    expect(img.headers.get("Content-Type")).toBe("image/jpeg");
    expect(img.headers.get("Cache-Control")).toBe("private, no-store");
    expect(new Uint8Array(await img.arrayBuffer()).slice(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
    const anonymous = await call(`/console/cases/${id}/media/document_front`, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    const other = await registerTenant();
    const stranger = await signIn(other.email);
    expect((await call(`/console/cases/${id}/media/document_front`, { headers: { Cookie: stranger.cookie } })).status).toBe(404);
    expect((await call(`/console/cases/${id}`, { headers: { Cookie: stranger.cookie } })).status).toBe(404);
    expect((await call(`/console/cases/${id}/media/passport`, { headers: { Cookie: cookie } })).status).toBe(404);
  });
});

describe("settings form", () => {
  it("saves weights, a code's hard rule, the vision model and the retry schedule as one audited version naming what changed", async () => {
    const fresh = await registerTenant();
    const { cookie } = await signIn(fresh.email);
    const pageRes = await call("/console/settings", { headers: { Cookie: cookie } });
    // Every setting is on the form, pre-filled with the current value.
    expect(pageRes.text).toMatch(/id="weight\.face"[^>]*value="4"|value="4"[^>]*id="weight\.face"/);
    expect(pageRes.text).toContain('name="rule.EXIF_EDITED"');
    expect(pageRes.text).toContain('name="vision_model"');
    const fields = Object.fromEntries([...pageRes.text.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const selects = Object.fromEntries([...pageRes.text.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)].map((m) => [m[1], /<option value="([^"]+)" selected/.exec(m[2])?.[1] ?? ""]));
    const posted = { ...fields, ...selects, "weight.ela": "3", "rule.EXIF_EDITED": "reject", vision_model: "@cf/google/gemma-3-12b-it", webhook_retry_schedule_seconds: "10, 60" };
    const res = await call("/console/settings", form(posted, cookie));
    expect(res.status, res.text.slice(0, 400)).toBe(303);

    const saved = (await call("/v1/settings", { headers: bearer(fresh.accessToken) })).data;
    expect(saved.version).toBe(1);
    expect(saved.settings.layer_weights.ela).toBe(3);
    expect(saved.settings.hard_fail_codes).toContain("EXIF_EDITED");
    expect(saved.settings.review_codes).not.toContain("EXIF_EDITED");
    expect(saved.settings.vision_model).toBe("@cf/google/gemma-3-12b-it");
    expect(saved.settings.webhook_retry_schedule_seconds).toEqual([10, 60]);
    expect(saved.settings.thresholds).toEqual({ verified_max: 30, reject_min: 70 });
    const audit = await call("/v1/audit?action=settings.updated", { headers: bearer(fresh.accessToken) });
    expect(audit.data.data).toHaveLength(1);
    expect([...audit.data.data[0].metadata.changed].sort()).toEqual(["hard_fail_codes", "layer_weights", "review_codes", "vision_model", "webhook_retry_schedule_seconds"]);
    // The page lists the saved version, by whom.
    const after = await call("/console/settings", { headers: { Cookie: cookie } });
    expect(after.text).toMatch(new RegExp(`<table[^>]*id="settings-history"[\\s\\S]*<td>1</td>[\\s\\S]*${fresh.userId}`));
  });

  it("shows a range error from the domain on its own field, keeps what was typed, and saves nothing", async () => {
    const fresh = await registerTenant();
    const { cookie } = await signIn(fresh.email);
    const token = await csrfOf(cookie, "/console/settings");
    const res = await call("/console/settings", form({ "weight.face": "250", minimum_age: "0", csrf_token: token }, cookie));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="weight\.face"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/id="minimum_age"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/value="250"/);
    expect((await call("/v1/settings", { headers: bearer(fresh.accessToken) })).data.version).toBe(0);
  });
});
