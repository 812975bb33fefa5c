/**
 * Request-body limits per route, applied before anything parses a body (validators included):
 * - every route takes at most `JSON_BODY_MAX` (64 KB) — a JSON body parses to many times its size in heap;
 * - the routes in `LARGE_BODIES` take images, up to the media cap (plus multipart framing);
 * - a multipart body may carry at most `MAX_MULTIPART_PARTS` parts; it is read (within its limit) and its
 *   delimiters counted before any form parser sees it;
 * - on routes that take a raw image, any non-multipart Content-Type is treated as `application/octet-stream`,
 *   so `curl --data-binary` (which sends `application/x-www-form-urlencoded`) uploads the bytes as sent.
 * A refusal is 413 PAYLOAD_TOO_LARGE naming the limit. The route is identified by hono's matched route path.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { matchedRoutes } from "hono/route";
import { ApiError } from "../lib/errors";
import { IMPORT_BODY_MAX_BYTES } from "../registry/registry";
import type { AppEnv } from "../app/context";

export const JSON_BODY_MAX = 64 * 1024;
/** Parts in one multipart body: a full one-call create is data, submit, three images and eight selfie frames (13). */
export const MAX_MULTIPART_PARTS = 16;
/** Multipart framing (boundaries, part headers, small text parts) on top of the image bytes. */
export const MULTIPART_FRAMING = 64 * 1024;
/** The one-call multipart create: three full-size images plus selfie frames, 32 MB in all. */
export const MULTIPART_CREATE_MAX = 32 * 1024 * 1024;

interface LargeBody {
  /** Limit in bytes for this request, from the media cap and the request's Content-Type. */
  max: (mediaCap: number, multipart: boolean) => number;
  /** The route accepts the image as the raw body (any Content-Type but multipart). */
  raw: boolean;
}

/** Routes that take more than a JSON body, keyed `METHOD hono-path`. Every other route: `JSON_BODY_MAX`. */
export const LARGE_BODIES: Record<string, LargeBody> = {
  "PUT /v1/verifications/:id/media/:kind": { max: (cap) => cap + MULTIPART_FRAMING, raw: true },
  "POST /v1/faces/detect": { max: (cap) => cap + MULTIPART_FRAMING, raw: true },
  "POST /v1/faces/compare": { max: (cap) => 2 * cap + MULTIPART_FRAMING, raw: false },
  "POST /v1/verifications": { max: (_cap, multipart) => (multipart ? MULTIPART_CREATE_MAX : JSON_BODY_MAX), raw: false },
  // A registry import: up to 1,000 records as JSON or CSV.
  "POST /v1/registry/documents": { max: () => IMPORT_BODY_MAX_BYTES, raw: false },
};

const tooLarge = (max: number) =>
  new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than this route accepts (${max} bytes)`, { details: { max_bytes: max } });

/** `METHOD hono-path` of the route that will answer this request ("" when none matches). */
export function endpointOf(c: Context): string {
  const route = matchedRoutes(c).findLast((r) => r.method !== "ALL" && !r.path.endsWith("*"));
  return route ? `${c.req.method} ${route.path}` : "";
}

/** The multipart boundary of a Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : null;
}

/** Parts in a multipart body: delimiter lines (`--boundary` at the start or after CRLF) minus the closing one. */
export function countMultipartParts(body: Uint8Array, boundary: string): number {
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  let count = 0;
  outer: for (let i = body.indexOf(delimiter[0]); i !== -1 && i + delimiter.length <= body.length; i = body.indexOf(delimiter[0], i + 1)) {
    for (let j = 1; j < delimiter.length; j++) if (body[i + j] !== delimiter[j]) continue outer;
    if (i === 0 || (body[i - 1] === 0x0a && body[i - 2] === 0x0d)) {
      const closing = body[i + delimiter.length] === 0x2d && body[i + delimiter.length + 1] === 0x2d;
      if (!closing) count++;
      i += delimiter.length - 1;
    }
  }
  return count;
}

/** Reads the whole body, refusing it as soon as it passes `max` bytes (a declared length is trusted only to refuse early). */
async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("Content-Length") ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function bodyLimits(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.req.raw.body) return next();
    const contentType = c.req.header("Content-Type") ?? "";
    const multipart = /^multipart\//i.test(contentType);
    const large = LARGE_BODIES[endpointOf(c)];
    const max = large ? large.max(c.var.services.config.MAX_UPLOAD_BYTES, multipart) : JSON_BODY_MAX;

    if (multipart) {
      const bytes = await readLimited(c.req.raw, max);
      const boundary = multipartBoundary(contentType);
      if (boundary) {
        const parts = countMultipartParts(bytes, boundary);
        if (parts > MAX_MULTIPART_PARTS) {
          throw new ApiError("PAYLOAD_TOO_LARGE", `A multipart body may have at most ${MAX_MULTIPART_PARTS} parts; this one has ${parts}`, {
            details: { max_parts: MAX_MULTIPART_PARTS, parts },
          });
        }
      }
      c.req.raw = new Request(c.req.raw, { body: bytes });
      return next();
    }
    if (large?.raw && !/^application\/octet-stream\b/i.test(contentType)) {
      // The bytes are typed by magic bytes; a form or text Content-Type must not send them through a form parser.
      const headers = new Headers(c.req.raw.headers);
      headers.set("Content-Type", "application/octet-stream");
      c.req.raw = new Request(c.req.raw, { headers });
    }
    return honoBodyLimit({
      maxSize: max,
      onError: () => {
        throw tooLarge(max);
      },
    })(c, next);
  };
}
