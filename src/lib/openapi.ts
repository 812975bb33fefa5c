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
