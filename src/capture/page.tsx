/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The capture page as plain functions of data: the frame (landmarks, our stylesheet, no referrer), the shell with one
 * hidden section per step that the page script reveals in turn, and the page's own error screen. Every word comes from
 * the catalogue of the chosen locale; the script gets the same catalogue as a JSON data block (not executed, so the
 * CSP's `script-src 'self'` still holds).
 */
import type { Child } from "hono/jsx";
import type { CaptureSession } from "./capture-session";
import type { Catalogue, CaptureLocale, MessageKey } from "./messages";
import { CONSENT_VERSION, format } from "./messages";

/** Bump with any change to public/assets/capture/capture.js: browsers cache the script by this query. */
export const CAPTURE_SCRIPT_VERSION = "2026-12-04.1";
export const CAPTURE_SCRIPT_PATH = `/assets/capture/capture.js?v=${CAPTURE_SCRIPT_VERSION}`;
export const CAPTURE_CSS_PATH = `/capture/assets/capture.css?v=${CAPTURE_SCRIPT_VERSION}`;

/** What the page script reads from the `#capture-config` data block. */
export interface CaptureConfig {
  session_id: string;
  state: CaptureSession["state"];
  locale: CaptureLocale;
  tenant: string;
  allowed_document_types: string[];
  challenge_required: boolean;
  return_url: string | null;
  consent_version: string;
  messages: Catalogue;
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can close or confuse it. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

/** The frame shared by the shell and the error screen. */
export function CaptureLayout(props: { locale: CaptureLocale; t: Catalogue; title: string; tenant?: string; children?: Child; script?: Child }) {
  return (
    <html lang={props.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex, nofollow" />
        {/* No favicon request: the page loads nothing it does not need. */}
        <link rel="icon" href="data:," />
        <title>{props.title}</title>
        <link rel="stylesheet" href={CAPTURE_CSS_PATH} />
      </head>
      <body>
        <a class="skip" href="#main">
          {props.t.skip_to_content}
        </a>
        <header class="top">{props.tenant ? format(props.t.powered_by, { tenant: props.tenant }) : props.t.page_title}</header>
        <main id="main">{props.children}</main>
        {props.script}
      </body>
    </html>
  );
}

/** The page's own error screen (unknown link, ended session). */
export function CaptureProblem(props: { locale: CaptureLocale; t: Catalogue; title: MessageKey; body: MessageKey; tenant?: string }) {
  return (
    <CaptureLayout locale={props.locale} t={props.t} title={props.t[props.title]} tenant={props.tenant}>
      <h1>{props.t[props.title]}</h1>
      <p>{format(props.t[props.body], { tenant: props.tenant ?? "" })}</p>
    </CaptureLayout>
  );
}

/** One step's section: hidden until the script shows it, its heading focusable so the script can move focus there. */
function Step(props: { name: string; title: string; children?: Child }) {
  return (
    <section data-step={props.name} aria-labelledby={`step-${props.name}-title`} hidden>
      <h2 id={`step-${props.name}-title`} tabindex={-1}>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/** The shell: every step's static text, the live regions, and the script with its configuration. */
export function CaptureShell(props: { config: CaptureConfig }) {
  const { config } = props;
  const t = config.messages;
  const tenant = { tenant: config.tenant };
  const doctypeLabel = (type: string) => t[`doctype_${type}` as MessageKey] ?? type;
  const script = (
    <>
      <script type="application/json" id="capture-config" dangerouslySetInnerHTML={{ __html: scriptJson(config) }} />
      <script type="module" src={CAPTURE_SCRIPT_PATH} />
    </>
  );
  return (
    <CaptureLayout locale={config.locale} t={t} title={t.page_title} tenant={config.tenant} script={script}>
      <h1>{t.page_title}</h1>
      <noscript>
        <p class="alert">{t.noscript}</p>
      </noscript>
      <p id="capture-status" class="status" role="status" aria-live="polite">
        {t.loading}
      </p>
      <div id="capture-alert" class="alert" role="alert" aria-live="assertive" />

      <Step name="link-used" title={t.link_used_title}>
        <p>{format(t.link_used_body, tenant)}</p>
      </Step>

      <Step name="consent" title={t.consent_title}>
        <form id="consent-form" novalidate>
          <p>{format(t.consent_body, tenant)}</p>
          <p class="version">{format(t.consent_version, { version: config.consent_version })}</p>
          <label class="check">
            <input type="checkbox" id="consent-check" name="consent" required aria-describedby="consent-error" />
            <span>{t.consent_checkbox}</span>
          </label>
          <p id="consent-error" class="muted" />
          <button type="submit">{t.continue}</button>
        </form>
      </Step>

      <Step name="doctype" title={t.doctype_title}>
        <form id="doctype-form" novalidate>
          <fieldset aria-describedby="doctype-error">
            <legend>{t.doctype_legend}</legend>
            {config.allowed_document_types.map((type) => (
              <label>
                <input type="radio" name="document_type" value={type} required />
                <span>{doctypeLabel(type)}</span>
              </label>
            ))}
          </fieldset>
          <p id="doctype-error" class="muted" />
          <button type="submit">{t.continue}</button>
        </form>
      </Step>

      <Step name="camera" title={t.front_title}>
        <p id="camera-hint">{t.front_hint}</p>
        <div class="camera" id="camera-box">
          <video id="camera-video" autoplay muted playsinline aria-label={t.camera_label} />
          <div class="guide" aria-hidden="true" />
        </div>
        <p id="camera-guidance" class="status" role="status" aria-live="polite" />
        <button type="button" id="camera-shoot">
          {t.take_photo}
        </button>
        <label class="file" for="camera-file">
          {t.use_file}
          <input type="file" id="camera-file" accept="image/*" capture="environment" />
        </label>
      </Step>

      <Step name="challenge" title={t.challenge_title}>
        <div class="camera selfie">
          <video id="challenge-video" class="mirrored" autoplay muted playsinline aria-label={t.camera_label} />
          <div class="guide" aria-hidden="true" />
        </div>
        <p id="challenge-intro" />
        <p class="instruction" id="challenge-instruction" aria-live="polite">
          <span class="arrow" aria-hidden="true" id="challenge-arrow" />
          <span id="challenge-text" />
        </p>
        <p id="challenge-progress" class="muted" />
        <button type="button" id="challenge-start">
          {t.challenge_start}
        </button>
      </Step>

      <Step name="submit" title={t.submit_title}>
        <p>{format(t.submit_body, tenant)}</p>
        <button type="button" id="submit-button">
          {t.submit_button}
        </button>
      </Step>

      <Step name="done" title={t.done_title}>
        <p>{format(t.done_body, tenant)}</p>
        {config.return_url ? (
          <>
            <p id="done-redirect">{format(t.done_redirect, tenant)}</p>
            <p>
              <a id="done-link" class="button" href="#" rel="noreferrer">
                {t.done_go_now}
              </a>
            </p>
          </>
        ) : null}
      </Step>
    </CaptureLayout>
  );
}

/** The configuration for the shell. */
export function captureConfig(session: CaptureSession, locale: CaptureLocale, messages: Catalogue): CaptureConfig {
  return {
    session_id: session.id,
    state: session.state,
    locale,
    tenant: session.tenantName,
    allowed_document_types: session.allowedDocumentTypes,
    challenge_required: session.challengeRequired,
    return_url: session.returnUrl,
    consent_version: CONSENT_VERSION,
    messages,
  };
}
