/**
 * The console's pure parts: the same-origin verdict of the CSRF check, the queue filters, the facts picked from a
 * case's findings, and the settings form's parsing.
 */
import { describe, expect, it } from "vitest";
import { csrfToken, csrfTokenValid, sameOriginRequest } from "../../src/console/csrf";
import { parseQueueFilters, toReviewQueueFilter, waitedFor } from "../../src/console/queue-filters";
import { duplicateLinks, faceComparison } from "../../src/console/case-facts";
import { parseSettingsForm } from "../../src/console/console-app";
import { createTenantCrypto } from "../../src/lib/crypto";

describe("sameOriginRequest", () => {
  it("accepts our own pages and refuses other sites, other origins and opaque origins", () => {
    expect(sameOriginRequest({ origin: "self", secFetchSite: "same-origin" }, "self")).toEqual({ ok: true });
    // Old browsers send neither header; the CSRF token still guards them.
    expect(sameOriginRequest({}, "self")).toEqual({ ok: true });
    expect(sameOriginRequest({ origin: "self", secFetchSite: "same-site" }, "self")).toEqual({ ok: false, reason: "cross_site" });
    expect(sameOriginRequest({ secFetchSite: "cross-site" }, "self")).toEqual({ ok: false, reason: "cross_site" });
    expect(sameOriginRequest({ origin: "https://evil.example" }, "self")).toEqual({ ok: false, reason: "foreign_origin" });
    expect(sameOriginRequest({ origin: "null" }, "self")).toEqual({ ok: false, reason: "foreign_origin" });
    // Chrome's form posts under Referrer-Policy: no-referrer: Origin null, vouched for by Sec-Fetch-Site.
    expect(sameOriginRequest({ origin: "null", secFetchSite: "same-origin" }, "self")).toEqual({ ok: true });
    expect(sameOriginRequest({ origin: "null", secFetchSite: "same-site" }, "self")).toEqual({ ok: false, reason: "cross_site" });
  });
});

describe("csrf tokens", () => {
  const crypto = createTenantCrypto(btoa(String.fromCharCode(...new Uint8Array(32).fill(7))));
  it("differ per session family and per tenant, and only the session's own token is valid", async () => {
    const token = await csrfToken(crypto, "ten_a", "rtk_1");
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(await csrfToken(crypto, "ten_a", "rtk_2")).not.toBe(token);
    expect(await csrfToken(crypto, "ten_b", "rtk_1")).not.toBe(token);
    expect(await csrfTokenValid(crypto, "ten_a", "rtk_1", token)).toBe(true);
    expect(await csrfTokenValid(crypto, "ten_a", "rtk_2", token)).toBe(false);
    expect(await csrfTokenValid(crypto, "ten_a", "rtk_1", "")).toBe(false);
    expect(await csrfTokenValid(crypto, "ten_a", "rtk_1", undefined)).toBe(false);
  });
});

describe("queue filters", () => {
  it("keep valid values, drop the rest, and become the domain's filter", () => {
    const filters = parseQueueFilters({ reason: "DUPLICATE_FACE", mode: "live", min_age_hours: "2", unclaimed: "1" });
    expect(toReviewQueueFilter(filters)).toEqual({ reason: "DUPLICATE_FACE", mode: "live", olderThanMinutes: 120, unclaimed: true });
    expect(parseQueueFilters({ reason: "drop table", mode: "prod", min_age_hours: "-3", unclaimed: "yes" })).toEqual({});
    expect(waitedFor(90 * 60_000)).toBe("1 h 30 min");
  });
});

describe("case facts", () => {
  it("reads the face similarity and threshold, and links every duplicate once", () => {
    const layers = {
      face: { status: "passed", score: 5, findings: [{ code: "FACE_MATCH", severity: "info", message: "", data: { similarity: 0.71, threshold: 0.36 } }] },
      duplicates: {
        status: "failed",
        score: 85,
        findings: [
          { code: "DUPLICATE_FACE", severity: "critical", message: "", data: { matches: [{ verification_id: "ver_1", similarity: 0.9 }, { verification_id: "ver_1", similarity: 0.9 }] } },
          { code: "DUPLICATE_DOCUMENT", severity: "critical", message: "", data: { verification_ids: ["ver_2"] } },
        ],
      },
    };
    expect(faceComparison(layers)).toEqual({ similarity: 0.71, threshold: 0.36, match: true });
    expect(duplicateLinks(layers)).toEqual([
      { code: "DUPLICATE_FACE", verificationId: "ver_1", similarity: 0.9 },
      { code: "DUPLICATE_DOCUMENT", verificationId: "ver_2" },
    ]);
    expect(faceComparison({})).toBeNull();
  });
});

describe("settings form", () => {
  it("names every field that is not a whole number", () => {
    const { errors, numbers } = parseSettingsForm({ verified_max: "30", reject_min: "7.5", retention_days: "", abandoned_after_days: "7" });
    expect(errors).toEqual({ "thresholds.reject_min": ["Enter a whole number"], retention_days: ["Enter a whole number"] });
    expect(numbers.verified_max).toBe(30);
  });
});
