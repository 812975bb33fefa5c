/**
 * GET /v1/stats against a handful of sandbox verifications in a fresh tenant: counts by status and mode, outcome
 * and review-decision rates, reason-code rates and processing-time percentiles that match the rows themselves;
 * the security suite; and bad periods refused.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { percentileOffset } from "../../src/stats/stats";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant } from "../helpers/identity";
import { createVerification } from "../helpers/verifications";
import { sandboxCase } from "../review/helpers";
import { securitySuite } from "../security/suite";

securitySuite({ name: "GET /v1/stats", method: "GET", path: () => "/v1/stats", allowedRoles: ["admin", "auditor"] });

describe("GET /v1/stats", () => {
  let tenant: TenantFixture;
  let auditor: { accessToken: string };
  let started: number;
  const ids: string[] = [];

  beforeAll(async () => {
    tenant = await registerTenant();
    auditor = await createUserWithRole(tenant.accessToken, "auditor");
    const key = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
    started = Date.now() - 1000;
    for (const name of ["VERIFIED", "VERIFIED", "REJECTED", "REVIEW", "REVIEW"]) ids.push((await sandboxCase(key, name)).id);
    await createVerification(key); // stays `created`
    const reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
    const review = (id: string, json: unknown) => call(`/v1/verifications/${id}/review`, { method: "POST", headers: bearer(reviewer.accessToken), json });
    expect((await review(ids[3], { decision: "approve", reason: "checked by hand" })).status).toBe(200);
    expect((await review(ids[4], { decision: "request_resubmission", reason_code: "SELFIE_UNUSABLE" })).status).toBe(200);
  }, 120_000);

  const stats = (query: string, token = auditor.accessToken) => call(`/v1/stats${query}`, { headers: bearer(token) });
  const period = () => `from=${new Date(started).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;

  it("counts match the sandbox verifications created for it", async () => {
    const res = await stats(`?mode=test&${period()}`);
    expect(res.status, res.text).toBe(200);
    const s = res.data;
    expect(s.mode).toBe("test");
    expect(s.created.total).toBe(6);
    expect(s.created.by_status).toMatchObject({ created: 1, verified: 3, not_verified: 1, resubmission_requested: 1, manual_review: 0 });
    expect(s.created.by_mode).toEqual({ live: 0, test: 6 });
    expect(s.completed.total).toBe(5);
    expect(s.completed.by_status).toMatchObject({ verified: 3, not_verified: 1, resubmission_requested: 1 });
    expect(s.completed.rates).toMatchObject({ verified: 0.6, not_verified: 0.2, resubmission_requested: 0.2 });
    expect(s.reviews).toMatchObject({ total: 2, by_decision: { approve: 1, reject: 0, request_resubmission: 1 }, rates: { approve: 0.5, request_resubmission: 0.5 } });
    expect(s.reviews.resubmission_reasons).toMatchObject({ SELFIE_UNUSABLE: 1, DOCUMENT_UNREADABLE: 0 });
    expect(s.completed.reason_codes).toEqual([
      { code: "SANDBOX_REVIEW", count: 2, rate: 0.4 },
      { code: "SANDBOX_VERIFIED", count: 2, rate: 0.4 },
      { code: "SANDBOX_REJECTED", count: 1, rate: 0.2 },
    ]);
  });

  it("processing-time percentiles are the nearest-rank values of submitted_at → completed_at", async () => {
    const rows = await env.DB.prepare(`SELECT completed_at - submitted_at AS ms FROM verifications WHERE id IN (${ids.map(() => "?").join(",")})`)
      .bind(...ids)
      .all<{ ms: number }>();
    const sorted = rows.results.map((r) => r.ms).sort((a, b) => a - b);
    expect(sorted).toHaveLength(5);
    const { processing_time_ms: p } = (await stats(`?mode=test&${period()}`)).data.completed;
    expect(p).toEqual({ count: 5, p50: sorted[2], p95: sorted[4] });
    expect(percentileOffset(0.5, 5)).toBe(2);
    expect(percentileOffset(0.95, 20)).toBe(18);
  });

  it("the other world and a period before any of it are empty; an admin may read it too", async () => {
    const live = (await stats(`?mode=live&${period()}`)).data;
    expect(live.created.total).toBe(0);
    expect(live.completed.processing_time_ms).toEqual({ count: 0, p50: null, p95: null });
    expect(live.reviews.total).toBe(0);
    const before = (await stats(`?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`, tenant.accessToken)).data;
    expect(before.created.total).toBe(0);
    expect(before.completed.rates.verified).toBe(0);
    const both = (await stats(`?${period()}`, tenant.accessToken)).data;
    expect(both.mode).toBeNull();
    expect(both.created.total).toBe(6);
  });

  it("refuses bad periods with 400: from after to, equal bounds, not a time, more than 366 days, from in the future without to", async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    for (const [query, field] of [
      ["?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
      ["?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
      ["?from=yesterday", "from"],
      ["?to=2026-13-01T00:00:00Z", "to"],
      ["?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"],
      [`?from=${future}`, "from"],
      ["?mode=staging", "mode"],
    ] as const) {
      const error = expectErrorShape(await stats(query), 400, "VALIDATION_ERROR");
      expect(Object.keys(error.details?.fields ?? {}), query).toContain(field);
    }
  });
});
