/**
 * The one error class and the closed list of error codes. Every error on the wire has the shape
 * `{"error": {"code", "message", "details"?, "request_id"}}`; detailed reasons go to logs, not to clients.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  CONSENT_REQUIRED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  MEDIA_MISSING: 422,
  IMAGE_INVALID: 422,
  WEBHOOK_URL_FORBIDDEN: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.headers = options.headers;
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown>; request_id: string };
}

export function errorBody(err: ApiError, requestId: string): ErrorBody {
  return {
    error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}), request_id: requestId },
  };
}

/** Shorthands for the errors raised most often. */
export const notFound = (what = "Resource") => new ApiError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new ApiError("FORBIDDEN", message);
export const unauthorized = (message = "Authentication required") => new ApiError("UNAUTHORIZED", message);

/**
 * A 400 VALIDATION_ERROR listing every problem per field (`a.b.c` paths; `prefix` for fields nested in a part,
 * e.g. "data."; "(body)" for the body as a whole).
 */
export function validationError(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  options: { prefix?: string; target?: string; message?: string } = {},
): ApiError {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.length ? `${options.prefix ?? ""}${issue.path.map(String).join(".")}` : `${options.prefix ?? ""}(body)`;
    (fields[key] ??= []).push(issue.message);
  }
  return new ApiError("VALIDATION_ERROR", options.message ?? "The request is invalid", {
    details: { ...(options.target ? { target: options.target } : {}), fields },
  });
}
