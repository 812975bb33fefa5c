// @ts-check
/**
 * The hosted capture page's script (served as a static file; see src/capture/capture-app.tsx for the page and its CSP).
 *
 * Flow: read `#secret=vsess_…` from the fragment and strip it at once (it must never stay in the URL, the history or
 * a Referer) → exchange it for the page's `vsct_…` credential, kept in sessionStorage under the session id so a
 * reload resumes → consent → document type → document front (and back) → selfie (a burst, the sharpest frame kept) →
 * head-pose challenge when the session requires one → submit → final screen → back to the tenant's return URL.
 * Every step is resumable: the status read (GET /v1/verifications/{id} with the credential) says which images are in.
 *
 * Live guidance runs on a downscaled frame (~160 px wide, every 300 ms): mean luma (too dark), variance of a Laplacian
 * (too blurry), and strong edges touching the frame's border or too few inside the guide box (document not in frame).
 * It only advises: the capture button always works, and the server's checks decide.
 */

/**
 * @typedef {{
 *   session_id: string, state: "usable" | "submitted" | "ended", locale: string, tenant: string,
 *   allowed_document_types: string[], challenge_required: boolean, return_url: string | null,
 *   consent_version: string, messages: Record<string, string>
 * }} CaptureConfig
 * @typedef {{ credential?: string, verification_id?: string, consented?: boolean, document_type?: string,
 *   steps?: string[], submitted?: boolean }} Saved
 * @typedef {{ id: string, status: string, media: string[], selfie_frames: number, challenge_steps: number }} Progress
 * @typedef {"document_front" | "document_back" | "selfie"} CameraKind
 */

/** Sides with a back to photograph. */
const TWO_SIDED = ["id_card", "residence_permit", "driving_licence"];
/** Width of the frame the guidance looks at. */
const GUIDE_WIDTH = 160;
const GUIDE_EVERY_MS = 300;
/** Below this mean luma (0–255) the frame is too dark. */
const DARK_LUMA = 55;
/** Below this variance of the Laplacian (on the 160 px frame) it is too blurry. */
const BLURRY_LAPLACIAN = 25;
/** A gradient above this is a strong edge. */
const STRONG_EDGE = 60;
const JPEG_QUALITY = 0.92;
const SELFIE_BURST = 5;
const SELFIE_BURST_MS = 1000;
const COUNTDOWN_SECONDS = 3;
const REDIRECT_AFTER_MS = 4000;
const ARROWS = /** @type {Record<string, string>} */ ({ turn_left: "←", turn_right: "→", look_up: "↑", look_down: "↓" });

