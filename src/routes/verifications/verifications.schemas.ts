/** Request and response schemas of the verification routes. */
import { z } from "@hono/zod-openapi";
import { parseCountry } from "../../lib/countries";
import { RESUBMISSION_REASONS } from "../../pipeline/codes";
import { NOTE_MAX_CHARS, REVIEW_DECISIONS } from "../../verifications/review";
import { STATUSES } from "../../verifications/status";

/** A country as ISO 3166-1 alpha-2, alpha-3 or an ICAO document code; parsed once here (see src/lib/countries.ts). */
const country = z
  .string()
  .max(8)
  .refine((value) => parseCountry(value) !== null, "not a country code: send ISO 3166-1 alpha-2 or alpha-3, or an ICAO document code (e.g. DE, DEU, D, GBR, GBN)")
  .openapi({
    type: "string",
    example: "DE",
    description:
      "ISO 3166-1 alpha-2 (`DE`) or alpha-3 (`DEU`), or an ICAO Doc 9303 code as printed in passports and their MRZ (`D`, `GBN`, `XXA`, `UTO`…). Stored normalised to alpha-2 where the country has one; the code as sent is kept alongside.",
  });
const isoDate = z.iso.date("a date as YYYY-MM-DD");

/** The JSON body as the contract documents and validates it; `CreateVerificationBody` also normalises it. */
export const CreateVerificationShape = z
  .object({
    applicant: z.object({
      first_name: z.string().trim().min(1).max(100).openapi({ example: "Erika" }),
      last_name: z.string().trim().min(1).max(100).openapi({ example: "Mustermann", description: "With a test key: VERIFIED, REJECTED, REVIEW or ERROR force the sandbox outcome" }),
      date_of_birth: isoDate.refine((d) => d > "1900-01-01" && d < new Date().toISOString().slice(0, 10), "must be a past date after 1900").openapi({ example: "1984-08-12" }),
      country,
      email: z.email().max(254).optional(),
      ip: z
        .string()
        .max(45)
        .refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success, "not an IPv4 or IPv6 address")
        .optional()
        .openapi({ example: "203.0.113.7", description: "The applicant's IP address as your server saw it (not your server's own); stored encrypted, shown to reviewers" }),
      device: z
        .object({
          country: z
            .string()
            .max(8)
            .refine((value) => value.toUpperCase() === "T1" || parseCountry(value) !== null, "not a country code: send ISO 3166-1 alpha-2 or alpha-3, or T1 for Tor")
            .optional()
            .openapi({ example: "DE", description: "Country of the applicant's network as your edge saw it (e.g. Cloudflare's CF-IPCountry; `T1` = Tor)" }),
          asn: z.number().int().min(0).max(4_294_967_295).optional().openapi({ example: 3320, description: "Autonomous system number of the applicant's network" }),
          anonymous: z.boolean().optional().openapi({ description: "Your edge flagged the network as a VPN, proxy or Tor" }),
        })
        .strict()
        .optional()
        .openapi({ description: "What your server knows about the applicant's network, for the geo layer (GEO_MISMATCH, ANONYMOUS_NETWORK)" }),
    }),
    document: z.object({
      type: z.enum(["passport", "id_card", "driving_licence", "residence_permit"]).openapi({ example: "id_card" }),
      number: z.string().trim().min(1).max(64).optional().openapi({ example: "T22000129" }),
      issuing_country: country.optional(),
      expiry_date: isoDate.optional(),
      mrz: z.array(z.string().max(44)).min(2).max(3).optional().openapi({ description: "Machine-readable zone lines, if the client read them" }),
    }),
    consent: z.object({
      granted: z.boolean().openapi({ description: "Must be true: the applicant agreed to the processing" }),
      text_version: z.string().trim().min(1).max(64).openapi({ example: "2026-01" }),
    }),
    external_ref: z.string().max(128).optional().openapi({ description: "Your own reference for this applicant" }),
  })
  .strict()
  .openapi("CreateVerification");

const normalised = (code: string) => (parseCountry(code) as NonNullable<ReturnType<typeof parseCountry>>).code;

/**
 * The body validated and normalised once: `country` and `issuing_country` become the alpha-2 code (or the ICAO
 * code for states and organisations without one); the codes as sent travel along as `*_as_sent`.
 */
export const CreateVerificationBody = CreateVerificationShape.transform(({ applicant, document, ...rest }) => ({
  ...rest,
  applicant: { ...applicant, country: normalised(applicant.country), country_as_sent: applicant.country },
  document: {
    ...document,
    ...(document.issuing_country ? { issuing_country: normalised(document.issuing_country), issuing_country_as_sent: document.issuing_country } : {}),
  },
}));

export const Created = z
  .object({
    id: z.string().openapi({ example: "ver_0190f3a1b2c3d4e5f6a7b8c9" }),
    status: z.enum(STATUSES),
    mode: z.enum(["live", "test"]),
    media: z.array(z.object({ media_id: z.string(), kind: z.string(), sha256: z.string(), width: z.number(), height: z.number() })).optional(),
  })
  .openapi("VerificationCreated");

export const IdParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "ver_0190f3a1b2c3d4e5f6a7b8c9" }),
});

