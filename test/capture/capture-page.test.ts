/**
 * The hosted capture page over HTTP (issue 14): the shell of a live session in its locale (or `?lang=`), behind a
 * strict CSP, never cached, no referrer, camera for itself only; nothing of the applicant or the secret in the HTML;
 * the page's own 404 for an unknown link and 410 for an ended session, in the locale; both catalogues complete; and
 * the status read the page resumes from says which images are in, and nothing personal.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { CAPTURE_LOCALES, CATALOGUES, format, pickLocale } from "../../src/capture/messages";
import { call } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { APPLICANT, DOCUMENT, createBody, upload } from "../helpers/verifications";

interface Created {
  id: string;
  verification_id: string;
  url: string;
  client_secret: string;
}

let key: Record<string, string>;

beforeAll(async () => {
  const tenant = await registerTenant({ tenantName: "Capture Page Shop" });
  key = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
});

async function createSession(overrides: Record<string, unknown> = {}): Promise<Created> {
  const res = await call("/v1/verification-sessions", { method: "POST", headers: key, json: { ...createBody(), ...overrides } });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${JSON.stringify(res.data)}`);
  return res.data as Created;
}

/** The page for a session, as a browser asks for it (the fragment never reaches the server). */
const openPage = (id: string, query = "") => call(`/capture/${id}${query}`, { headers: { Accept: "text/html" } });

