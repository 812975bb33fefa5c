/**
 * The review API the console needs: the security suite on claim/unclaim and notes, claims between two reviewers,
 * the queue's filters, a full resubmission round trip in test mode with its webhook event, internal notes that API
 * keys never see and that erasure removes, and bad input refused with nothing changed.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { texturedJpeg } from "../helpers/images";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant } from "../helpers/identity";
import { createVerification, upload, waitForFinal } from "../helpers/verifications";
import { securitySuite } from "../security/suite";
import type { SuiteTenants } from "../security/suite";
import { sandboxCase } from "./helpers";

const ownVerification = async ({ owner }: SuiteTenants) => {
  const key = apiKeyHeader((await createApiKey(owner.accessToken)).key);
  return { verificationId: (await createVerification(key)).id };
};
const reviewers = { allowedRoles: ["reviewer", "admin"] as ("reviewer" | "admin")[], crossTenant: true };

securitySuite({ name: "POST /v1/verifications/{id}/claim", method: "POST", setup: ownVerification, path: (ctx) => `/v1/verifications/${ctx.verificationId}/claim`, ...reviewers });
securitySuite({ name: "DELETE /v1/verifications/{id}/claim", method: "DELETE", setup: ownVerification, path: (ctx) => `/v1/verifications/${ctx.verificationId}/claim`, ...reviewers });
securitySuite({
  name: "POST /v1/verifications/{id}/notes",
  method: "POST",
  setup: ownVerification,
  path: (ctx) => `/v1/verifications/${ctx.verificationId}/notes`,
  body: () => ({ text: "checked the hologram" }),
  ...reviewers,
});
securitySuite({ name: "GET /v1/verifications/{id}/notes", method: "GET", setup: ownVerification, path: (ctx) => `/v1/verifications/${ctx.verificationId}/notes`, ...reviewers });

let tenant: TenantFixture;
let testKey: Record<string, string>;
let r1: { userId: string; accessToken: string };
let r2: { userId: string; accessToken: string };

beforeAll(async () => {
  tenant = await registerTenant();
  testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
  [r1, r2] = await Promise.all([createUserWithRole(tenant.accessToken, "reviewer"), createUserWithRole(tenant.accessToken, "reviewer")]);
});

const post = (token: string, path: string, json?: unknown) => call(path, { method: "POST", headers: bearer(token), json });
const auditActions = async (id: string) =>
  (await env.DB.prepare("SELECT action, actor_id, metadata FROM audit_events WHERE target_id = ? ORDER BY created_at, id").bind(id).all<{ action: string; actor_id: string; metadata: string }>()).results;
const reviewCount = async (id: string) => (await env.DB.prepare("SELECT count(*) AS n FROM reviews WHERE verification_id = ?").bind(id).first<{ n: number }>())?.n;

describe("claims", () => {
  it("one reviewer at a time: another's claim and decision get 409 with who and until when; released, the other can claim and decide", async () => {
    const v = await sandboxCase(testKey);
    expect(v.status).toBe("manual_review");

    const first = await post(r1.accessToken, `/v1/verifications/${v.id}/claim`);
    expect(first.status, first.text).toBe(200);
    expect(first.data.claimed_by).toBe(r1.userId);
    const until = Date.parse(first.data.claimed_until);
    expect(until - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    const taken = expectErrorShape(await post(r2.accessToken, `/v1/verifications/${v.id}/claim`), 409, "CONFLICT");
    expect(taken.details).toMatchObject({ claimed_by: r1.userId, claimed_until: first.data.claimed_until });
    const decided = expectErrorShape(await post(r2.accessToken, `/v1/verifications/${v.id}/review`, { decision: "reject", reason: "portrait looks pasted" }), 409, "CONFLICT");
    expect(decided.details?.claimed_by).toBe(r1.userId);
    expectErrorShape(await call(`/v1/verifications/${v.id}/claim`, { method: "DELETE", headers: bearer(r2.accessToken) }), 409, "CONFLICT");
    expect((await call(`/v1/verifications/${v.id}`, { headers: testKey })).data.status).toBe("manual_review");
    expect(await reviewCount(v.id)).toBe(0);

    // The queue shows the claim; `unclaimed=true` leaves the case out.
    const queue = await call("/v1/review/queue?mode=test", { headers: bearer(r2.accessToken) });
    expect(queue.data.data.find((q: { id: string }) => q.id === v.id)).toMatchObject({ claimed_by: r1.userId, claimed_until: first.data.claimed_until });
    const unclaimed = await call("/v1/review/queue?mode=test&unclaimed=true", { headers: bearer(r2.accessToken) });
    expect(unclaimed.data.data.map((q: { id: string }) => q.id)).not.toContain(v.id);

    // Claiming again renews the holder's claim.
    await new Promise((r) => setTimeout(r, 5));
    const renewed = await post(r1.accessToken, `/v1/verifications/${v.id}/claim`);
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.data.claimed_until)).toBeGreaterThan(until);

    const released = await call(`/v1/verifications/${v.id}/claim`, { method: "DELETE", headers: bearer(r1.accessToken) });
    expect(released.status, released.text).toBe(200);
    expect(released.data).toEqual({ claimed_by: null, claimed_until: null });
    expect((await post(r2.accessToken, `/v1/verifications/${v.id}/claim`)).status).toBe(200);
    const approved = await post(r2.accessToken, `/v1/verifications/${v.id}/review`, { decision: "approve", reason: "Document checked by hand" });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.data).toMatchObject({ status: "verified", review: { decision: "approve", reviewer_id: r2.userId, reason_code: null } });
    const row = await env.DB.prepare("SELECT claimed_by, claimed_until FROM verifications WHERE id = ?").bind(v.id).first();
    expect(row).toEqual({ claimed_by: null, claimed_until: null });

    // Audited with ids and times only.
    const audit = await auditActions(v.id);
    expect(audit.filter((a) => a.action === "verification.claimed").map((a) => a.actor_id)).toEqual([r1.userId, r1.userId, r2.userId]);
    expect(audit.filter((a) => a.action === "verification.unclaimed").map((a) => a.actor_id)).toEqual([r1.userId]);
    for (const a of audit.filter((row) => row.action.endsWith("claimed"))) expect(Object.keys(JSON.parse(a.metadata)).sort()).toEqual(a.action === "verification.claimed" ? ["renewed", "until"] : ["forced", "holder"]);
  });

  it("a case can only be claimed while it waits for review, and an admin can release another reviewer's claim", async () => {
    const created = await createVerification(testKey);
    expectErrorShape(await post(r1.accessToken, `/v1/verifications/${created.id}/claim`), 409, "INVALID_TRANSITION");

    const v = await sandboxCase(testKey);
    expect((await post(r1.accessToken, `/v1/verifications/${v.id}/claim`)).status).toBe(200);
    const forced = await call(`/v1/verifications/${v.id}/claim`, { method: "DELETE", headers: bearer(tenant.accessToken) });
    expect(forced.status).toBe(200);
    expect((await post(r2.accessToken, `/v1/verifications/${v.id}/claim`)).data.claimed_by).toBe(r2.userId);
    const audit = await auditActions(v.id);
    expect(JSON.parse(audit.find((a) => a.action === "verification.unclaimed")!.metadata)).toMatchObject({ holder: r1.userId, forced: true });
  });
});

describe("the review queue", () => {
  it("lists oldest first and filters by mode, reason code and age", async () => {
    const fresh = await registerTenant();
    const key = apiKeyHeader((await createApiKey(fresh.accessToken, { mode: "test" })).key);
    const a = await sandboxCase(key);
    const b = await sandboxCase(key);
    await sandboxCase(key, "VERIFIED");
    const ids = async (query: string) => (await call(`/v1/review/queue${query}`, { headers: bearer(fresh.accessToken) })).data.data.map((q: { id: string }) => q.id);
    expect(await ids("")).toEqual([a.id, b.id]);
    expect(await ids("?mode=test&reason=SANDBOX_REVIEW&unclaimed=true")).toEqual([a.id, b.id]);
    expect(await ids("?mode=live")).toEqual([]);
    expect(await ids("?reason=FACE_MISMATCH")).toEqual([]);
    expect(await ids("?older_than=60")).toEqual([]);
    expect(await ids("?older_than=0")).toEqual([a.id, b.id]);
    const item = (await call("/v1/review/queue?limit=1", { headers: bearer(fresh.accessToken) })).data;
    expect(item.data[0]).toMatchObject({ id: a.id, reasons: ["SANDBOX_REVIEW"], claimed_by: null, claimed_until: null });
    expect(item.next_cursor).toBe(a.id);
  });

  it("refuses unknown filter values with 400", async () => {
    for (const query of ["?reason=NOT_A_CODE", "?mode=staging", "?older_than=-5", "?unclaimed=yes"]) {
      expectErrorShape(await call(`/v1/review/queue${query}`, { headers: bearer(r1.accessToken) }), 400, "VALIDATION_ERROR");
    }
  });
});

describe("resubmission", () => {
  it("round trip in test mode: REVIEW → request_resubmission → upload again → submit → reviewed again, with its webhook event and the whole history", async () => {
    const v = await sandboxCase(testKey);
    const firstMedia = v.media.find((m: { kind: string }) => m.kind === "document_front").media_id;
    // Not yet: images cannot change while the case waits for review.
    expectErrorShape(await upload(testKey, v.id, "document_front", texturedJpeg(320, 240, 7)), 409, "INVALID_TRANSITION");

    const asked = await post(r1.accessToken, `/v1/verifications/${v.id}/review`, { decision: "request_resubmission", reason_code: "DOCUMENT_UNREADABLE", reason: "Glare over the name", note: "third attempt from this device" });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.data).toMatchObject({ status: "resubmission_requested", decision: null, review: { decision: "request_resubmission", reason_code: "DOCUMENT_UNREADABLE", reason: "Glare over the name" } });
    expect(JSON.stringify(asked.data)).not.toContain("third attempt");
    // Not final: it cannot be decided again, and it shows under the status filter.
    expectErrorShape(await post(r1.accessToken, `/v1/verifications/${v.id}/review`, { decision: "approve", reason: "changed my mind" }), 409, "INVALID_TRANSITION");
    const listed = await call("/v1/verifications?status=resubmission_requested", { headers: testKey });
    expect(listed.data.data.map((x: { id: string }) => x.id)).toContain(v.id);

    const again = await upload(testKey, v.id, "document_front", texturedJpeg(320, 240, 9));
    expect(again.status, again.text).toBe(201);
    expect(again.data.media_id).not.toBe(firstMedia);
    const submitted = await call(`/v1/verifications/${v.id}/submit`, { method: "POST", headers: testKey });
    expect(submitted.status, submitted.text).toBe(202);
    const rerun = await waitForFinal(testKey, v.id);
    expect(rerun.status).toBe("manual_review");
    expect(rerun.media.filter((m: { kind: string }) => m.kind === "document_front").map((m: { media_id: string }) => m.media_id)).toEqual([again.data.media_id]);

    const approved = await post(r2.accessToken, `/v1/verifications/${v.id}/review`, { decision: "approve", reason: "New photo is clear" });
    expect(approved.data.status).toBe("verified");
    expect(approved.data.history.map((h: { to: string }) => h.to)).toEqual(["submitted", "processing", "manual_review", "resubmission_requested", "submitted", "processing", "manual_review", "verified"]);
    expect(approved.data.history[3]).toMatchObject({ from: "manual_review", reason: "DOCUMENT_UNREADABLE" });
    expect(await reviewCount(v.id)).toBe(2);

    const events = await call(`/v1/events?limit=100`, { headers: testKey });
    expect(events.status, events.text).toBe(200);
    const mine = events.data.data.filter((e: { data: { verification_id?: string } }) => e.data.verification_id === v.id);
    const resub = mine.find((e: { type: string }) => e.type === "verification.resubmission_requested");
    expect(resub?.data).toMatchObject({ status: "resubmission_requested", previous_status: "manual_review", reason: "DOCUMENT_UNREADABLE" });
    expect(mine.map((e: { type: string }) => e.type)).toContain("verification.reviewed");
    expect(JSON.stringify(events.data)).not.toMatch(/third attempt|Glare/);
  });
});

describe("bad review input is refused with 400 and changes nothing", () => {
  it("unknown decision, missing reason or reason code, unknown reason code, a note too long", async () => {
    const v = await sandboxCase(testKey);
    const cases: [unknown, string][] = [
      [{ decision: "escalate", reason: "not a decision" }, "decision"],
      [{ decision: "approve" }, "reason"],
      [{ decision: "request_resubmission", reason: "please retake" }, "reason_code"],
      [{ decision: "request_resubmission", reason_code: "BAD_HAIR_DAY" }, "reason_code"],
      [{ decision: "reject", reason: "x".repeat(1001) }, "reason"],
      [{ decision: "reject", reason: "tampered", reason_code: "OTHER" }, "reason_code"],
      [{ decision: "approve", reason: "fine", note: "n".repeat(2001) }, "note"],
      [{ decision: "approve", reason: "fine", extra: true }, "(body)"],
    ];
    for (const [body, field] of cases) {
      const error = expectErrorShape(await post(r1.accessToken, `/v1/verifications/${v.id}/review`, body), 400, "VALIDATION_ERROR");
      expect(Object.keys(error.details?.fields ?? {}).join(","), JSON.stringify(body)).toContain(field);
    }
    for (const body of [{ text: "" }, { text: "   " }, { text: "n".repeat(2001) }, {}, { text: 42 }]) {
      const error = expectErrorShape(await post(r1.accessToken, `/v1/verifications/${v.id}/notes`, body), 400, "VALIDATION_ERROR");
      expect(Object.keys(error.details?.fields ?? {}), JSON.stringify(body)).toContain("text");
    }
    expect((await call(`/v1/verifications/${v.id}`, { headers: testKey })).data.status).toBe("manual_review");
    expect(await reviewCount(v.id)).toBe(0);
    expect((await call(`/v1/verifications/${v.id}/notes`, { headers: bearer(r1.accessToken) })).data.data).toEqual([]);
  });
});

describe("internal notes", () => {
  it("reviewers read them; API keys and the verification's view never show them; stored encrypted; erased with the verification and counted in the receipt", async () => {
    const v = await sandboxCase(testKey);
    const text = "Applicant called support twice, sounded coached";
    const added = await post(r1.accessToken, `/v1/verifications/${v.id}/notes`, { text });
    expect(added.status, added.text).toBe(201);
    expect(added.data).toMatchObject({ author_id: r1.userId, text, review_id: null });
    const decided = await post(r2.accessToken, `/v1/verifications/${v.id}/review`, { decision: "reject", reason: "Selfie is a photo of a screen", note: "matches the pattern from last week" });
    expect(decided.status, decided.text).toBe(200);

    const notes = await call(`/v1/verifications/${v.id}/notes`, { headers: bearer(tenant.accessToken) });
    expect(notes.data.data.map((n: { text: string }) => n.text)).toEqual([text, "matches the pattern from last week"]);
    expect(notes.data.data[1]).toMatchObject({ author_id: r2.userId, review_id: expect.stringMatching(/^rev_/) });

    const keyRead = await call(`/v1/verifications/${v.id}/notes`, { headers: testKey });
    expectErrorShape(keyRead, 403, "FORBIDDEN");
    const view = await call(`/v1/verifications/${v.id}`, { headers: testKey });
    expect(view.text).not.toMatch(/coached|last week/);
    const stored = await env.DB.prepare("SELECT text_enc FROM review_notes WHERE verification_id = ?").bind(v.id).all<{ text_enc: string }>();
    expect(stored.results).toHaveLength(2);
    for (const r of stored.results) expect(r.text_enc).not.toMatch(/coached|last week/);
    const audit = await auditActions(v.id);
    expect(audit.filter((a) => a.action === "verification.note_added")).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toMatch(/coached|last week|screen/);

    const erased = await call(`/v1/verifications/${v.id}`, { method: "DELETE", headers: testKey });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.data.payload.erased_fields).toContain("review.internal_notes");
    expect(erased.data.payload.review_notes_erased).toBe(3); // the review's reason and two notes
    const left = await env.DB.prepare("SELECT count(*) AS n FROM review_notes WHERE verification_id = ?").bind(v.id).first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect((await call(`/v1/verifications/${v.id}/notes`, { headers: bearer(r1.accessToken) })).data.data).toEqual([]);
    expectErrorShape(await post(r1.accessToken, `/v1/verifications/${v.id}/notes`, { text: "after erasure" }), 409, "CONFLICT");
  });
});
