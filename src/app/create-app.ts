/**
 * The app factory: one place that assembles middleware, the error contract and the OpenAPI registry.
 * `createApp()` is the whole API; `createRouter()` gives each domain a router with the same validation
 * hook, so every validation failure in every route becomes the same 400 `VALIDATION_ERROR`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { Bindings } from "../env";
import { loadConfig } from "../env";
import { ApiError, errorBody, validationError } from "../lib/errors";
import { log } from "../lib/log";
import { acceptedMediaTypesOf } from "../lib/openapi";
import { bodyLimits, endpointOf } from "../middleware/body-limit";
import { createServices } from "./services";
import type { AppEnv } from "./context";

const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error.issues, { target: result.target });
};

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

function toApiError(err: unknown, c: Context<AppEnv>): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) return new ApiError("MALFORMED_JSON", "The request body is not valid JSON");
    if (err.status === 400) return new ApiError("VALIDATION_ERROR", err.message || "The request is invalid");
    if (err.status === 401) return new ApiError("UNAUTHORIZED", "Authentication required");
    if (err.status === 413) return new ApiError("PAYLOAD_TOO_LARGE", "The request body is too large");
    if (err.status === 415) {
      const accepted = acceptedMediaTypesOf(endpointOf(c)) ?? [];
      const sent = c.req.header("Content-Type")?.split(";")[0].trim() || "no Content-Type";
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", `This route does not accept ${sent}${accepted.length ? `; send one of: ${accepted.join(", ")}` : ""}`, {
        details: { content_type: sent, accepted },
      });
    }
  }
  return new ApiError("INTERNAL_ERROR", "Something went wrong on our side; the request id identifies it in our logs", { cause: err });
}

export function handleError(err: unknown, c: Context<AppEnv>) {
  const apiError = toApiError(err, c);
  const requestIdValue = c.get("requestId") ?? "unknown";
  if (apiError.status >= 500) {
    log.error("request_failed", { request_id: requestIdValue, method: c.req.method, path: c.req.routePath, error: err });
  }
  for (const [name, value] of Object.entries(apiError.headers ?? {})) c.header(name, value);
  return c.json(errorBody(apiError, requestIdValue), apiError.status);
}

/**
 * What every response carries, after OWASP's REST Security Cheat Sheet: HSTS, no MIME sniffing, no framing, and
 * `Cache-Control: no-store` unless the route chose its own (the API answers with personal data, which no shared or
 * browser cache should keep). Hono's `secureHeaders` defaults, used here before, are for HTML documents
 * (Cross-Origin-Opener-Policy, Origin-Agent-Cluster, X-XSS-Protection, X-DNS-Prefetch-Control, X-Download-Options…):
 * the console, the capture page and the API reference set them on their own pages, with their Content-Security-Policy.
 */
const SECURITY_HEADERS = [
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
] as const;

export function createApp() {
  const app = createRouter();
  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  });
  // One CORS middleware per configuration (the config is itself cached per bindings object).
  const corsFor = new WeakMap<object, MiddlewareHandler>();
  app.use(async (c, next) => {
    // CORS is for browsers, and a browser's cross-origin request always carries Origin; without one (a server calling
    // with its API key) there is nothing to answer. Hono's cors would set its headers before the route runs, on a
    // placeholder Response that the route's own then has to be copied over: two Responses more per request.
    if (!c.req.header("Origin")) {
      c.header("Vary", "Origin");
      return next();
    }
    const config = loadConfig(c.env as Bindings);
    let handler = corsFor.get(config);
    if (!handler) {
      handler = cors({
        origin: config.corsOrigins === "*" ? "*" : config.corsOrigins,
        allowHeaders: ["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key", "X-Upload-Token"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "WWW-Authenticate", "Idempotent-Replayed"],
        maxAge: 600,
      });
      corsFor.set(config, handler);
    }
    return handler(c, next);
  });
  app.use(async (c, next) => {
    let defer: ((work: Promise<unknown>) => void) | undefined;
    try {
      const ctx = c.executionCtx;
      defer = (work) => ctx.waitUntil(work);
    } catch {
      // No execution context (app.request in a unit test): deferred work runs inline.
    }
    c.set("services", createServices(c.env, undefined, defer));
    await next();
  });
  // Per-route limits (src/middleware/body-limit.ts): 64 KB for JSON, the media cap for uploads, ≤ 16 multipart parts.
  app.use(bodyLimits());
  app.notFound((c) => handleError(new ApiError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), c));
  app.onError(handleError);
  return app;
}
