/**
 * Contracts of /v1/verification-sessions: the tenant's server creates a session (a verification plus a single-use
 * client secret for the applicant's page or app), reads and cancels it; the page exchanges the secret once for its own
 * credential.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { ipRateLimit } from "../../middleware/ip-rate-limit";
import { DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS } from "../../sessions/sessions";
import { CreateVerificationShape } from "../verifications/verifications.schemas";

const tags = ["Verification sessions"];
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearerAuth: [] }];
const tenantWriter = requireAuth({ roles: ["admin"], scope: "verifications:write" });
const tenantReader = requireAuth({ roles: ["admin"], scope: "verifications:read" });

export const DOCUMENT_TYPES = ["passport", "id_card", "driving_licence", "residence_permit"] as const;
export const LOCALES = ["en", "de"] as const;

export const SessionIdParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, description: "Verification session id", example: "vss_0190f3a1b2c3d4e5f6a7b8c9" }),
});

/** The verification's body (applicant, document, consent, as for POST /v1/verifications) plus the session's options. */
export const CreateSessionShape = z
  .object({
    ...CreateVerificationShape.shape,
    allowed_document_types: z
      .array(z.enum(DOCUMENT_TYPES))
      .min(1)
      .max(DOCUMENT_TYPES.length)
      .optional()
      .openapi({ description: "Documents the page offers (default: all)", example: ["passport", "id_card"] }),
    challenge_required: z.boolean().optional().openapi({ description: "The page must run the head-pose liveness challenge (default false)" }),
    return_url: z
      .string()
      .trim()
      .max(2048)
      .optional()
      .openapi({ description: "Where the page sends the applicant at the end, with `?session_id=`; https only (http://localhost in development and test)", example: "https://shop.example/kyc/done" }),
    locale: z.enum(LOCALES).optional().openapi({ description: "The page's language (default en)" }),
    expires_in: z
      .number()
      .int()
      .min(60)
      .max(MAX_TTL_SECONDS)
      .optional()
      .openapi({ description: `Seconds until the session expires (default ${DEFAULT_TTL_SECONDS}, at most 24 h)`, example: 3600 }),
  })
  .strict()
  .openapi("CreateVerificationSession");

export const SessionCreated = z
  .object({
    id: z.string().openapi({ example: "vss_0190f3a1b2c3d4e5f6a7b8c9" }),
    verification_id: z.string().openapi({ example: "ver_0190f3a1b2c3d4e5f6a7b8c9" }),
    url: z.string().openapi({ description: "Send the applicant here; the secret is in the fragment", example: "https://kyc.example.com/capture/vss_0190f3a1b2c3d4e5f6a7b8c9#secret=vsess_…" }),
    client_secret: z.string().openapi({ description: "Shown once. For your own app: `Authorization: Bearer <client_secret>`", example: "vsess_…" }),
    expires_at: z.string().openapi({ example: "2026-12-04T00:00:00.000Z" }),
  })
  .openapi("VerificationSessionCreated");

export const SessionSchema = z
  .object({
    id: z.string().openapi({ example: "vss_0190f3a1b2c3d4e5f6a7b8c9" }),
    verification_id: z.string(),
    status: z.enum(["open", "in_use", "submitted", "completed", "canceled", "expired"]),
    mode: z.enum(["live", "test"]),
    allowed_document_types: z.array(z.string()),
    challenge_required: z.boolean(),
    return_url: z.string().nullable(),
    locale: z.string(),
    expires_at: z.string(),
    exchanged_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("VerificationSession");

export const Exchanged = z
  .object({
    session_id: z.string(),
    verification_id: z.string(),
    credential: z.string().openapi({ description: "The page's own credential (`vsct_…`), valid until the session ends; the client secret no longer works", example: "vsct_…" }),
    expires_at: z.string(),
    allowed_document_types: z.array(z.string()),
    challenge_required: z.boolean(),
    locale: z.string(),
  })
  .openapi("VerificationSessionExchange");

export const createSessionRoute = createRoute({
  method: "post",
  path: "/v1/verification-sessions",
  operationId: "createVerificationSession",
  tags,
  summary: "Create a verification session (hosted capture)",
  description:
    "Creates a verification (same applicant, document and consent body as POST /v1/verifications; the applicant data is required) and a session for it. Send the applicant to `url`, or give `client_secret` to your own app: it can upload images, answer the challenge and submit for this verification only, until submission, for at most 24 h. Every other route refuses it with 401.",
  middleware: [tenantWriter] as const,
  security,
  request: { body: jsonBody(CreateSessionShape) },
  responses: { 201: jsonContent(SessionCreated, "Created; the secret is shown only here"), ...errorResponses(400, 401, 403, 422, 429) },
});

export const getSessionRoute = createRoute({
  method: "get",
  path: "/v1/verification-sessions/{id}",
  operationId: "getVerificationSession",
  tags,
  summary: "Read a verification session",
  description: "Its status (`open`, `in_use`, `submitted`, `completed`, `canceled`, `expired`) is brought up to date on every read. Never shows a secret.",
  middleware: [tenantReader] as const,
  security,
  request: { params: SessionIdParam },
  responses: { 200: jsonContent(SessionSchema, "The session"), ...errorResponses(401, 403, 404, 429) },
});

export const cancelSessionRoute = createRoute({
  method: "post",
  path: "/v1/verification-sessions/{id}/cancel",
  operationId: "cancelVerificationSession",
  tags,
  summary: "Cancel a verification session",
  description: "Its secret and credential stop working at once. Only before submission (409 afterwards); the verification stays `created`.",
  middleware: [tenantWriter] as const,
  security,
  request: { params: SessionIdParam },
  responses: { 200: jsonContent(SessionSchema, "Canceled"), ...errorResponses(401, 403, 404, 409, 429) },
});

export const exchangeSecretRoute = createRoute({
  method: "post",
  path: "/v1/verification-sessions/{id}/exchange",
  operationId: "exchangeVerificationSessionSecret",
  tags,
  summary: "Exchange the client secret for the page's credential",
  description:
    "Called once by the hosted page with `Authorization: Bearer vsess_…`. Returns a `vsct_…` credential for the rest of the session; from then on the client secret is refused (401), so a copied link cannot be replayed.",
  // A page opens once per applicant: 30 exchanges a minute from one address is plenty, and a script trying secrets stops.
  middleware: [ipRateLimit("session_exchange", 30), requireAuth({ session: "exchange" })] as const,
  security: [{ bearerAuth: [] }],
  request: { params: SessionIdParam },
  responses: { 200: jsonContent(Exchanged, "The page's credential"), ...errorResponses(401, 403, 429) },
});
