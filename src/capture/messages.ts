/**
 * The capture page's words, one catalogue per locale with the same keys (a test checks it). The server renders the
 * static screens from it and hands the page script the same catalogue as JSON for what changes while it runs
 * (guidance, retake prompts, challenge steps). `{name}` placeholders are filled by `format`.
 */

export const CAPTURE_LOCALES = ["en", "de"] as const;
export type CaptureLocale = (typeof CAPTURE_LOCALES)[number];

/** The version of the consent text below; shown to the applicant, bumped whenever the text changes. */
export const CONSENT_VERSION = "capture-2026-12";

const en = {
  page_title: "Verify your identity",
  skip_to_content: "Skip to content",
  powered_by: "Identity check for {tenant}",
  loading: "Loading…",
  noscript: "This page needs JavaScript to use your camera. Turn JavaScript on and reload the page.",
  // Errors of the page itself (server-rendered)
  not_found_title: "This link does not work",
  not_found_body: "We could not find this identity check. Open the latest link you received.",
  ended_title: "This identity check has ended",
  ended_body: "This link is no longer valid: the check was completed, canceled or it expired. If you still need to verify, ask for a new link.",
  // Link already used / no credential
  link_used_title: "This link was already used",
  link_used_body: "For your security a link works in one browser only. Open the latest link from {tenant}.",
  // Consent
  consent_title: "Before we start",
  consent_body:
    "{tenant} asks you to prove your identity. You will take a photo of your identity document and a selfie. The images are used only to check that the document is genuine and that it belongs to you, and are deleted according to {tenant}'s retention policy.",
  consent_version: "Consent text version {version}",
  consent_checkbox: "I agree that my document and my face are checked for this purpose",
  consent_required: "Tick the box to continue.",
  continue: "Continue",
  // Document type
  doctype_title: "Which document do you have?",
  doctype_legend: "Document type",
  doctype_passport: "Passport",
  doctype_id_card: "Identity card",
  doctype_driving_licence: "Driving licence",
  doctype_residence_permit: "Residence permit",
  doctype_required: "Choose a document to continue.",
  // Camera steps
  front_title: "Photograph the front of your document",
  back_title: "Photograph the back of your document",
  selfie_title: "Take a selfie",
  front_hint: "Lay the document on a dark, plain surface and fit all four corners inside the frame.",
  back_hint: "Turn the document over and fit all four corners inside the frame.",
  selfie_hint: "Look straight at the camera in good light. Remove sunglasses and hats.",
  camera_label: "Camera preview",
  take_photo: "Take photo",
  use_file: "Or choose a photo from your device",
  camera_unavailable: "We cannot use your camera. Choose a photo from your device instead.",
  camera_starting: "Starting the camera…",
  uploading: "Uploading…",
  uploaded: "Photo accepted.",
  // Live guidance
  guide_ok: "Looks good. Take the photo.",
  guide_dark: "Too dark: move to a brighter place.",
  guide_blurry: "Too blurry: hold still and let the camera focus.",
  guide_not_in_frame: "The document is not fully in the frame: move back a little so all four corners show.",
  guide_no_document: "We cannot see a document: place it inside the frame.",
  // Retake prompts (server answers)
  retake_too_large: "The photo is too large ({max}). Take it again or choose a smaller file.",
  retake_type: "This file type is not accepted. Use a JPEG, PNG or WebP photo.",
  retake_invalid: "The photo could not be read. Take it again.",
  retake_too_many_pixels: "The photo has too many pixels. Take it again or choose a smaller one.",
  retake_rate_limited: "Too many attempts. Wait a minute and try again.",
  retake_network: "The connection failed. Check your connection and try again.",
  retake_other: "The photo was not accepted: {message}",
  session_ended: "This identity check has ended. Open the latest link from {tenant}.",
  // Challenge
  challenge_title: "Follow the instructions",
  challenge_intro: "We will ask you to move your head {count} times. Follow each instruction when the countdown ends.",
  challenge_start: "Start",
  challenge_progress: "Step {index} of {count}",
  challenge_countdown: "Hold the position in {seconds}…",
  challenge_turn_left: "Turn your head to your left",
  challenge_turn_right: "Turn your head to your right",
  challenge_look_up: "Look up",
  challenge_look_down: "Look down",
  // Submit and end
  submit_title: "Send your photos",
  submit_body: "Your photos are ready. Send them to {tenant} to finish.",
  submit_button: "Send",
  submitting: "Sending…",
  done_title: "Thank you, your photos were sent",
  done_body: "{tenant} will let you know the result. You can close this page.",
  done_redirect: "Returning you to {tenant} in a few seconds…",
  done_go_now: "Go back now",
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;

const de: Catalogue = {
  page_title: "Identität bestätigen",
  skip_to_content: "Zum Inhalt springen",
  powered_by: "Identitätsprüfung für {tenant}",
  loading: "Wird geladen…",
  noscript: "Diese Seite braucht JavaScript, um Ihre Kamera zu verwenden. Schalten Sie JavaScript ein und laden Sie die Seite neu.",
  not_found_title: "Dieser Link funktioniert nicht",
  not_found_body: "Wir konnten diese Identitätsprüfung nicht finden. Öffnen Sie den neuesten Link, den Sie erhalten haben.",
  ended_title: "Diese Identitätsprüfung ist beendet",
  ended_body:
    "Dieser Link ist nicht mehr gültig: Die Prüfung wurde abgeschlossen, abgebrochen oder ist abgelaufen. Wenn Sie sich noch ausweisen müssen, fordern Sie einen neuen Link an.",
  link_used_title: "Dieser Link wurde bereits verwendet",
  link_used_body: "Zu Ihrer Sicherheit funktioniert ein Link nur in einem Browser. Öffnen Sie den neuesten Link von {tenant}.",
  consent_title: "Bevor es losgeht",
  consent_body:
    "{tenant} bittet Sie, Ihre Identität nachzuweisen. Sie fotografieren Ihr Ausweisdokument und machen ein Selfie. Die Bilder werden nur verwendet, um zu prüfen, ob das Dokument echt ist und Ihnen gehört, und werden gemäß der Aufbewahrungsrichtlinie von {tenant} gelöscht.",
  consent_version: "Version des Einwilligungstextes {version}",
  consent_checkbox: "Ich bin einverstanden, dass mein Dokument und mein Gesicht zu diesem Zweck geprüft werden",
  consent_required: "Setzen Sie das Häkchen, um fortzufahren.",
  continue: "Weiter",
  doctype_title: "Welches Dokument haben Sie?",
  doctype_legend: "Dokumentart",
  doctype_passport: "Reisepass",
  doctype_id_card: "Personalausweis",
  doctype_driving_licence: "Führerschein",
  doctype_residence_permit: "Aufenthaltstitel",
  doctype_required: "Wählen Sie ein Dokument, um fortzufahren.",
  front_title: "Fotografieren Sie die Vorderseite Ihres Dokuments",
  back_title: "Fotografieren Sie die Rückseite Ihres Dokuments",
  selfie_title: "Machen Sie ein Selfie",
  front_hint: "Legen Sie das Dokument auf eine dunkle, einfarbige Fläche, sodass alle vier Ecken im Rahmen sind.",
  back_hint: "Drehen Sie das Dokument um, sodass alle vier Ecken im Rahmen sind.",
  selfie_hint: "Schauen Sie bei gutem Licht direkt in die Kamera. Nehmen Sie Sonnenbrille und Hut ab.",
  camera_label: "Kameravorschau",
  take_photo: "Foto aufnehmen",
  use_file: "Oder wählen Sie ein Foto von Ihrem Gerät",
  camera_unavailable: "Wir können Ihre Kamera nicht verwenden. Wählen Sie stattdessen ein Foto von Ihrem Gerät.",
  camera_starting: "Kamera wird gestartet…",
  uploading: "Wird hochgeladen…",
  uploaded: "Foto angenommen.",
  guide_ok: "Sieht gut aus. Nehmen Sie das Foto auf.",
  guide_dark: "Zu dunkel: Gehen Sie an einen helleren Ort.",
  guide_blurry: "Zu unscharf: Halten Sie still und lassen Sie die Kamera scharf stellen.",
  guide_not_in_frame: "Das Dokument ist nicht ganz im Rahmen: Gehen Sie etwas zurück, sodass alle vier Ecken zu sehen sind.",
  guide_no_document: "Wir sehen kein Dokument: Legen Sie es in den Rahmen.",
  retake_too_large: "Das Foto ist zu groß ({max}). Nehmen Sie es erneut auf oder wählen Sie eine kleinere Datei.",
  retake_type: "Dieser Dateityp wird nicht angenommen. Verwenden Sie ein JPEG-, PNG- oder WebP-Foto.",
  retake_invalid: "Das Foto konnte nicht gelesen werden. Nehmen Sie es erneut auf.",
  retake_too_many_pixels: "Das Foto hat zu viele Pixel. Nehmen Sie es erneut auf oder wählen Sie ein kleineres.",
  retake_rate_limited: "Zu viele Versuche. Warten Sie eine Minute und versuchen Sie es erneut.",
  retake_network: "Die Verbindung ist fehlgeschlagen. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
  retake_other: "Das Foto wurde nicht angenommen: {message}",
  session_ended: "Diese Identitätsprüfung ist beendet. Öffnen Sie den neuesten Link von {tenant}.",
  challenge_title: "Folgen Sie den Anweisungen",
  challenge_intro: "Wir bitten Sie, den Kopf {count}-mal zu bewegen. Folgen Sie jeder Anweisung, wenn der Countdown endet.",
  challenge_start: "Starten",
  challenge_progress: "Schritt {index} von {count}",
  challenge_countdown: "Position halten in {seconds}…",
  challenge_turn_left: "Drehen Sie den Kopf nach links",
  challenge_turn_right: "Drehen Sie den Kopf nach rechts",
  challenge_look_up: "Schauen Sie nach oben",
  challenge_look_down: "Schauen Sie nach unten",
  submit_title: "Fotos senden",
  submit_body: "Ihre Fotos sind bereit. Senden Sie sie an {tenant}, um abzuschließen.",
  submit_button: "Senden",
  submitting: "Wird gesendet…",
  done_title: "Vielen Dank, Ihre Fotos wurden gesendet",
  done_body: "{tenant} informiert Sie über das Ergebnis. Sie können diese Seite schließen.",
  done_redirect: "Sie werden in wenigen Sekunden zu {tenant} zurückgeleitet…",
  done_go_now: "Jetzt zurückkehren",
};

export const CATALOGUES: Record<CaptureLocale, Catalogue> = { en, de };

/**
 * The page's locale: `?lang=` when it names a catalogue, else the session's, else English.
 *
 * @example
 * pickLocale("de", "en") // → "de"
 * pickLocale("fr", "de") // → "de"
 * pickLocale(undefined, undefined) // → "en"
 */
export function pickLocale(requested: string | undefined, sessionLocale: string | undefined): CaptureLocale {
  const known = (value: string | undefined): value is CaptureLocale => (CAPTURE_LOCALES as readonly string[]).includes(value ?? "");
  if (known(requested)) return requested;
  if (known(sessionLocale)) return sessionLocale;
  return "en";
}

/**
 * Fills `{name}` placeholders; an unknown placeholder stays as written, so a missing value is visible, not blank.
 *
 * @example
 * format("Step {index} of {count}", { index: 1, count: 3 }) // → "Step 1 of 3"
 */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
