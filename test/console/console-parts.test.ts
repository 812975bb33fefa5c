/**
 * The console's pure parts: the same-origin verdict of the CSRF check, the queue filters, the facts picked from a
 * case's findings, and the settings form's parsing.
 */
import { describe, expect, it } from "vitest";
import { csrfToken, csrfTokenValid, sameOriginRequest } from "../../src/console/csrf";
import { parseQueueFilters, toReviewQueueFilter, waitedFor } from "../../src/console/queue-filters";
import { duplicateLinks, faceComparison, readingTable } from "../../src/console/case-facts";
import { formOf, parseSettingsForm } from "../../src/console/settings-form";
import { LAYER_NAMES } from "../../src/pipeline/codes";
import { DEFAULT_SETTINGS, DecisionSettingsSchema } from "../../src/pipeline/settings";
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

describe("reading table", () => {
  const declared = {
    applicant: { first_name: "Erika", last_name: "Musterfrau", date_of_birth: "1984-08-12" },
    document: { type: "id_card", number_masked: "•••••0129", issuing_country: "DE", expiry_date: "2031-01-01" },
  };
  const mrzRead = {
    format: "TD1",
    lines: ["IDD<<T220001293<<<<<<<<<<<<<<<", "8408126F3101011D<<<<<<<<<<<<<2", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"],
    fields: { documentCode: "ID", issuingState: "D", documentNumber: "T22000129", surname: "MUSTERMANN", givenNames: "ERIKA", nationality: "D", birthDate: "1984-08-12", expiryDate: "2031-01-01", sex: "F", optionalData: null },
    checks: [
      { field: "document_number", valid: true },
      { field: "date_of_birth", valid: true },
      { field: "expiry_date", valid: false },
      { field: "composite", valid: false },
    ],
  };

  it("puts the MRZ, the printed fields and the declared data side by side, marking what the layers found to disagree", () => {
    const layers = {
      mrz: {
        status: "failed",
        score: 85,
        findings: [
          { code: "MRZ_CHECKSUM_FAILED", severity: "critical", message: "", data: { source: "sent", read: mrzRead } },
          { code: "MRZ_MISMATCH", severity: "critical", message: "", data: { fields: ["last_name"], compared: "mrz_and_declared", source: "sent" } },
        ],
      },
      vision: {
        status: "warning",
        score: 40,
        findings: [{ code: "VISION_FIELD_MISMATCH", severity: "warning", message: "", data: { fields: ["given_names"], against: { given_names: ["declared"] }, read: { surname: "MUSTERMANN", given_names: "ERIKO", date_of_birth: "1984-08-12", document_type: "id_card" } } }],
      },
    };
    const table = readingTable(layers, declared)!;
    expect(table.source).toBe("sent");
    expect(table.lines).toEqual(mrzRead.lines);
    const row = (field: string) => table.rows.find((r) => r.field === field)!;
    expect(row("last_name")).toMatchObject({ mrz: "MUSTERMANN", printed: "MUSTERMANN", declared: "Musterfrau", mrzDiffers: true, printedDiffers: false });
    expect(row("first_name")).toMatchObject({ mrz: "ERIKA", printed: "ERIKO", declared: "Erika", mrzDiffers: false, printedDiffers: true });
    expect(row("date_of_birth")).toMatchObject({ mrz: "1984-08-12", check: true, mrzDiffers: false, printedDiffers: false });
    expect(row("expiry_date")).toMatchObject({ check: false, printed: null, declared: "2031-01-01" });
    expect(row("document_number")).toMatchObject({ mrz: "T22000129", declared: "•••••0129", check: true });
    expect(row("sex")).toMatchObject({ mrz: "F", printed: null, declared: null, check: null });
  });

  it("is absent when neither the MRZ nor the printed page was read", () => {
    expect(readingTable({ mrz: { status: "skipped", score: 0, findings: [{ code: "MRZ_UNREADABLE", severity: "info", message: "", data: { reason: "no_reader" } }] } }, declared)).toBeNull();
    expect(readingTable({}, declared)).toBeNull();
  });
});

describe("settings form", () => {
  it("names every field it cannot read, by its settings path", () => {
    const { errors, patch } = parseSettingsForm({ verified_max: "30", reject_min: "7.5", retention_days: "", "weight.face": "four", minimum_age: "x", vision_model: "@cf/other/model", webhook_retry_schedule_seconds: "5, ten" }, DEFAULT_SETTINGS);
    expect(errors).toEqual({
      "thresholds.reject_min": ["Enter a whole number"],
      retention_days: ["Enter a whole number"],
      "layer_weights.face": ["Enter a number"],
      minimum_age: ["Enter a whole number, or leave it empty"],
      vision_model: ["Choose one of the listed options"],
      webhook_retry_schedule_seconds: ["Enter whole numbers of seconds, separated by commas"],
    });
    expect(patch.thresholds?.verified_max).toBe(30);
  });

  it("round-trips the current settings, and turns the edited fields into a patch", () => {
    const unchanged = parseSettingsForm(formOf(DEFAULT_SETTINGS), DEFAULT_SETTINGS);
    expect(unchanged.errors).toEqual({});
    expect(DecisionSettingsSchema.parse({ ...DEFAULT_SETTINGS, ...unchanged.patch, velocity: { ...DEFAULT_SETTINGS.velocity, ...unchanged.patch.velocity } })).toEqual({
      ...DEFAULT_SETTINGS,
      // Every layer is listed in the form, so the weights come back complete (an absent layer weighed 1 before too).
      layer_weights: Object.fromEntries(LAYER_NAMES.map((l) => [l, DEFAULT_SETTINGS.layer_weights[l] ?? 1])),
    });

    const form = { ...formOf(DEFAULT_SETTINGS), "weight.ela": "3.5", minimum_age: "", "rule.EXIF_EDITED": "reject", "rule.VELOCITY_HIGH": "score", "rule.GEO_MISMATCH": "review", webhook_retry_schedule_seconds: "5, 60 300" };
    const { patch, errors } = parseSettingsForm(form, DEFAULT_SETTINGS);
    expect(errors).toEqual({});
    expect(patch.layer_weights?.ela).toBe(3.5);
    expect(patch.minimum_age).toBeNull();
    expect(patch.webhook_retry_schedule_seconds).toEqual([5, 60, 300]);
    expect(patch.hard_fail_codes).toContain("EXIF_EDITED");
    expect(patch.review_codes).not.toContain("EXIF_EDITED");
    expect(patch.review_codes).not.toContain("VELOCITY_HIGH");
    expect(patch.hard_fail_codes).not.toContain("VELOCITY_HIGH");
    expect(patch.review_codes).toContain("GEO_MISMATCH");
  });

  it("keeps the current value of every field the post leaves out, and refuses an unknown rule", () => {
    const { patch, errors } = parseSettingsForm({ retention_days: "45", "rule.NO_FACE": "maybe" }, DEFAULT_SETTINGS);
    expect(errors).toEqual({ "rule.NO_FACE": ["Choose one of the listed rules"] });
    expect(patch.retention_days).toBe(45);
    expect(patch.thresholds).toEqual(DEFAULT_SETTINGS.thresholds);
    expect(patch.vision_model).toBe(DEFAULT_SETTINGS.vision_model);
    expect(patch.hard_fail_codes).toEqual(DEFAULT_SETTINGS.hard_fail_codes);
  });
});
