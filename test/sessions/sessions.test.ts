/**
 * Verification sessions (issue 14, API half): the client secret works for its own verification's upload, challenge,
 * submit and status, and for nothing else; it is single-use against the exchange; every credential dies with the
 * session (cancel, expiry, completion); bad bodies create nothing; test and live stay apart; the secret is never shown
 * again nor logged.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

interface Created {
  id: string;
  verification_id: string;
  url: string;
  client_secret: string;
  expires_at: string;
}

let owner: TenantFixture;
let other: TenantFixture;
let testKey: string;
let liveKey: string;
let otherTestKey: string;

beforeAll(async () => {
  [owner, other] = await Promise.all([registerTenant({ tenantName: "Sessions owner" }), registerTenant({ tenantName: "Sessions other" })]);
  testKey = (await createApiKey(owner.accessToken, { mode: "test" })).key;
  liveKey = (await createApiKey(owner.accessToken, { mode: "live" })).key;
  otherTestKey = (await createApiKey(other.accessToken, { mode: "test" })).key;
});

afterEach(() => vi.restoreAllMocks());

async function createSession(headers: Record<string, string>, overrides: Record<string, unknown> = {}): Promise<Created> {
  const res = await call("/v1/verification-sessions", { method: "POST", headers, json: { ...createBody(), ...overrides } });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${JSON.stringify(res.data)}`);
  return res.data as Created;
}

const sessionCount = async (tenantId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM verification_sessions WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())?.n ?? 0;
const verificationCount = async (tenantId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM verifications WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())?.n ?? 0;

function expectSession401(res: { status: number; headers: Headers; data: any }, reason?: string) {
  const error = expectErrorShape(res, 401, "UNAUTHORIZED");
  if (reason) expect(error.details?.reason).toBe(reason);
  expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="edge-kyc"/);
  return error;
}

describe("creating a session", () => {
  it("returns a capture link with the secret in the fragment, a vsess_ secret, and a verification in `created`", async () => {
    const created = await createSession(apiKeyHeader(testKey), { return_url: "https://shop.example/done", challenge_required: true, locale: "de" });
    expect(created.id).toMatch(/^vss_[0-9a-f]{28}$/);
    expect(created.client_secret).toMatch(/^vsess_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`https://api.test/capture/${created.id}#secret=${created.client_secret}`);
    const expiresIn = Date.parse(created.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(50 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);

    const v = await call(`/v1/verifications/${created.verification_id}`, { headers: apiKeyHeader(testKey) });
    expect(v.data).toMatchObject({ id: created.verification_id, status: "created", mode: "test" });

    const got = await call(`/v1/verification-sessions/${created.id}`, { headers: apiKeyHeader(testKey) });
    expect(got.status).toBe(200);
    expect(got.data).toMatchObject({ id: created.id, verification_id: created.verification_id, status: "open", mode: "test", challenge_required: true, locale: "de", return_url: "https://shop.example/done" });
    // The secret is shown once, at creation: neither it nor its hash is ever read back.
    expect(got.text).not.toContain(created.client_secret);
    expect(got.text).not.toMatch(/hash|secret|vsess_/i);
  });

  it("stores only a keyed hash of the secret", async () => {
    const created = await createSession(apiKeyHeader(testKey));
    const row = await env.DB.prepare("SELECT * FROM verification_sessions WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(created.client_secret);
    expect(JSON.stringify(row)).not.toContain(created.client_secret.slice(6, 30));
    expect(row?.client_secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses bad bodies with 400 in the one error shape and creates nothing", async () => {
    const sessionsBefore = await sessionCount(owner.tenantId);
    const verificationsBefore = await verificationCount(owner.tenantId);
    const bad: [string, Record<string, unknown>, string][] = [
      ["http return_url", { return_url: "http://shop.example/done" }, "return_url"],
      ["javascript return_url", { return_url: "javascript:alert(1)" }, "return_url"],
      ["unknown document type", { allowed_document_types: ["library_card"] }, "allowed_document_types.0"],
      ["expiry beyond 24 h", { expires_in: 86_401 }, "expires_in"],
      ["unknown field", { secret: "mine" }, "(body)"],
      ["no applicant", { applicant: undefined }, "applicant"],
      ["bad country", { applicant: { first_name: "A", last_name: "B", date_of_birth: "1990-01-01", country: "ZZZZ" } }, "applicant.country"],
      ["unknown locale", { locale: "xx" }, "locale"],
    ];
    for (const [what, overrides, field] of bad) {
      const res = await call("/v1/verification-sessions", { method: "POST", headers: apiKeyHeader(testKey), json: { ...createBody(), ...overrides } });
      const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
      expect(Object.keys(error.details?.fields ?? {}).join(","), what).toContain(field);
    }
    const notJson = await call("/v1/verification-sessions", { method: "POST", headers: { ...apiKeyHeader(testKey), "Content-Type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
    expect(await sessionCount(owner.tenantId)).toBe(sessionsBefore);
    expect(await verificationCount(owner.tenantId)).toBe(verificationsBefore);
  });

  it("allows http://localhost return URLs in the test environment", async () => {
    const created = await createSession(apiKeyHeader(testKey), { return_url: "http://localhost:3000/done" });
    expect(created.id).toMatch(/^vss_/);
  });
});

describe("what the client secret can do", () => {
  it("uploads, issues a challenge, submits and reads the status of its own verification, then keeps only the status read until completion", async () => {
    const created = await createSession(apiKeyHeader(testKey));
    const secret = bearer(created.client_secret);
    const vid = created.verification_id;

    expect((await upload(secret, vid, "document_front", texturedJpeg(640, 480, 41))).status).toBe(201);
    expect((await upload(secret, vid, "selfie", texturedJpeg(480, 480, 42))).status).toBe(201);
    expect((await call(`/v1/verifications/${vid}/challenge`, { method: "POST", headers: secret, json: {} })).status).toBe(201);

    // The status read is minimal: no applicant data, no evidence, not the challenge's steps — only what a page needs to resume.
    const status = await call(`/v1/verifications/${vid}`, { headers: secret });
    expect(status.status).toBe(200);
    expect(status.data).toEqual({ id: vid, status: "created", decision: null, media: ["document_front", "selfie"], selfie_frames: 0, challenge_steps: 3 });

    expect((await call(`/v1/verifications/${vid}/submit`, { method: "POST", headers: secret })).status).toBe(202);
    // After submission: no more uploads or submits, but the status stays readable.
    expectSession401(await upload(secret, vid, "selfie", texturedJpeg(480, 480, 43)), "invalid");
    expectSession401(await call(`/v1/verifications/${vid}/submit`, { method: "POST", headers: secret }), "invalid");
    const afterSubmit = await call(`/v1/verifications/${vid}`, { headers: secret });
    expect([200, 401]).toContain(afterSubmit.status); // 401 only if the sandbox already finished

    const final = await waitForFinal(apiKeyHeader(testKey), vid);
    expect(final.status).toBe("verified");
    // Completed: the secret is dead everywhere, and the tenant sees the session completed.
    expectSession401(await call(`/v1/verifications/${vid}`, { headers: secret }), "expired");
    const session = await call(`/v1/verification-sessions/${created.id}`, { headers: apiKeyHeader(testKey) });
    expect(session.data.status).toBe("completed");
  });

  it("cannot read or change another verification of the same tenant, or of another tenant", async () => {
    const { client_secret } = await createSession(apiKeyHeader(testKey));
    const secret = bearer(client_secret);
    const sameTenant = await createVerification(apiKeyHeader(testKey));
    const otherTenant = await createVerification(apiKeyHeader(otherTestKey));
    for (const id of [sameTenant.id, otherTenant.id]) {
      expectSession401(await call(`/v1/verifications/${id}`, { headers: secret }), "invalid");
      expectSession401(await upload(secret, id, "document_front", texturedJpeg(640, 480, 44)), "invalid");
      expectSession401(await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: secret }), "invalid");
      expectSession401(await call(`/v1/verifications/${id}/challenge`, { method: "POST", headers: secret, json: {} }), "invalid");
    }
    // Nothing was stored on the others.
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM media WHERE verification_id IN (?, ?)").bind(sameTenant.id, otherTenant.id).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("cannot list, create, erase, export, or call any admin route — 401 everywhere else", async () => {
    const created = await createSession(apiKeyHeader(testKey));
    const secret = bearer(created.client_secret);
    const vid = created.verification_id;
    const attempts: [string, string, unknown?][] = [
      ["GET", "/v1/verifications"],
      ["POST", "/v1/verifications", createBody()],
      ["DELETE", `/v1/verifications/${vid}`],
      ["GET", `/v1/verifications/${vid}/export`],
      ["GET", `/v1/verifications/${vid}/receipt`],
      ["GET", `/v1/verifications/${vid}/events`],
      ["POST", `/v1/verifications/${vid}/redecide`],
      ["GET", `/v1/verification-sessions/${created.id}`],
      ["POST", `/v1/verification-sessions/${created.id}/cancel`],
      ["POST", "/v1/verification-sessions", createBody()],
      ["GET", "/v1/api-keys"],
      ["GET", "/v1/users"],
      ["GET", "/v1/settings"],
      ["GET", "/v1/webhook-endpoints"],
      ["GET", "/v1/audit"],
      ["GET", "/v1/stats"],
      ["GET", "/v1/registry/documents"],
      ["GET", "/v1/events"],
      ["GET", "/v1/me"],
    ];
    for (const [method, path, json] of attempts) {
      const res = await call(path, { method, headers: secret, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.data?.error?.code, `${method} ${path}`).toBe("UNAUTHORIZED");
    }
    // The verification was neither erased nor touched.
    const v = await call(`/v1/verifications/${vid}`, { headers: apiKeyHeader(testKey) });
    expect(v.data.status).toBe("created");
  });

  it("is never parsed as a JWT, and a made-up one is unknown", async () => {
    const made = `vsess_${"A".repeat(43)}`;
    const { verification_id } = await createSession(apiKeyHeader(testKey));
    expectSession401(await call(`/v1/verifications/${verification_id}`, { headers: bearer(made) }), "unknown");
    expectSession401(await call(`/v1/verifications/${verification_id}`, { headers: bearer("vsess_short") }), "malformed");
  });
});

describe("exchanging the secret", () => {
  it("returns a vsct_ credential once; the client secret is then refused everywhere, the credential works", async () => {
    const created = await createSession(apiKeyHeader(testKey), { challenge_required: true });
    const secret = bearer(created.client_secret);
    const vid = created.verification_id;

    const exchanged = await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: secret });
    expect(exchanged.status).toBe(200);
    expect(exchanged.data).toMatchObject({ session_id: created.id, verification_id: vid, challenge_required: true, expires_at: created.expires_at });
    expect(exchanged.data.credential).toMatch(/^vsct_[A-Za-z0-9_-]{43}$/);
    const credential = bearer(exchanged.data.credential);

    // A copied link cannot be replayed: neither a second exchange nor any use of the secret.
    expectSession401(await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: secret }), "revoked");
    expectSession401(await call(`/v1/verifications/${vid}`, { headers: secret }), "revoked");
    expectSession401(await upload(secret, vid, "document_front", texturedJpeg(640, 480, 45)), "revoked");
    // The credential cannot be exchanged again either.
    expectSession401(await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: credential }), "invalid");

    expect((await upload(credential, vid, "document_front", texturedJpeg(640, 480, 46))).status).toBe(201);
    expect((await call(`/v1/verifications/${vid}`, { headers: credential })).data).toEqual({ id: vid, status: "created", decision: null, media: ["document_front"], selfie_frames: 0, challenge_steps: 0 });
    const session = await call(`/v1/verification-sessions/${created.id}`, { headers: apiKeyHeader(testKey) });
    expect(session.data.status).toBe("in_use");
    expect(session.data.exchanged_at).not.toBeNull();
  });

  it("only exchanges a session's own secret: another session's id is refused", async () => {
    const a = await createSession(apiKeyHeader(testKey));
    const b = await createSession(apiKeyHeader(testKey));
    expectSession401(await call(`/v1/verification-sessions/${b.id}/exchange`, { method: "POST", headers: bearer(a.client_secret) }), "invalid");
    // b's secret still works (the refusal changed nothing).
    expect((await call(`/v1/verification-sessions/${b.id}/exchange`, { method: "POST", headers: bearer(b.client_secret) })).status).toBe(200);
  });
});

describe("the end of a session", () => {
  it("cancel: the secret and the credential stop working at once; a second cancel is 409", async () => {
    const created = await createSession(apiKeyHeader(testKey));
    const exchanged = await createSession(apiKeyHeader(testKey));
    const credential = (await call(`/v1/verification-sessions/${exchanged.id}/exchange`, { method: "POST", headers: bearer(exchanged.client_secret) })).data.credential;

    for (const s of [created, exchanged]) {
      const res = await call(`/v1/verification-sessions/${s.id}/cancel`, { method: "POST", headers: apiKeyHeader(testKey) });
      expect(res.status).toBe(200);
      expect(res.data.status).toBe("canceled");
    }
    expectSession401(await call(`/v1/verifications/${created.verification_id}`, { headers: bearer(created.client_secret) }), "revoked");
    expectSession401(await upload(bearer(credential), exchanged.verification_id, "selfie", texturedJpeg(480, 480, 47)), "revoked");
    expectErrorShape(await call(`/v1/verification-sessions/${created.id}/cancel`, { method: "POST", headers: apiKeyHeader(testKey) }), 409, "INVALID_TRANSITION");
  });

  it("cancel after submission is refused with 409 and leaves the verification alone", async () => {
    const created = await createSession(apiKeyHeader(testKey), { applicant: { first_name: "Max", last_name: "REVIEW", date_of_birth: "1984-08-12", country: "DE" } });
    const secret = bearer(created.client_secret);
    await upload(secret, created.verification_id, "document_front", texturedJpeg(640, 480, 48));
    await upload(secret, created.verification_id, "selfie", texturedJpeg(480, 480, 49));
    expect((await call(`/v1/verifications/${created.verification_id}/submit`, { method: "POST", headers: secret })).status).toBe(202);
    expectErrorShape(await call(`/v1/verification-sessions/${created.id}/cancel`, { method: "POST", headers: apiKeyHeader(testKey) }), 409, "INVALID_TRANSITION");
    const final = await waitForFinal(apiKeyHeader(testKey), created.verification_id);
    expect(final.status).toBe("manual_review");
  });

  it("expiry: past expires_at the secret is refused and the session reads `expired`", async () => {
    const created = await createSession(apiKeyHeader(testKey), { expires_in: 60 });
    await env.DB.prepare("UPDATE verification_sessions SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, created.id).run();
    expectSession401(await call(`/v1/verifications/${created.verification_id}`, { headers: bearer(created.client_secret) }), "expired");
    expectSession401(await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: bearer(created.client_secret) }), "expired");
    const session = await call(`/v1/verification-sessions/${created.id}`, { headers: apiKeyHeader(testKey) });
    expect(session.data.status).toBe("expired");
    expectErrorShape(await call(`/v1/verification-sessions/${created.id}/cancel`, { method: "POST", headers: apiKeyHeader(testKey) }), 409, "INVALID_TRANSITION");
  });
});

describe("tenants and modes", () => {
  it("test and live never see each other's sessions; another tenant gets 404", async () => {
    const testSession = await createSession(apiKeyHeader(testKey));
    const liveSession = await createSession(apiKeyHeader(liveKey));
    expect((await call(`/v1/verification-sessions/${liveSession.id}`, { headers: apiKeyHeader(liveKey) })).data.mode).toBe("live");
    expectErrorShape(await call(`/v1/verification-sessions/${testSession.id}`, { headers: apiKeyHeader(liveKey) }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verification-sessions/${liveSession.id}`, { headers: apiKeyHeader(testKey) }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verification-sessions/${liveSession.id}/cancel`, { method: "POST", headers: apiKeyHeader(testKey) }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/verification-sessions/${testSession.id}`, { headers: apiKeyHeader(otherTestKey) }), 404, "NOT_FOUND");
    // A test session's secret cannot reach the live verification.
    expectSession401(await call(`/v1/verifications/${liveSession.verification_id}`, { headers: bearer(testSession.client_secret) }), "invalid");
    // An admin (both modes) sees both.
    expect((await call(`/v1/verification-sessions/${testSession.id}`, { headers: bearer(owner.accessToken) })).status).toBe(200);
  });
});

describe("events", () => {
  /** The session events of the test key's tenant and mode, for one session, oldest first. */
  async function sessionEvents(sessionId: string) {
    const res = await call("/v1/events?limit=100", { headers: apiKeyHeader(testKey) });
    expect(res.status).toBe(200);
    return (res.data.data as { type: string; mode: string; data: Record<string, unknown> }[]).filter((e) => e.data.session_id === sessionId).reverse();
  }

  it("announces created, canceled, expired and completed — thin, with ids and the status only", async () => {
    const canceled = await createSession(apiKeyHeader(testKey));
    await call(`/v1/verification-sessions/${canceled.id}/cancel`, { method: "POST", headers: apiKeyHeader(testKey) });
    const events = await sessionEvents(canceled.id);
    expect(events.map((e) => e.type)).toEqual(["verification_session.created", "verification_session.canceled"]);
    expect(events[1]).toMatchObject({ mode: "test", data: { session_id: canceled.id, verification_id: canceled.verification_id, status: "canceled" } });
    expect(JSON.stringify(events)).not.toContain("vsess_");
    expect(JSON.stringify(events)).not.toContain("Mustermann");

    const expired = await createSession(apiKeyHeader(testKey));
    await env.DB.prepare("UPDATE verification_sessions SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, expired.id).run();
    await call(`/v1/verification-sessions/${expired.id}`, { headers: apiKeyHeader(testKey) });
    await call(`/v1/verification-sessions/${expired.id}`, { headers: apiKeyHeader(testKey) }); // a second read announces nothing new
    expect((await sessionEvents(expired.id)).map((e) => e.type)).toEqual(["verification_session.created", "verification_session.expired"]);

    const completed = await createSession(apiKeyHeader(testKey));
    const secret = bearer(completed.client_secret);
    await upload(secret, completed.verification_id, "document_front", texturedJpeg(640, 480, 51));
    await upload(secret, completed.verification_id, "selfie", texturedJpeg(480, 480, 52));
    await call(`/v1/verifications/${completed.verification_id}/submit`, { method: "POST", headers: secret });
    await waitForFinal(apiKeyHeader(testKey), completed.verification_id);
    await call(`/v1/verification-sessions/${completed.id}`, { headers: apiKeyHeader(testKey) });
    expect((await sessionEvents(completed.id)).map((e) => e.type)).toEqual(["verification_session.created", "verification_session.completed"]);
  });
});

describe("logs", () => {
  it("never print the client secret or the credential", async () => {
    const printed = [vi.spyOn(console, "log"), vi.spyOn(console, "info"), vi.spyOn(console, "warn"), vi.spyOn(console, "error"), vi.spyOn(console, "debug")];
    const created = await createSession(apiKeyHeader(testKey));
    const secret = bearer(created.client_secret);
    await call(`/v1/verifications/${created.verification_id}`, { headers: secret });
    const credential = (await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: secret })).data.credential as string;
    await call(`/v1/verifications/${created.verification_id}`, { headers: secret }); // refused: logs auth_refused
    await call("/v1/verifications", { headers: bearer(credential) }); // refused
    await upload(bearer(credential), created.verification_id, "document_front", texturedJpeg(640, 480, 50));
    const lines = printed.flatMap((spy) => spy.mock.calls.map((args) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")));
    expect(lines.some((l) => l.includes("auth_refused")), "the refusals were logged (so the capture works)").toBe(true);
    for (const line of lines) {
      expect(line).not.toContain(created.client_secret.slice(6));
      expect(line).not.toContain(credential.slice(5));
    }
  });
});
