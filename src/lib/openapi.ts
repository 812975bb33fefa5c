/**
 * Shared OpenAPI pieces: the error schema, the standard error responses and headers every route documents, and
 * the request media types each route declares (so a 415 can say which ones are accepted).
 */
import { z } from "@hono/zod-openapi";
import { ERROR_STATUS } from "./errors";
import type { ErrorCode } from "./errors";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).openapi({ example: "VALIDATION_ERROR" }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

const describe: Record<number, string> = {
  400: "Invalid request (VALIDATION_ERROR, MALFORMED_JSON)",
  401: "Missing or invalid credentials",
  403: "The caller's role or scopes do not allow this",
  404: "Not found (also for other tenants' resources)",
  409: "Conflict with the resource's current state",
  413: "Body too large",
  415: "Unsupported media type",
  422: "Semantically invalid request",
  429: "Rate limited; see Retry-After and RateLimit-* headers",
  503: "A dependency is unavailable",
};

/** `errorResponses(400, 401, 404)` → the OpenAPI `responses` entries for those statuses. */
export function errorResponses(...statuses: (keyof typeof describe)[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: describe[s], content: { "application/json": { schema: ErrorSchema } } }]),
  ) as Record<number, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

/** Request media types per route, keyed `METHOD hono-path`; filled once from the registry when the API is built. */
const acceptedMediaTypes = new Map<string, string[]>();

export function recordAcceptedMediaTypes(definitions: readonly { type: string; route?: { method: string; path: string; request?: { body?: { content?: Record<string, unknown> } } } }[]) {
  for (const d of definitions) {
    const content = d.type === "route" ? d.route?.request?.body?.content : undefined;
    if (!d.route || !content) continue;
    const path = d.route.path.replace(/\{([^}]+)\}/g, ":$1");
    acceptedMediaTypes.set(`${d.route.method.toUpperCase()} ${path}`, Object.keys(content));
  }
}

export function acceptedMediaTypesOf(endpoint: string): string[] | undefined {
  return acceptedMediaTypes.get(endpoint);
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** An uploaded file in OpenAPI terms; the bytes are checked by magic bytes in the handler, not by this schema. */
export const binary = z.any().openapi({ type: "string", format: "binary" });

/**
 * A request body that is one image: raw (any of the accepted types, or octet-stream) or a multipart part named
 * `part`. `required: false` makes the multipart validator run only for multipart bodies; handlers check the part.
 */
export const imageBody = (part: string, description = "The image") => ({
  required: false,
  content: {
    "image/jpeg": { schema: binary },
    "image/png": { schema: binary },
    "image/webp": { schema: binary },
    "application/octet-stream": { schema: binary },
    "multipart/form-data": { schema: z.object({ [part]: binary.openapi({ description }) }) },
  },
});

/** Response headers every client may rely on, documented once under `components.headers`. */
const HEADERS = {
  "X-Request-Id": { description: "Identifies this request; equals `error.request_id` in an error body.", schema: { type: "string" } },
  "RateLimit-Limit": { description: "Requests per minute of the budget that is closest to running out (IETF draft RateLimit headers).", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "Requests left in that budget now.", schema: { type: "integer" } },
  "RateLimit-Reset": { description: "Seconds until that budget is full again.", schema: { type: "integer" } },
  "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
  "WWW-Authenticate": { description: 'The credentials expected: `Bearer realm="edge-kyc"` (with `error="invalid_token"` when one was refused) and `ApiKey realm="edge-kyc", header="X-API-Key"`.', schema: { type: "string" } },
  "Idempotent-Replayed": { description: "`true` when the response is a replay of an earlier request with the same `Idempotency-Key`.", schema: { type: "string", enum: ["true"] } },
} as const;

const ref = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

type Operation = { operationId?: string; security?: unknown[]; responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: unknown }> };

/**
 * Adds what every operation shares to the generated document: the documented response headers (X-Request-Id
 * everywhere; RateLimit-* on rate-limited operations; Retry-After on 429 and 503; WWW-Authenticate on 401;
 * Idempotent-Replayed where `Idempotency-Key` is honoured), a 429 on every rate-limited operation (every
 * authenticated one, and the public ones limited per address), and a 500 everywhere.
 */
export function finishDocument<T extends object>(document: T): T {
  const doc = document as unknown as { paths?: Record<string, Record<string, unknown>>; components?: Record<string, unknown>; info: Record<string, unknown> };
  const components = (doc.components ??= {}) as Record<string, unknown>;
  components.headers = { ...(components.headers as object), ...HEADERS };
  doc.info.license ??= { name: "Proprietary", identifier: "LicenseRef-Proprietary" };
  const errorSchema = { $ref: "#/components/schemas/Error" };
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(ops)) {
      if (!["get", "put", "post", "patch", "delete"].includes(method)) continue;
      const op = value as Operation;
      const limited = (op.security?.length ?? 0) > 0 || "429" in op.responses;
      if (limited) op.responses["429"] ??= { description: describe[429], content: { "application/json": { schema: errorSchema } } };
      op.responses["500"] ??= { description: "Unexpected error; `request_id` identifies it in our logs (INTERNAL_ERROR)", content: { "application/json": { schema: errorSchema } } };
      for (const [status, response] of Object.entries(op.responses)) {
        const headers: Record<string, unknown> = { "X-Request-Id": ref("X-Request-Id") };
        if (limited) Object.assign(headers, { "RateLimit-Limit": ref("RateLimit-Limit"), "RateLimit-Remaining": ref("RateLimit-Remaining"), "RateLimit-Reset": ref("RateLimit-Reset") });
        if (status === "429" || status === "503") headers["Retry-After"] = ref("Retry-After");
        if (status === "401") headers["WWW-Authenticate"] = ref("WWW-Authenticate");
        if (status.startsWith("2") && method === "post" && op.operationId === "createVerification") headers["Idempotent-Replayed"] = ref("Idempotent-Replayed");
        response.headers = { ...headers, ...response.headers };
      }
    }
  }
  return document;
}