export const MediaParams = IdParam.extend({
  kind: z.enum(["document_front", "document_back", "selfie", "selfie_frame"]).openapi({ param: { name: "kind", in: "path" } }),
});

/** Who captured an upload (see the media table): the forensics layers do not count our own page's encoding against the applicant. */
export const MediaSource = z
  .enum(["api", "hosted_capture", "applicant_app"])
  .openapi({ description: "`api`: sent with an API key or user token; `hosted_capture`: captured by the hosted page; `applicant_app`: sent with a session's client secret" });

export const MediaStored = z
  .object({ media_id: z.string(), kind: z.string(), sha256: z.string(), content_type: z.string(), bytes: z.number(), width: z.number(), height: z.number(), source: MediaSource })
  .openapi("MediaStored");

const Finding = z.object({ code: z.string(), message: z.string(), severity: z.enum(["info", "warning", "critical"]), data: z.record(z.string(), z.unknown()).optional() });

export const VerificationSchema = z
  .object({
    id: z.string(),
    status: z.enum(STATUSES),
    mode: z.enum(["live", "test"]),
    external_ref: z.string().nullable(),
    applicant: z.object({ first_name: z.string(), last_name: z.string(), date_of_birth: z.string(), email: z.string().optional(), country: z.string().nullable() }).nullable(),
    document: z.object({ type: z.string(), number_masked: z.string().nullable(), issuing_country: z.string().nullable(), expiry_date: z.string().nullable() }),
    steps: z.array(z.object({ name: z.string(), status: z.string(), ms: z.number().nullable() })),
    progress: z.number().openapi({ description: "0–100" }),
    risk_score: z.number().nullable().openapi({ description: "0 (no risk) – 100" }),
    decision: z.enum(["verified", "not_verified", "manual_review"]).nullable(),
    reasons: z.array(z.string()).openapi({ description: "Machine-readable reason codes, most important first" }),
    settings_version: z.number().nullable(),
    layers: z.record(z.string(), z.object({ status: z.string(), score: z.number(), findings: z.array(Finding), ms: z.number() })),
    review: z
      .object({
        decision: z.enum(REVIEW_DECISIONS),
        reason: z.string().nullable().openapi({ description: "The reviewer's reason as written (null after erasure)" }),
        reason_code: z.enum(RESUBMISSION_REASONS).nullable().openapi({ description: "With `request_resubmission`: what the applicant must redo" }),
        reviewer_id: z.string(),
        at: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: "The latest review. Reviewers' internal notes are never part of it (GET /v1/verifications/{id}/notes, reviewers only)." }),
    media: z.array(MediaStored.extend({ uploaded_at: z.string().nullable(), purged: z.boolean() })),
    history: z.array(z.object({ from: z.string().nullable(), to: z.string(), reason: z.string().nullable(), at: z.string().nullable() })),
    timings: z.record(z.string(), z.unknown()),
    erased: z.boolean(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi("Verification");

export const VerificationSummary = z
  .object({
    id: z.string(),
    status: z.enum(STATUSES),
    mode: z.enum(["live", "test"]),
    external_ref: z.string().nullable(),
    decision: z.string().nullable(),
    risk_score: z.number().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("VerificationSummary");

export const Receipt = z
  .object({ receipt: z.string().openapi({ description: "Compact JWS (ES256); verify with /.well-known/jwks.json" }), kid: z.string(), payload: z.record(z.string(), z.unknown()) })
  .openapi("SignedReceipt");

/** An internal note: reviewers only, never shown to API keys; stored encrypted, erased with the verification. */
export const NoteText = z.string().max(NOTE_MAX_CHARS).refine((t) => t.trim().length > 0, "must not be blank");

/**
 * A review decision. approve → verified and reject → not_verified are final and need a `reason`;
 * request_resubmission → resubmission_requested needs a `reason_code` (the reason text is optional there).
 */
export const ReviewBody = z
  .object({
    decision: z.enum(REVIEW_DECISIONS).openapi({ description: "approve → verified, reject → not_verified (both final); request_resubmission → resubmission_requested (new images, then submit again)" }),
    reason: z.string().trim().min(3).max(1000).optional().openapi({ description: "Why, in words; the tenant sees it with the review. Required to approve or reject." }),
    reason_code: z.enum(RESUBMISSION_REASONS).optional().openapi({ description: "Required with request_resubmission: what the applicant must redo" }),
    note: NoteText.optional().openapi({ description: `An internal note (≤ ${NOTE_MAX_CHARS} characters) kept with the case for reviewers only` }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.decision === "request_resubmission" && !body.reason_code) ctx.addIssue({ code: "custom", path: ["reason_code"], message: `required to request a resubmission: one of ${RESUBMISSION_REASONS.join(", ")}` });
    if (body.decision !== "request_resubmission" && !body.reason) ctx.addIssue({ code: "custom", path: ["reason"], message: "required to approve or reject" });
    if (body.decision !== "request_resubmission" && body.reason_code) ctx.addIssue({ code: "custom", path: ["reason_code"], message: "only with request_resubmission" });
  })
  .openapi("ReviewDecision");
