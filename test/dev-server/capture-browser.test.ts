/**
 * The hosted capture page (issue 14) in a real browser with a fake camera: Debian's chromium driven by playwright-core
 * against a throwaway `wrangler dev --local` (scripts/local-server.mjs), the real pipeline deciding.
 *
 * The camera is chromium's file-backed fake device (`--use-file-for-fake-video-capture`), fed a Y4M the test writes:
 * first a photographed generated passport whose portrait is the woman of face-api's sample1 (scripts/docgen), then,
 * once the page has sent the document, the same woman in sample3 centred in the frame. Chromium opens the file each
 * time the page starts the camera, so the file is swapped (written aside and renamed over) between the two steps;
 * the test checks the uploaded bytes to prove which frame each upload came from.
 *
 * Twice through the page: without a challenge (→ `verified`) and with one (the static camera cannot turn its head →
 * `manual_review` with CHALLENGE_FAILED). Each time: open the link, consent, pick the document, photograph it,
 * selfie, (challenge), submit, land on return_url with `session_id`; the verification turns final and the
 * `verification.completed` webhook reaches a Node receiver. Also: the link's secret replayed after the page exchanged
 * it → 401; the page's credential refused for uploads after submit and for everything after completion (401); a
 * reload mid-flow resumes at the step it left; axe-core finds no serious or critical violation on any step; no CSP
 * violation; screenshots of each step in test-results/screenshots/capture-*.png.
 */
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import type { Browser, Page, Request } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, offlinePage, shot as screenshot, startHookReceiver } from "../helpers/browser";
import type { HookReceiver } from "../helpers/browser";
// @ts-expect-error plain ESM helper shared with bench/dev-load (no type declarations)
import * as dev from "../../scripts/local-server.mjs";
import { photograph, randomHolder, renderDocument } from "../../scripts/docgen/index.mjs";
import type { Holder } from "../../scripts/docgen/index.mjs";
import { CATALOGUES } from "../../src/capture/messages";

// Names of the page's world, used only inside page.evaluate / waitForFunction callbacks (this project has no DOM lib).
declare const document: { activeElement: { tagName: string } | null; getElementById(id: string): { textContent: string | null } | null };
declare const location: { hash: string };
declare const sessionStorage: { getItem(key: string): string | null };

interface Server {
  base: string;
  output(): string;
  stop(options?: { keep?: boolean; signal?: string }): Promise<void>;
}

const log = (line: string) => console.log(`[capture-browser] ${line}`);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const WIDTH = 1920;
const HEIGHT = 1080;
const t = CATALOGUES.en;

let server: Server;
let browser: Browser;
let liveKey: string;
let receiver: HookReceiver;
let work: string;
/** The file chromium reads as its camera, and the two frames swapped into it. */
let cameraFile: string;
const frames = { document: "", face: "" };
/** The two source frames, greyscale 96×54, to tell which one an upload shows. */
const thumbs: Record<keyof typeof frames, Buffer> = { document: Buffer.alloc(0), face: Buffer.alloc(0) };
let holder: Holder;
/** The document frame as a JPEG, for the file picker. */
let documentJpeg: Buffer;
const cspViolations: string[] = [];
const aborted: string[] = [];

/**
 * RGB → Y4M (4:2:0, BT.601 limited range), `count` frames. With `noise`, each frame's luma gets its own small random
 * offsets (±noise), as a real sensor's frames never repeat pixel for pixel even when nothing moves.
 */