/** The CSP as a map directive → sources. */
function cspOf(headers: Headers): Map<string, string[]> {
  const value = headers.get("Content-Security-Policy") ?? "";
  return new Map(
    value
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe("the capture page of a live session", () => {
  it("is served in the session's locale behind a strict CSP, uncached, without referrer, with the camera for itself only", async () => {
    const created = await createSession({ locale: "de", return_url: "https://shop.example/done", challenge_required: true });
    const res = await openPage(created.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(res.text).toMatch(/<html lang="de">/);
    expect(res.text).toContain(CATALOGUES.de.page_title);
    const csp = cspOf(res.headers);
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(csp.get("style-src")).toEqual(["'self'"]);
    expect(csp.get("img-src")).toEqual(["'self'", "blob:", "data:"]);
    expect(csp.get("media-src")).toEqual(["'self'", "blob:", "mediastream:"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Permissions-Policy")).toMatch(/camera=\(self\)/);
    // The script is ours, versioned for cache busting; no inline script runs (the config block is JSON data).
    expect(res.text).toMatch(/<script type="module" src="\/assets\/capture\/capture\.js\?v=[^"]+"><\/script>/);
    const scripts = [...res.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.every((attrs) => /src="\/assets\//.test(attrs) || /type="application\/json"/.test(attrs))).toBe(true);
    expect(res.text).not.toMatch(/https?:\/\/(?!shop\.example)/); // no CDN, nothing external but the tenant's return URL
  });

  it("reveals no applicant data and no secret in the HTML", async () => {
    const created = await createSession();
    const res = await openPage(created.id);
    expect(res.status).toBe(200);
    for (const personal of [APPLICANT.first_name, APPLICANT.last_name, APPLICANT.date_of_birth, DOCUMENT.number, created.client_secret, created.verification_id]) {
      expect(res.text).not.toContain(personal);
    }
    expect(res.text).not.toMatch(/vsess_|vsct_/);
  });

  it("takes ?lang= over the session's locale and ignores a language it has no catalogue for", async () => {
    const created = await createSession({ locale: "de" });
    const english = await openPage(created.id, "?lang=en");
    expect(english.text).toMatch(/<html lang="en">/);
    expect(english.text).toContain(CATALOGUES.en.consent_title);
    const unknown = await openPage(created.id, "?lang=xx");
    expect(unknown.text).toMatch(/<html lang="de">/);
  });

  it("offers only the session's allowed document types", async () => {
    const created = await createSession({ allowed_document_types: ["passport", "residence_permit"] });
    const res = await openPage(created.id);
    const offered = [...res.text.matchAll(/name="document_type" value="([a-z_]+)"/g)].map((m) => m[1]);
    expect(offered).toEqual(["passport", "residence_permit"]);
  });

  it("serves its stylesheet from our origin as CSS", async () => {
    const res = await call("/capture/assets/capture.css");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(res.text).toContain(".camera video.mirrored");
  });
});

describe("links that do not work", () => {
  it("an unknown session is the page's own 404, in the language asked for, not the API's JSON", async () => {
    for (const id of ["vss_0000000000000000000000000000", "not-a-session-id", "vss_%27%3Cscript%3E"]) {
      const res = await openPage(id, "?lang=de");
      expect(res.status, id).toBe(404);
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(res.text).toContain(CATALOGUES.de.not_found_title);
      expect(res.text).not.toContain("<script");
      expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    }
  });

  it("a canceled session is the page's 410 in the session's locale, naming the tenant", async () => {
    const created = await createSession({ locale: "de" });
    expect((await call(`/v1/verification-sessions/${created.id}/cancel`, { method: "POST", headers: key })).status).toBe(200);
    const res = await openPage(created.id);
    expect(res.status).toBe(410);
    expect(res.text).toMatch(/<html lang="de">/);
    expect(res.text).toContain(CATALOGUES.de.ended_title);
    expect(res.text).toContain("Capture Page Shop");
    expect(res.text).not.toContain("<script");
  });
});

describe("what the page resumes from", () => {
  it("the status read with the page's credential lists the images already in and nothing personal", async () => {
    const created = await createSession({ challenge_required: true });
    const exchanged = await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: { Authorization: `Bearer ${created.client_secret}` } });
    expect(exchanged.status).toBe(200);
    const page = { Authorization: `Bearer ${exchanged.data.credential}` };
    const before = await call(`/v1/verifications/${created.verification_id}`, { headers: page });
    expect(before.data).toMatchObject({ id: created.verification_id, status: "created", media: [], selfie_frames: 0, challenge_steps: 0 });
    expect((await upload(page, created.verification_id, "document_front", texturedJpeg(640, 480, 7))).status).toBe(201);
    expect((await upload(page, created.verification_id, "selfie_frame", texturedJpeg(480, 480, 8))).status).toBe(201);
    expect((await call(`/v1/verifications/${created.verification_id}/challenge`, { method: "POST", headers: page, json: { mirrored: false } })).status).toBe(201);
    const after = await call(`/v1/verifications/${created.verification_id}`, { headers: page });
    expect(after.status).toBe(200);
    expect([...after.data.media].sort()).toEqual(["document_front", "selfie_frame"]);
    expect(after.data).toMatchObject({ selfie_frames: 1, challenge_steps: 3 });
    expect(Object.keys(after.data).sort()).toEqual(["challenge_steps", "decision", "id", "media", "selfie_frames", "status"]);
    expect(after.text).not.toContain(APPLICANT.last_name);
  });
});

describe("the message catalogue", () => {
  it("has every key in every locale, none empty, with the same placeholders", () => {
    const keys = Object.keys(CATALOGUES.en).sort();
    for (const locale of CAPTURE_LOCALES) {
      const catalogue = CATALOGUES[locale];
      expect(Object.keys(catalogue).sort(), locale).toEqual(keys);
      for (const key of keys) {
        const text = catalogue[key as keyof typeof catalogue];
        expect(text.trim(), `${locale}.${key}`).not.toBe("");
        const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(placeholders(text), `${locale}.${key}`).toEqual(placeholders(CATALOGUES.en[key as keyof typeof CATALOGUES.en]));
      }
    }
  });

  it("picks ?lang= first, then the session's locale, then English; fills placeholders", () => {
    expect(pickLocale("de", "en")).toBe("de");
    expect(pickLocale("fr", "de")).toBe("de");
    expect(pickLocale(undefined, "xx")).toBe("en");
    expect(format("Step {index} of {count}", { index: 2, count: 3 })).toBe("Step 2 of 3");
    expect(format("{missing}")).toBe("{missing}");
  });
});
