/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The hosted capture page at /capture/{session_id} (issue 14): a server-rendered shell in the session's locale (or
 * `?lang=`), driven by public/assets/capture/capture.js, which talks to the ordinary API with the session's credential.
 *
 * - Strict CSP: scripts and styles from our origin only, camera frames as blob:/data: images and mediastream: video,
 *   fetches to our origin only, no frames around it (a modal embed would need `frame-ancestors` per tenant: not done).
 * - `Referrer-Policy: no-referrer` and `Cache-Control: no-store`: the secret rides in the fragment and is stripped by
 *   the script at once; nothing of the page is cached.
 * - `Permissions-Policy: camera=(self)`: no other origin's frame gets the camera.
 * - An unknown session is the page's own 404, an ended one (completed, canceled, expired) its 410, in the locale.
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../app/context";
import { log } from "../lib/log";
import { ipRateLimit } from "../middleware/ip-rate-limit";
import { captureSession } from "./capture-session";
import { CATALOGUES, pickLocale } from "./messages";
import { CaptureProblem, CaptureShell, captureConfig } from "./page";
import { CAPTURE_CSS } from "./stylesheet";

export const CAPTURE_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "blob:", "data:"],
  mediaSrc: ["'self'", "blob:", "mediastream:"],
  connectSrc: ["'self'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

/**
 * The capture sub-app, mounted at /capture by src/routes/index.ts.
 *
 * @example
 * app.route("/capture", buildCapture());
 */
export function buildCapture() {
  const app = new Hono<AppEnv>();

  app.use(
    secureHeaders({
      contentSecurityPolicy: CAPTURE_CSP,
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      permissionsPolicy: { camera: ["self"], microphone: [], geolocation: [] },
    }),
  );
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });

  app.onError((err, c) => {
    log.error("capture_page_failed", { request_id: c.get("requestId"), path: "/capture/:id", error: err });
    const locale = pickLocale(c.req.query("lang"), undefined);
    return c.html(<CaptureProblem locale={locale} t={CATALOGUES[locale]} title="not_found_title" body="not_found_body" />, 500);
  });

  app.get("/assets/capture.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "public, max-age=300");
    return c.body(CAPTURE_CSS);
  });

  // One unauthenticated database read per page load: 60 a minute per client address is many applicants behind one NAT.
  app.get("/:id", ipRateLimit("capture_page", 60), async (c) => {
    const session = await captureSession(c.var.services, c.req.param("id"));
    const locale = pickLocale(c.req.query("lang"), session?.locale);
    const t = CATALOGUES[locale];
    if (!session) return c.html(<CaptureProblem locale={locale} t={t} title="not_found_title" body="not_found_body" />, 404);
    if (session.state === "ended") return c.html(<CaptureProblem locale={locale} t={t} title="ended_title" body="ended_body" tenant={session.tenantName} />, 410);
    return c.html(<CaptureShell config={captureConfig(session, locale, t)} />, 200);
  });

  app.notFound((c) => {
    const locale = pickLocale(c.req.query("lang"), undefined);
    return c.html(<CaptureProblem locale={locale} t={CATALOGUES[locale]} title="not_found_title" body="not_found_body" />, 404);
  });

  return app;
}