function y4m(rgb: Buffer, width: number, height: number, count = 2, noise = 0): Buffer {
  const ySize = width * height;
  const cw = width / 2;
  const ch = height / 2;
  const planes = Buffer.alloc(ySize + 2 * cw * ch);
  for (let i = 0; i < ySize; i++) {
    const r = rgb[i * 3];
    const g = rgb[i * 3 + 1];
    const b = rgb[i * 3 + 2];
    planes[i] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = ((y * 2 + dy) * width + x * 2 + dx) * 3;
        r += rgb[i] / 4;
        g += rgb[i + 1] / 4;
        b += rgb[i + 2] / 4;
      }
      planes[ySize + y * cw + x] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      planes[ySize + cw * ch + y * cw + x] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const frame = (n: number) => {
    if (!noise || n === 0) return Buffer.concat([Buffer.from("FRAME\n"), planes]);
    const copy = Buffer.from(planes);
    for (let i = 0; i < ySize; i++) copy[i] = Math.min(235, Math.max(16, copy[i] + Math.round((random() * 2 - 1) * noise)));
    return Buffer.concat([Buffer.from("FRAME\n"), copy]);
  };
  return Buffer.concat([header, ...Array.from({ length: count }, (_, n) => frame(n))]);
}

const sample = (n: number) => readFileSync(path.join(ROOT, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));

/** A photographed generated passport (portrait: sample1's woman), filling a 1920×1080 camera frame. */
async function documentFrame(): Promise<{ rgb: Buffer; holder: Holder }> {
  const face = new Uint8Array(await sharp(sample(1)).extract({ left: 1330, top: 60, width: 500, height: 580 }).jpeg({ quality: 95 }).toBuffer());
  const seed = 3;
  const documentHolder: Holder = { ...randomHolder(seed), expiryDate: "2034-06-30" };
  const flat = await renderDocument({ kind: "td3", holder: documentHolder, face, layout: "green-right", fonts: { text: "DejaVu Serif", numbers: "DejaVu Sans Mono" }, seed });
  const photo = await photograph(flat, { seed, width: WIDTH, height: HEIGHT, quality: 95, tables: "ijg", rotationDegrees: 1, tilt: 0.01, blurSigma: 0.6, glare: false, fill: 0.75 });
  const rgb = await sharp(photo.bytes).resize(WIDTH, HEIGHT, { fit: "contain", background: "#202020" }).removeAlpha().raw().toBuffer();
  return { rgb, holder: documentHolder };
}

/**
 * sample3's woman (the crop of test/helpers/portraits.ts) as the whole frame of a portrait-orientation front camera,
 * 550×660. Pasted into a larger plain frame instead, the passive-liveness model sees the photo's edges inside its
 * context crop and calls it a presentation attack (SPOOF_SUSPECTED) — which, for a photo held up, it is.
 */
const FACE = { width: 550, height: 660 };
async function faceFrame(): Promise<Buffer> {
  return sharp(sample(3)).extract({ left: 900, top: 40, ...FACE }).removeAlpha().raw().toBuffer();
}

const thumb = (input: Buffer, raw?: { width: number; height: number }) =>
  sharp(input, raw ? { raw: { ...raw, channels: 3 } } : undefined)
    .resize(96, 54, { fit: "fill" })
    .greyscale()
    .raw()
    .toBuffer();

/** Mean absolute difference of two greyscale thumbnails. */
function difference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Which source frame an uploaded JPEG shows. */
async function shows(jpeg: Buffer): Promise<keyof typeof frames> {
  const small = await thumb(jpeg);
  return difference(small, thumbs.document) < difference(small, thumbs.face) ? "document" : "face";
}

/** Points the fake camera at a frame: written aside and renamed over, so a reader of the old file is undisturbed. */
function useCamera(which: keyof typeof frames) {
  const next = `${cameraFile}.next`;
  copyFileSync(frames[which], next);
  renameSync(next, cameraFile);
}