/** @type {CaptureConfig} */
const config = JSON.parse(/** @type {HTMLElement} */ (document.getElementById("capture-config")).textContent || "{}");
const storageKey = `edge-kyc.capture.${config.session_id}`;

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * A catalogue message with `{name}` placeholders filled.
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 */
function t(key, values = {}) {
  const template = config.messages[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** @returns {Saved} */
function load() {
  try {
    return JSON.parse(sessionStorage.getItem(storageKey) || "{}");
  } catch {
    return {};
  }
}

/** @param {Partial<Saved>} changes */
function save(changes) {
  const next = { ...load(), ...changes };
  sessionStorage.setItem(storageKey, JSON.stringify(next));
  return next;
}

/** @param {string} text */
const say = (text) => {
  byId("capture-status").textContent = text;
};
/** @param {string} text */
const alertText = (text) => {
  byId("capture-alert").textContent = text;
};

/** Shows one step's section and moves focus to its heading, so a screen reader announces where the applicant is. */
/** @param {string} name */
function showStep(name) {
  for (const section of document.querySelectorAll("section[data-step]")) {
    /** @type {HTMLElement} */ (section).hidden = section.getAttribute("data-step") !== name;
  }
  const heading = /** @type {HTMLElement | null} */ (document.querySelector(`section[data-step="${name}"] h2`));
  heading?.focus();
}

/**
 * The secret from `#secret=…`, removed from the address bar and the history entry before anything else happens.
 * @returns {string | null}
 */
function takeSecret() {
  const match = /(?:^#|&)secret=([^&]+)/.exec(location.hash);
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return match ? decodeURIComponent(match[1]) : null;
}

/**
 * One API call with the page's credential (or `bearer`), JSON in and out.
 * @param {string} method
 * @param {string} path
 * @param {{ json?: unknown, body?: Blob, bearer?: string, headers?: Record<string, string> }} [options]
 * @returns {Promise<{ status: number, data: any }>}
 */
async function api(method, path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${options.bearer ?? load().credential ?? ""}`, ...(options.headers ?? {}) };
  /** @type {BodyInit | undefined} */
  let body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body) {
    body = options.body;
  }
  const res = await fetch(path, { method, headers, body, credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store" });
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}

/**
 * What to tell the applicant about a refused upload: the error code (and reason) of src/media/uploads.ts mapped to
 * the catalogue; anything else in the server's own words.
 * @param {number} status
 * @param {any} data
 */
function retakeMessage(status, data) {
  const error = data?.error ?? {};
  if (status === 401) return t("session_ended", { tenant: config.tenant });
  switch (error.code) {
    case "PAYLOAD_TOO_LARGE":
      return t("retake_too_large", { max: `${Math.round((error.details?.max_bytes ?? 10485760) / 1048576)} MB` });
    case "UNSUPPORTED_MEDIA_TYPE":
      return t("retake_type");
    case "IMAGE_INVALID":
      return error.details?.reason === "TOO_MANY_PIXELS" ? t("retake_too_many_pixels") : t("retake_invalid");
    case "RATE_LIMITED":
      return t("retake_rate_limited");
    default:
      return t("retake_other", { message: error.message ?? String(status) });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Camera and image measures

/** @type {MediaStream | null} */
let stream = null;
/** @type {number | undefined} */
let guideTimer;

function stopCamera() {
  if (guideTimer !== undefined) clearInterval(guideTimer);
  guideTimer = undefined;
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
}

/**
 * Starts a camera into `video`; null when there is none or it is refused (the file picker remains).
 * @param {HTMLVideoElement} video
 * @param {"environment" | "user"} facing
 */
async function startCamera(video, facing) {
  stopCamera();
  if (!navigator.mediaDevices?.getUserMedia) return null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1080 } } });
  } catch {
    return null;
  }
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  if (!video.videoWidth) await new Promise((resolve) => video.addEventListener("loadedmetadata", resolve, { once: true }));
  return stream;
}

/**
 * The video's current frame on a canvas, at full size or scaled to `width`. Frames are drawn unmirrored whatever the
 * preview's CSS shows.
 * @param {HTMLVideoElement} video
 * @param {number} [width]
 */
function grab(video, width) {
  const scale = width ? width / video.videoWidth : 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
  canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/**
 * Luma (BT.601) of a canvas's pixels.
 * @param {HTMLCanvasElement} canvas
 */
function lumaOf(canvas) {
  const { data } = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true })).getImageData(0, 0, canvas.width, canvas.height);
  const luma = new Float32Array(canvas.width * canvas.height);
  for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * data[i * 4] + 0.587 * data[i * 4 + 1] + 0.114 * data[i * 4 + 2];
  return luma;
}

/**
 * Mean luma, variance of the 4-neighbour Laplacian, and where the strong edges are: the share of border pixels
 * (outer 3%) that are strong edges, and the share of strong-edge pixels inside the guide box (inset 12% / 8%, as the
 * CSS draws it).
 * @param {Float32Array} luma
 * @param {number} width
 * @param {number} height
 */
function measure(luma, width, height) {
  let sum = 0;
  for (const value of luma) sum += value;
  const mean = sum / luma.length;
  let lapSum = 0;
  let lapSquares = 0;
  let count = 0;
  let borderStrong = 0;
  let borderCount = 0;
  let insideStrong = 0;
  let insideCount = 0;
  const bx = Math.max(1, Math.round(width * 0.03));
  const by = Math.max(1, Math.round(height * 0.03));
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const lap = luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width] - 4 * luma[i];
      lapSum += lap;
      lapSquares += lap * lap;
      count++;
      const gradient = Math.abs(luma[i + 1] - luma[i - 1]) + Math.abs(luma[i + width] - luma[i - width]);
      const strong = gradient > STRONG_EDGE;
      if (x <= bx || x >= width - 1 - bx || y <= by || y >= height - 1 - by) {
        borderCount++;
        if (strong) borderStrong++;
      } else if (x > width * 0.08 && x < width * 0.92 && y > height * 0.12 && y < height * 0.88) {
        insideCount++;
        if (strong) insideStrong++;
      }
    }
  }
  const lapMean = lapSum / count;
  return { mean, laplacianVariance: lapSquares / count - lapMean * lapMean, borderEdges: borderStrong / Math.max(1, borderCount), insideEdges: insideStrong / Math.max(1, insideCount) };
}

/**
 * The guidance message for a frame.
 * @param {ReturnType<typeof measure>} m
 * @param {boolean} isDocument
 */
function guidanceFor(m, isDocument) {
  if (m.mean < DARK_LUMA) return t("guide_dark");
  if (m.laplacianVariance < BLURRY_LAPLACIAN) return t("guide_blurry");
  if (isDocument && m.borderEdges > 0.12) return t("guide_not_in_frame");
  if (isDocument && m.insideEdges < 0.015) return t("guide_no_document");
  return t("guide_ok");
}

/** @param {HTMLCanvasElement} canvas */
const sharpness = (canvas) => measure(lumaOf(canvas), canvas.width, canvas.height).laplacianVariance;

/**
 * @param {HTMLCanvasElement} canvas
 * @returns {Promise<Blob>}
 */
const toJpeg = (canvas) => new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))), "image/jpeg", JPEG_QUALITY));

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Uploads one image as `kind`; true when stored, else the retake prompt is shown.
 * @param {string} kind
 * @param {Blob} image
 */
async function upload(kind, image) {
  say(t("uploading"));
  alertText("");
  /** @type {{ status: number, data: any }} */
  let res;
  try {
    res = await api("PUT", `/v1/verifications/${load().verification_id}/media/${kind}`, {
      body: image,
      headers: { "Content-Type": image.type || "application/octet-stream", "X-Capture-Source": "hosted-page" },
    });
  } catch {
    say("");
    alertText(t("retake_network"));
    return false;
  }
  if (res.status === 201) {
    say(t("uploaded"));
    return true;
  }
  say("");
  alertText(retakeMessage(res.status, res.data));
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Steps

/** @type {CameraKind} */
let cameraKind = "document_front";
let busy = false;

/** @param {CameraKind} kind */
async function showCamera(kind) {
  cameraKind = kind;
  const selfie = kind === "selfie";
  const titles = { document_front: ["front_title", "front_hint"], document_back: ["back_title", "back_hint"], selfie: ["selfie_title", "selfie_hint"] };
  byId("step-camera-title").textContent = t(titles[kind][0]);
  byId("camera-hint").textContent = t(titles[kind][1]);
  byId("camera-box").classList.toggle("selfie", selfie);
  const video = /** @type {HTMLVideoElement} */ (byId("camera-video"));
  video.classList.toggle("mirrored", selfie);
  const file = /** @type {HTMLInputElement} */ (byId("camera-file"));
  file.value = "";
  file.setAttribute("capture", selfie ? "user" : "environment");
  byId("camera-guidance").textContent = "";
  showStep("camera");
  say(t("camera_starting"));
  const started = await startCamera(video, selfie ? "user" : "environment");
  /** @type {HTMLButtonElement} */ (byId("camera-shoot")).hidden = !started;
  byId("camera-box").hidden = !started;
  if (!started) {
    say(t("camera_unavailable"));
    return;
  }
  say("");
  guideTimer = window.setInterval(() => {
    if (!video.videoWidth) return;
    const small = grab(video, GUIDE_WIDTH);
    const text = guidanceFor(measure(lumaOf(small), small.width, small.height), !selfie);
    const region = byId("camera-guidance");
    if (region.textContent !== text) region.textContent = text;
  }, GUIDE_EVERY_MS);
}

async function shoot() {
  if (busy) return;
  busy = true;
  const button = /** @type {HTMLButtonElement} */ (byId("camera-shoot"));
  button.disabled = true;
  try {
    const video = /** @type {HTMLVideoElement} */ (byId("camera-video"));
    let best = grab(video);
    if (cameraKind === "selfie") {
      // A burst: the sharpest of a few frames over about a second (a blink or a shake spoils one, not all).
      let bestScore = sharpness(grab(video, GUIDE_WIDTH * 2));
      for (let i = 1; i < SELFIE_BURST; i++) {
        await sleep(SELFIE_BURST_MS / SELFIE_BURST);
        const frame = grab(video);
        const score = sharpness(grab(video, GUIDE_WIDTH * 2));
        if (score > bestScore) {
          best = frame;
          bestScore = score;
        }
      }
    }
    if (await upload(cameraKind, await toJpeg(best))) await next();
  } finally {
    busy = false;
    button.disabled = false;
  }
}

/** @param {Event} event */
async function pickFile(event) {
  const input = /** @type {HTMLInputElement} */ (event.target);
  const file = input.files?.[0];
  if (!file || busy) return;
  busy = true;
  try {
    if (await upload(cameraKind, file)) await next();
  } finally {
    busy = false;
    input.value = "";
  }
}

/** @param {Progress} progress */
async function showChallenge(progress) {
  showStep("challenge");
  const saved = load();
  const resumable = saved.steps && progress.challenge_steps === saved.steps.length && progress.selfie_frames < saved.steps.length;
  byId("challenge-intro").textContent = t("challenge_intro", { count: saved.steps?.length ?? 3 });
  byId("challenge-text").textContent = "";
  byId("challenge-arrow").textContent = "";
  byId("challenge-progress").textContent = resumable && saved.steps ? t("challenge_progress", { index: progress.selfie_frames + 1, count: saved.steps.length }) : "";
  const video = /** @type {HTMLVideoElement} */ (byId("challenge-video"));
  await startCamera(video, "user");
  const start = /** @type {HTMLButtonElement} */ (byId("challenge-start"));
  start.disabled = false;
  start.onclick = () => runChallenge(video, resumable ? progress.selfie_frames : 0, Boolean(resumable));
}

/**
 * Issues the challenge (unless resuming one) and captures one frame per step after a countdown, uploading each as a
 * `selfie_frame` in order. Frames are sent unmirrored, so the server is told `mirrored: false`.
 * @param {HTMLVideoElement} video
 * @param {number} from
 * @param {boolean} resuming
 */
async function runChallenge(video, from, resuming) {
  const start = /** @type {HTMLButtonElement} */ (byId("challenge-start"));
  start.disabled = true;
  alertText("");
  let steps = load().steps ?? [];
  if (!resuming) {
    const issued = await api("POST", `/v1/verifications/${load().verification_id}/challenge`, { json: { mirrored: false } });
    if (issued.status !== 201) {
      alertText(retakeMessage(issued.status, issued.data));
      start.disabled = false;
      return;
    }
    steps = issued.data.steps;
    save({ steps });
  }
  for (let index = from; index < steps.length; index++) {
    byId("challenge-arrow").textContent = ARROWS[steps[index]] ?? "";
    byId("challenge-text").textContent = t(`challenge_${steps[index]}`);
    byId("challenge-progress").textContent = t("challenge_progress", { index: index + 1, count: steps.length });
    for (let seconds = COUNTDOWN_SECONDS; seconds > 0; seconds--) {
      say(t("challenge_countdown", { seconds }));
      await sleep(1000);
    }
    say("");
    if (!(await upload("selfie_frame", await toJpeg(grab(video))))) {
      start.disabled = false;
      start.onclick = () => runChallenge(video, index, true);
      return;
    }
  }
  await next();
}

async function submit() {
  const button = /** @type {HTMLButtonElement} */ (byId("submit-button"));
  button.disabled = true;
  say(t("submitting"));
  alertText("");
  const res = await api("POST", `/v1/verifications/${load().verification_id}/submit`).catch(() => ({ status: 0, data: null }));
  button.disabled = false;
  if (res.status === 202 || res.status === 409) {
    save({ submitted: true });
    showDone();
    return;
  }
  say("");
  alertText(res.status === 0 ? t("retake_network") : retakeMessage(res.status, res.data));
}

/** The final screen: never the outcome; back to the tenant after a few seconds when it gave a return URL. */
function showDone() {
  stopCamera();
  // The credential is of no more use to this page (and the session refuses it for everything but status reads).
  sessionStorage.removeItem(storageKey);
  say("");
  showStep("done");
  if (!config.return_url) return;
  const target = new URL(config.return_url);
  target.searchParams.set("session_id", config.session_id);
  const link = /** @type {HTMLAnchorElement} */ (byId("done-link"));
  link.href = target.href;
  setTimeout(() => location.assign(target.href), REDIRECT_AFTER_MS);
}

function showLinkUsed() {
  stopCamera();
  say("");
  showStep("link-used");
}

/** Decides the next step from what the server holds and what this tab saved, and shows it. */
async function next() {
  stopCamera();
  const saved = load();
  if (!saved.credential || !saved.verification_id) return showLinkUsed();
  const res = await api("GET", `/v1/verifications/${saved.verification_id}`).catch(() => ({ status: 0, data: null }));
  if (res.status === 401) {
    sessionStorage.removeItem(storageKey);
    alertText(t("session_ended", { tenant: config.tenant }));
    return showLinkUsed();
  }
  if (res.status !== 200) {
    alertText(t("retake_network"));
    return;
  }
  /** @type {Progress} */
  const progress = { media: [], selfie_frames: 0, challenge_steps: 0, ...res.data };
  if (progress.status !== "created" || saved.submitted) return showDone();
  say("");
  if (!saved.consented) return showStep("consent");
  if (!saved.document_type) return showStep("doctype");
  if (!progress.media.includes("document_front")) return showCamera("document_front");
  if (TWO_SIDED.includes(saved.document_type) && !progress.media.includes("document_back")) return showCamera("document_back");
  if (!progress.media.includes("selfie")) return showCamera("selfie");
  const steps = saved.steps?.length ?? 0;
  if (config.challenge_required && !(steps > 0 && progress.challenge_steps === steps && progress.selfie_frames >= steps)) return showChallenge(progress);
  showStep("submit");
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

byId("consent-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = /** @type {HTMLInputElement} */ (byId("consent-check"));
  if (!box.checked) {
    byId("consent-error").textContent = t("consent_required");
    box.setAttribute("aria-invalid", "true");
    box.focus();
    return;
  }
  save({ consented: true });
  next();
});

byId("doctype-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const chosen = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=document_type]:checked"));
  if (!chosen) {
    byId("doctype-error").textContent = t("doctype_required");
    /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=document_type]"))?.focus();
    return;
  }
  save({ document_type: chosen.value });
  next();
});

byId("camera-shoot").addEventListener("click", () => void shoot());
byId("camera-file").addEventListener("change", (event) => void pickFile(event));
byId("submit-button").addEventListener("click", () => void submit());

/** Exchanges the link's secret (once), or resumes with the credential this tab saved. */
async function startPage() {
  const secret = takeSecret();
  if (secret) {
    const res = await api("POST", `/v1/verification-sessions/${config.session_id}/exchange`, { bearer: secret }).catch(() => ({ status: 0, data: null }));
    if (res.status === 200) {
      sessionStorage.removeItem(storageKey);
      save({ credential: res.data.credential, verification_id: res.data.verification_id });
    } else if (res.status === 0) {
      alertText(t("retake_network"));
      return;
    }
  }
  if (config.state === "submitted" && !load().credential) return showDone();
  // One choice is no choice: the question is skipped.
  if (config.allowed_document_types.length === 1 && load().credential && !load().document_type) save({ document_type: config.allowed_document_types[0] });
  await next();
}

void startPage();
