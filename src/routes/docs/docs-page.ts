/**
 * /docs: the interactive API reference. Scalar's standalone bundle renders /openapi.json with an `X-API-Key` input,
 * try-it, code samples and examples. The bundle is a static asset of ours (public/assets/scalar/, copied from
 * node_modules by scripts/docs-assets.mjs), never a CDN, so the page works offline and the Worker never loads it.
 * Only the small configuration script is inline, and it runs under the request's CSP nonce.
 */

/** Where wrangler serves the bundle ([assets] of wrangler.toml); scripts/docs-assets.mjs writes it there. */
export const SCALAR_BUNDLE_PATH = "/assets/scalar/standalone.js";

/**
 * Scalar's theme draws secondary text (#8e8e8e light, #797979 dark) and some accents (green, orange, yellow, red)
 * below the 4.5:1 contrast WCAG asks for (axe-core `color-contrast`); these are its own variables, moved until they
 * pass on every background of their mode (code samples use the dark mode inside the light page). The class is
 * doubled to outrank the theme's own `.light-mode` and `.dark-mode` rules.
 */
const CONTRAST_CSS =
  ".light-mode.light-mode{--scalar-color-2:#595959;--scalar-color-3:#666666;--scalar-color-green:#00764a;--scalar-color-red:#c4000a;--scalar-color-yellow:#8a6100;--scalar-color-orange:#b53f00}" +
  ".dark-mode.dark-mode{--scalar-color-3:#9a9a9a;--scalar-color-red:#ff7070}" +
  // The try-it panel's tiniest labels (`text-3xs`, e.g. the response's time and size) sit on tinted backgrounds where
  // even the darkened secondary colours fell short once in CI: they take the primary text colour.
  ".light-mode.light-mode .text-3xs,.dark-mode.dark-mode .text-3xs{color:var(--scalar-color-1)}";

/**
 * Scalar's configuration. Everything that would reach a third party is off: Scalar's fonts (system fonts instead),
 * its telemetry, its AI agent, its developer toolbar and the button to its hosted client; no `proxyUrl`, so try-it
 * calls this origin directly and the pasted key goes nowhere else. The API-key scheme is the one offered first, with
 * an empty value to paste into.
 */
export const SCALAR_CONFIGURATION = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
  hideClientButton: true,
  persistAuth: false,
  documentDownloadType: "json",
  authentication: { preferredSecurityScheme: "apiKey", securitySchemes: { apiKey: { value: "" } } },
  customCss: CONTRAST_CSS,
} as const;

/** JSON that is safe inside a `<script>` element (no `</script>`, no HTML comment openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * The /docs HTML. `servers` is the page's own origin, read in the browser, so try-it calls the deployment the reader
 * is looking at (behind any proxy or custom domain).
 * @example
 *   c.html(docsPage(c.get("secureHeadersNonce")!))
 */
export function docsPage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>edge-kyc API reference</title>
</head>
<body>
<noscript><p>This reference needs JavaScript. The API is described by <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p></noscript>
<div id="app"></div>
<script src="${SCALAR_BUNDLE_PATH}"></script>
<script nonce="${nonce}">
if (typeof Scalar === "undefined") {
  document.getElementById("app").textContent = "The reference's script (${SCALAR_BUNDLE_PATH}) is missing: run node scripts/docs-assets.mjs. The API is described by /openapi.json.";
} else {
  Scalar.createApiReference("#app", Object.assign(${scriptJson(SCALAR_CONFIGURATION)}, { servers: [{ url: location.origin, description: "This server" }] }));
}
</script>
</body></html>`;
}