async function apiCall(method: string, p: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(server.base + p, {
    method,
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, data: (await res.json().catch(() => null)) as any };
}

const shot = (page: Page, name: string) => screenshot(page, `capture-${name}`);

/** Waits for a step's heading to be the visible, focused one. */
async function atStep(page: Page, step: string, heading: string) {
  // The camera section serves three steps: wait for its heading to name this one.
  const selector = `section[data-step="${step}"]:not([hidden]) h2`;
  await page.waitForSelector(selector, { timeout: 30_000 });
  await page.waitForFunction(([sel, text]) => (globalThis as any).document.querySelector(sel)?.textContent === text, [selector, heading] as const, { timeout: 30_000 }).catch(() => undefined);
  expect(await page.textContent(`section[data-step="${step}"] h2`)).toBe(heading);
  expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H2");
}

/** The upload of `kind` the page sends next, and the server's answer to it. */
async function nextUpload(page: Page, kind: string, act: () => Promise<unknown>): Promise<{ request: Request; status: number }> {
  const request = page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith(`/media/${kind}`), { timeout: 60_000 });
  const response = page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith(`/media/${kind}`), { timeout: 60_000 });
  await act();
  const sent = await request;
  return { request: sent, status: (await response).status() };
}

/**
 * Polls the verification with the API key until it is final. The first run loads the models on a busy 2-core machine
 * and the local Worker answers nothing while it decides, so a slow read is retried, not fatal; a miss prints the
 * server's warnings and errors.
 */
