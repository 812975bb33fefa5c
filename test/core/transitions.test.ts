/**
 * A status transition and what accompanies it commit together or not at all: a review with a failing audit or
 * outbox port leaves no status change, no review row and no audit event, and a retry then records all three;
 * two transitions racing from the same state leave exactly one history row, one audit event and one outbox row.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { memoryOutbox } from "../../src/adapters/memory/twins";
import { InjectedFault } from "../../src/adapters/memory/twins";
import { createServices } from "../../src/app/services";
import type { Services } from "../../src/app/services";
import type { Principal } from "../../src/types";
import { loadForSystem } from "../../src/verifications/repository";
import { reviewVerification } from "../../src/verifications/review";
import { commitTransition } from "../../src/verifications/transition";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { call } from "../helpers/http";
import { APPLICANT, createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let testKey: Record<string, string>;
let reviewer: Principal;

beforeAll(async () => {
  tenant = await registerTenant();
  testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
  reviewer = { type: "user", tenantId: tenant.tenantId, userId: tenant.userId, role: "admin" };
});

/** A case waiting for review (the sandbox's REVIEW outcome, through the real queue). */
async function caseInReview(): Promise<string> {
  const { id } = await createVerification(testKey, createBody({ applicant: { ...APPLICANT, last_name: "REVIEW" } }));
  await upload(testKey, id, "document_front", texturedJpeg(400, 300, 3));
  await upload(testKey, id, "selfie", texturedJpeg(300, 300, 4));
  await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: testKey });
  expect((await waitForFinal(testKey, id)).status).toBe("manual_review");
  return id;
}

async function counts(id: string) {
  const one = async (q: string) => ((await env.DB.prepare(q).bind(id).first<{ n: number }>())?.n ?? 0);
  return {
    status: (await env.DB.prepare("SELECT status FROM verifications WHERE id = ?").bind(id).first<{ status: string }>())?.status,
    reviews: await one("SELECT count(*) AS n FROM reviews WHERE verification_id = ?"),
    history: await one("SELECT count(*) AS n FROM verification_transitions WHERE verification_id = ? AND to_status IN ('verified', 'not_verified')"),
    audit: await one("SELECT count(*) AS n FROM audit_events WHERE target_id = ? AND action IN ('verification.verified', 'verification.not_verified')"),
    outbox: await one("SELECT count(*) AS n FROM outbox WHERE verification_id = ? AND type = 'verification.reviewed'"),
  };
}

const withPort = (patch: Partial<Services>): Services => ({ ...createServices(env), ...patch });

describe("a transition commits with its history, audit and outbox rows, or not at all", () => {
  it("a review whose audit port fails leaves no status change, no review and no audit event; the retry records all three", async () => {
    const id = await caseInReview();
    const real = createServices(env);
    const failingAudit = { ...real.audit, pendingRow: async () => Promise.reject(new InjectedFault("audit")) };
    const v = (await loadForSystem(real, tenant.tenantId, id))!;
    await expect(reviewVerification(withPort({ audit: failingAudit }), reviewer, v, { decision: "approve", reason: "documents match" }, { ip: null, userAgent: null, country: null })).rejects.toThrow(/injected/);
    expect(await counts(id)).toEqual({ status: "manual_review", reviews: 0, history: 0, audit: 0, outbox: 0 });

    const again = (await loadForSystem(real, tenant.tenantId, id))!;
    await reviewVerification(real, reviewer, again, { decision: "approve", reason: "documents match" }, { ip: null, userAgent: null, country: null });
    expect(await counts(id)).toEqual({ status: "verified", reviews: 1, history: 1, audit: 1, outbox: 1 });
  });

  it("a review whose outbox row D1 refuses inside the batch rolls the whole batch back; the retry succeeds", async () => {
    const id = await caseInReview();
    const real = createServices(env);
    const v = (await loadForSystem(real, tenant.tenantId, id))!;
    await expect(reviewVerification(withPort({ outbox: memoryOutbox({ failOn: "commit" }) }), reviewer, v, { decision: "reject", reason: "portrait pasted" }, { ip: null, userAgent: null, country: null })).rejects.toThrow();
    expect(await counts(id)).toEqual({ status: "manual_review", reviews: 0, history: 0, audit: 0, outbox: 0 });

    const again = (await loadForSystem(real, tenant.tenantId, id))!;
    await reviewVerification(real, reviewer, again, { decision: "reject", reason: "portrait pasted" }, { ip: null, userAgent: null, country: null });
    expect(await counts(id)).toEqual({ status: "not_verified", reviews: 1, history: 1, audit: 1, outbox: 1 });
  });

  it("when publishing fails after commit, the outbox row stays unpublished and the cron's catch-up publishes it", async () => {
    const id = await caseInReview();
    const real = createServices(env);
    const v = (await loadForSystem(real, tenant.tenantId, id))!;
    const brokenStream = { ...real.statusEvents, publish: async () => Promise.reject(new InjectedFault("stream")) };
    const { d1Outbox } = await import("../../src/adapters/d1/outbox");
    const s = withPort({ outbox: d1Outbox(real.db, brokenStream, real.clock) });
    await reviewVerification(s, reviewer, v, { decision: "approve", reason: "ok" }, { ip: null, userAgent: null, country: null });
    const unpublished = () => env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE verification_id = ? AND published_at IS NULL").bind(id).first<{ n: number }>();
    expect((await unpublished())?.n).toBe(1);

    const { catchUp } = await import("../../src/jobs/scheduled");
    await catchUp(real);
    expect((await unpublished())?.n).toBe(0);
    const events = await (await real.statusEvents.stream({ verificationId: id, tenantId: tenant.tenantId, lastEventId: "0" })).text();
    expect(events).toContain('"status":"verified"');
  });

  it("two racing transitions from the same state: exactly one history row, one audit event, one outbox row", async () => {
    const id = await caseInReview();
    const s = createServices(env);
    const a = (await loadForSystem(s, tenant.tenantId, id))!;
    const b = (await loadForSystem(s, tenant.tenantId, id))!;
    const results = await Promise.allSettled([
      commitTransition(s, a, { cause: "review", to: "verified", actor: { type: "user", id: tenant.userId }, set: { decision: "verified" } }),
      commitTransition(s, b, { cause: "review", to: "not_verified", actor: { type: "user", id: tenant.userId }, set: { decision: "not_verified" } }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled" && r.value === true).length;
    expect(won).toBe(1);
    const c = await counts(id);
    expect({ history: c.history, audit: c.audit, outbox: c.outbox }).toEqual({ history: 1, audit: 1, outbox: 1 });
    const row = await env.DB.prepare("SELECT status, decision FROM verifications WHERE id = ?").bind(id).first<{ status: string; decision: string }>();
    expect(row?.decision).toBe(row?.status);
  });
});