async function waitForFinal(id: string, ms = 480_000): Promise<any> {
  const deadline = Date.now() + ms;
  let last: any = null;
  while (Date.now() < deadline) {
    try {
      last = (await apiCall("GET", `/v1/verifications/${id}`, { "X-API-Key": liveKey })).data;
      if (dev.FINAL.includes(last?.status)) return last;
    } catch (err) {
      log(`slow status read for ${id}: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const problems = dev.logLines(server.output()).filter((l: { level?: string }) => l.level === "error" || l.level === "warn");
  throw new Error(`${id} not final (${last?.status}); server: ${JSON.stringify(problems.slice(-8))}`);
}

interface FlowResult {
  verificationId: string;
  status: string;
  reasons: string[];
}

/** One applicant through the page; returns the final verification. */
async function runFlow(name: string, options: { challenge: boolean; reloadAt: "doctype" | "selfie" }): Promise<FlowResult> {
  const created = await apiCall("POST", "/v1/verification-sessions", { "X-API-Key": liveKey }, {
    applicant: { first_name: holder.givenNames, last_name: holder.surname, date_of_birth: holder.birthDate, country: holder.nationality },
    document: { type: "passport", number: holder.documentNumber, issuing_country: holder.issuingState, expiry_date: holder.expiryDate },
    consent: { granted: true, text_version: "2026-01" },
    allowed_document_types: ["passport", "id_card"],
    challenge_required: options.challenge,
    return_url: `${receiver.origin}/done`,
    locale: "en",
  });
  expect(created.status, JSON.stringify(created.data)).toBe(201);
  const { id: sessionId, verification_id: verificationId, url, client_secret: secret } = created.data;
  expect(url).toBe(`${server.base}/capture/${sessionId}#secret=${secret}`);

  useCamera("document");
  const opened = await offlinePage(browser, { width: 414, height: 896 });
  opened.cspViolations = cspViolations;
  const { context, page } = opened;
  const sentImages: Request[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/capture/") || r.url().includes("/v1/")) expect(r.url()).not.toContain("vsess_");
    if (r.method() === "PUT" && r.url().includes("/media/")) sentImages.push(r);
  });

  await page.goto(url);
  await atStep(page, "consent", t.consent_title);
  // The secret left the address bar and the history entry at once.
  expect(page.url()).toBe(`${server.base}/capture/${sessionId}`);
  expect(await page.evaluate(() => location.hash)).toBe("");
  expect(await page.textContent("section[data-step=consent]")).toContain("capture-2026-12");
  // The link is dead once the page exchanged it.
  expect((await apiCall("POST", `/v1/verification-sessions/${sessionId}/exchange`, { Authorization: `Bearer ${secret}` })).status).toBe(401);
  expect((await apiCall("GET", `/v1/verifications/${verificationId}`, { Authorization: `Bearer ${secret}` })).status).toBe(401);
  await shot(page, `${name}-consent`);
  await expectAccessible(page, `${name} consent`);

  // Continuing without the tick is refused in words.
  await page.click("#consent-form button[type=submit]");
  expect(await page.textContent("#consent-error")).toBe(t.consent_required);
  await page.check("#consent-check");
  await page.click("#consent-form button[type=submit]");
  await atStep(page, "doctype", t.doctype_title);
  if (options.reloadAt === "doctype") {
    await page.reload();
    await atStep(page, "doctype", t.doctype_title);
  }
  await shot(page, `${name}-doctype`);
  await expectAccessible(page, `${name} document type`);
  await page.check("input[name=document_type][value=passport]");
  await page.click("#doctype-form button[type=submit]");

  await atStep(page, "camera", t.front_title);
  // Live guidance speaks about the frame before anything is uploaded.
  await page.waitForFunction(() => (document.getElementById("camera-guidance")?.textContent ?? "") !== "", undefined, { timeout: 15_000 });
  log(`${name}: guidance on the document: ${await page.textContent("#camera-guidance")}`);
  await shot(page, `${name}-document`);
  await expectAccessible(page, `${name} document`);
  const front = await nextUpload(page, "document_front", () => page.click("#camera-shoot"));
  useCamera("face"); // the page grabbed its frame in the click; the selfie step reopens the camera
  expect(front.status).toBe(201);
  expect(front.request.headers()["x-capture-source"]).toBe("hosted-page");
  expect(front.request.headers()["authorization"]).toMatch(/^Bearer vsct_/);

  await atStep(page, "camera", t.selfie_title);
  if (options.reloadAt === "selfie") {
    await page.reload();
    await atStep(page, "camera", t.selfie_title);
  }
  expect(await page.getAttribute("#camera-video", "class")).toContain("mirrored");
  await page.waitForFunction(() => (document.getElementById("camera-guidance")?.textContent ?? "") !== "", undefined, { timeout: 15_000 });
  await shot(page, `${name}-selfie`);
  await expectAccessible(page, `${name} selfie`);
  const selfie = await nextUpload(page, "selfie", () => page.click("#camera-shoot"));
  expect(selfie.status).toBe(201);

  if (options.challenge) {
    await atStep(page, "challenge", t.challenge_title);
    await shot(page, `${name}-challenge`);
    await expectAccessible(page, `${name} challenge`);
    const challengeIssued = page.waitForResponse((r) => r.url().endsWith("/challenge"), { timeout: 30_000 });
    await page.click("#challenge-start");
    const issued = await (await challengeIssued).json();
    expect(issued.mirrored).toBe(false);
    await page.waitForFunction(() => (document.getElementById("challenge-text")?.textContent ?? "") !== "", undefined, { timeout: 15_000 });
    expect([t.challenge_turn_left, t.challenge_turn_right, t.challenge_look_up, t.challenge_look_down]).toContain(await page.textContent("#challenge-text"));
    await shot(page, `${name}-challenge-step`);
  }

  await atStep(page, "submit", t.submit_title);
  await shot(page, `${name}-submit`);
  await expectAccessible(page, `${name} submit`);
  const credential: string = await page.evaluate((id) => JSON.parse(sessionStorage.getItem(`edge-kyc.capture.${id}`) ?? "{}").credential, sessionId);
  expect(credential).toMatch(/^vsct_/);

  // Which frame each upload shows: the document, then the face (the camera swap worked).
  const uploads = sentImages;
  const kinds = uploads.map((r) => r.url().split("/media/")[1]);
  expect(kinds.slice(0, 2)).toEqual(["document_front", "selfie"]);
  expect(await shows(uploads[0].postDataBuffer() as Buffer)).toBe("document");
  expect(await shows(uploads[1].postDataBuffer() as Buffer)).toBe("face");
  expect(kinds.filter((k) => k === "selfie_frame").length).toBe(options.challenge ? 3 : 0);
  const firstBytes = uploads[0].postDataBuffer() as Buffer;
  const meta = await sharp(firstBytes).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", WIDTH, HEIGHT]);

  const toReturnUrl = page.waitForRequest((r) => r.url().startsWith(`${receiver.origin}/done`), { timeout: 30_000 });
  await page.click("#submit-button");
  await atStep(page, "done", t.done_title);
  await shot(page, `${name}-done`);
  await expectAccessible(page, `${name} done`);
  expect(await page.getAttribute("#done-link", "href")).toBe(`${receiver.origin}/done?session_id=${sessionId}`);
  // After submit the page's credential can no longer upload.
  const late = await fetch(`${server.base}/v1/verifications/${verificationId}/media/selfie`, { method: "PUT", headers: { Authorization: `Bearer ${credential}`, "Content-Type": "image/jpeg" }, body: firstBytes });
  expect(late.status).toBe(401);

  await page.waitForURL(`${receiver.origin}/done?session_id=${sessionId}`, { timeout: 20_000 });
  expect(await page.textContent("#sid")).toBe(sessionId);
  // No Referer reached the tenant's page (the secret was gone from the URL anyway).
  expect((await (await toReturnUrl).allHeaders())["referer"]).toBeUndefined();
  aborted.push(...opened.aborted);
  await context.close();

  const final = await waitForFinal(verificationId);
  const reasons: string[] = (final.reasons ?? final.decision?.reasons ?? []).map((r: any) => (typeof r === "string" ? r : r.code));
  log(`${name}: ${final.status} reasons ${JSON.stringify(final.reasons ?? final.decision)} risk ${JSON.stringify(final.risk_score ?? final.score ?? null)}`);
  if (final.status !== (options.challenge ? "manual_review" : "verified")) log(`${name}: layers ${JSON.stringify(final.layers).slice(0, 4000)}`);
  // The credential dies with the session once the verification is final.
  expect((await apiCall("GET", `/v1/verifications/${verificationId}`, { Authorization: `Bearer ${credential}` })).status).toBe(401);
  // The tenant hears of it: the decision (`verification.completed`, or `verification.manual_review` when it needs a
  // person), and the session's end (noticed on the read above).
  const decisionEvent = final.status === "manual_review" ? "verification.manual_review" : "verification.completed";
  for (const [type, id] of [[decisionEvent, verificationId], ["verification_session.completed", sessionId]]) {
    const arrived = () => receiver.received.some((h) => h.body.includes(id) && h.body.includes(`"${type}"`));
    const deadline = Date.now() + 90_000;
    while (!arrived() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(arrived(), `${type} for ${id}; received: ${receiver.received.map((h) => h.body.slice(0, 120)).join(" | ")}`).toBe(true);
  }
  return { verificationId, status: final.status, reasons };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "capture-browser-"));
  cameraFile = path.join(work, "camera.y4m");
  const [{ rgb: documentRgb, holder: documentHolder }, faceRgb] = await Promise.all([documentFrame(), faceFrame()]);
  holder = documentHolder;
  frames.document = path.join(work, "document.y4m");
  frames.face = path.join(work, "face.y4m");
  writeFileSync(frames.document, y4m(documentRgb, WIDTH, HEIGHT));
  writeFileSync(frames.face, y4m(faceRgb, FACE.width, FACE.height, 30, 2));
  writeFileSync(path.join(work, "document.png"), await sharp(documentRgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toBuffer());
  thumbs.document = await thumb(documentRgb, { width: WIDTH, height: HEIGHT });
  documentJpeg = await sharp(documentRgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  thumbs.face = await thumb(faceRgb, FACE);
  useCamera("document");

  receiver = await startHookReceiver("/hooks", {
    "/done": (u) => {
      const id = (u.searchParams.get("session_id") ?? "").replace(/[^A-Za-z0-9_]/g, "");
      return `<!doctype html><html lang="en"><title>Back at the shop</title><main><h1>Thanks</h1><p id="sid">${id}</p></main></html>`;
    },
  });
  server = await dev.startLocalServer({ log });
  let accessToken: string;
  ({ accessToken, liveKey } = await dev.registerTenant(server.base));
  const hook = await apiCall("POST", "/v1/webhook-endpoints", { Authorization: `Bearer ${accessToken}` }, { url: `${receiver.origin}/hooks`, events: ["verification.completed", "verification.manual_review", "verification_session.completed"], mode: "live" });
  if (hook.status !== 201) throw new Error(`webhook endpoint: ${hook.status} ${JSON.stringify(hook.data)}`);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${cameraFile}`],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}, 30_000);

describe("the hosted capture page in chromium with a fake camera", () => {
  it("completes without a challenge: document and selfie from the camera → verified, webhook received", async () => {
    const result = await runFlow("plain", { challenge: false, reloadAt: "selfie" });
    expect(result.status, JSON.stringify(result.reasons)).toBe("verified");
  }, 900_000);

  it("completes with a required challenge the static camera cannot pass → manual_review with CHALLENGE_FAILED", async () => {
    const result = await runFlow("challenge", { challenge: true, reloadAt: "doctype" });
    expect(result.status, JSON.stringify(result.reasons)).toBe("manual_review");
    expect(result.reasons).toContain("CHALLENGE_FAILED");
  }, 900_000);

  it("the file picker: a refused file gets a retake prompt in words, an accepted photo moves on to the card's back", async () => {
    const created = await apiCall("POST", "/v1/verification-sessions", { "X-API-Key": liveKey }, {
      applicant: { first_name: holder.givenNames, last_name: holder.surname, date_of_birth: holder.birthDate, country: holder.nationality },
      document: { type: "id_card", number: holder.documentNumber, issuing_country: holder.issuingState, expiry_date: holder.expiryDate },
      consent: { granted: true, text_version: "2026-01" },
      allowed_document_types: ["id_card", "passport"],
      locale: "en",
    });
    expect(created.status).toBe(201);
    useCamera("document");
    const opened = await offlinePage(browser, { width: 414, height: 896 });
    opened.cspViolations = cspViolations;
    const { context, page } = opened;
    await page.goto(created.data.url);
    await atStep(page, "consent", t.consent_title);
    await page.check("#consent-check");
    await page.click("#consent-form button[type=submit]");
    await atStep(page, "doctype", t.doctype_title);
    await page.check("input[name=document_type][value=id_card]");
    await page.click("#doctype-form button[type=submit]");
    await atStep(page, "camera", t.front_title);

    const refused = await nextUpload(page, "document_front", () => page.setInputFiles("#camera-file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a photo") }));
    expect(refused.status).toBe(415);
    await page.waitForFunction((text) => (globalThis as any).document.getElementById("capture-alert")?.textContent === text, t.retake_type, { timeout: 10_000 });
    expect(await page.textContent("section[data-step=camera] h2")).toBe(t.front_title);
    await shot(page, "picker-retake");
    await expectAccessible(page, "retake prompt");

    const accepted = await nextUpload(page, "document_front", () => page.setInputFiles("#camera-file", { name: "card.jpg", mimeType: "image/jpeg", buffer: documentJpeg }));
    expect(accepted.status).toBe(201);
    await atStep(page, "camera", t.back_title);
    expect(await page.textContent("#capture-alert")).toBe("");
    await shot(page, "picker-back");
    aborted.push(...opened.aborted);
    await context.close();
    expect((await apiCall("POST", `/v1/verification-sessions/${created.data.id}/cancel`, { "X-API-Key": liveKey })).status).toBe(200);
  });

  it("an unknown link shows the page's own error, accessible, in German when asked", async () => {
    const { context, page } = await offlinePage(browser, { width: 414, height: 896 });
    const res = await page.goto(`${server.base}/capture/vss_00000000000000000000000000000000?lang=de`);
    expect(res?.status()).toBe(404);
    expect(await page.textContent("h1")).toBe(CATALOGUES.de.not_found_title);
    await shot(page, "not-found");
    await expectAccessible(page, "not found");
    await context.close();
  });

  it("no page broke its CSP or reached beyond the loopback", () => {
    expect(cspViolations).toEqual([]);
    expect(aborted).toEqual([]);
  });
});
