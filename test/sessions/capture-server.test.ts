/**
 * The server side of hosted capture beyond the session API (issue 14):
 * - provenance: an upload with the hosted page's `vsct_` credential is recorded as `hosted_capture`, with the
 *   applicant's network as Cloudflare saw it (country, ASN); with the session's client secret as `applicant_app`; with
 *   an API key as `api` and no network (a server's network is the tenant's, not the applicant's); the applicant's
 *   network then reaches the geo layer's inputs (shown here in the signed export) as an `applicant_device` observation;
 * - the minute cron settles sessions nobody reads: an expired one becomes `expired`, one whose verification is final
 *   becomes `completed`, each with its event;
 * - per-address limits: one address may exchange 30 secrets a minute and send 300 session-credential requests a
 *   minute, whatever the sessions; another address is not affected.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app/services";
import { clientAddressKey, takeRateLimit } from "../../src/identity/rate-limit";
import { runScheduled } from "../../src/jobs/scheduled";
import { SESSION_IP_PER_MINUTE } from "../../src/middleware/auth";
import { BASE, call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

interface Created {
  id: string;
  verification_id: string;
  client_secret: string;
}

let owner: TenantFixture;
let testKey: string;

beforeAll(async () => {
  owner = await registerTenant({ tenantName: "Capture server" });
  testKey = (await createApiKey(owner.accessToken, { mode: "test" })).key;
});

async function createSession(overrides: Record<string, unknown> = {}): Promise<Created> {
  const res = await call("/v1/verification-sessions", { method: "POST", headers: apiKeyHeader(testKey), json: { ...createBody(), ...overrides } });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${JSON.stringify(res.data)}`);
  return res.data as Created;
}

async function exchange(created: Created, headers: Record<string, string> = {}): Promise<string> {
  const res = await call(`/v1/verification-sessions/${created.id}/exchange`, { method: "POST", headers: { ...bearer(created.client_secret), ...headers } });
  if (res.status !== 200) throw new Error(`exchange: ${res.status} ${JSON.stringify(res.data)}`);
  return res.data.credential as string;
}

/** An upload as the applicant's device sends it through Cloudflare: with `request.cf` (country, ASN). */
async function uploadFrom(cf: { country: string; asn: number }, headers: Record<string, string>, id: string, kind: string, bytes: Uint8Array) {
  const res = await SELF.fetch(`${BASE}/v1/verifications/${id}/media/${kind}`, { method: "PUT", headers: { ...headers, "Content-Type": "image/jpeg" }, body: bytes, cf } as RequestInit);
  return { status: res.status, data: (await res.json()) as Record<string, unknown> };
}

const mediaRows = async (verificationId: string) =>
  (await env.DB.prepare("SELECT kind, source, client_country, client_asn FROM media WHERE verification_id = ? ORDER BY kind").bind(verificationId).all<Record<string, unknown>>()).results;

describe("provenance of uploads", () => {
  it("the hosted page's credential → hosted_capture with the device's network; the client secret → applicant_app; an API key → api without network", async () => {
    const page = await createSession();
    const credential = await exchange(page);
    const stored = await uploadFrom({ country: "FR", asn: 3215 }, bearer(credential), page.verification_id, "document_front", texturedJpeg(640, 480, 61));
    expect(stored.status).toBe(201);
    expect(stored.data.source).toBe("hosted_capture");
    expect((await uploadFrom({ country: "FR", asn: 3215 }, bearer(credential), page.verification_id, "selfie", texturedJpeg(480, 480, 62))).status).toBe(201);
    expect(await mediaRows(page.verification_id)).toEqual([
      { kind: "document_front", source: "hosted_capture", client_country: "FR", client_asn: 3215 },
      { kind: "selfie", source: "hosted_capture", client_country: "FR", client_asn: 3215 },
    ]);

    const app = await createSession();
    expect((await uploadFrom({ country: "T1", asn: 60729 }, bearer(app.client_secret), app.verification_id, "selfie", texturedJpeg(480, 480, 63))).data.source).toBe("applicant_app");
    expect(await mediaRows(app.verification_id)).toEqual([{ kind: "selfie", source: "applicant_app", client_country: "T1", client_asn: 60729 }]);

    const { id } = await createVerification(apiKeyHeader(testKey));
    expect((await uploadFrom({ country: "US", asn: 13335 }, apiKeyHeader(testKey), id, "selfie", texturedJpeg(480, 480, 64))).data.source).toBe("api");
    expect(await mediaRows(id)).toEqual([{ kind: "selfie", source: "api", client_country: null, client_asn: null }]);
    // The tenant sees who captured each file.
    const view = await call(`/v1/verifications/${page.verification_id}`, { headers: apiKeyHeader(testKey) });
    expect(view.data.media.map((m: { source: string }) => m.source)).toEqual(["hosted_capture", "hosted_capture"]);
  });

  it("the applicant's network reaches the signed export as an applicant_device observation (never the tenant server's)", async () => {
    const page = await createSession();
    const credential = await exchange(page);
    await uploadFrom({ country: "T1", asn: 60729 }, bearer(credential), page.verification_id, "document_front", texturedJpeg(640, 480, 65));
    await uploadFrom({ country: "T1", asn: 60729 }, bearer(credential), page.verification_id, "selfie", texturedJpeg(480, 480, 66));
    expect((await call(`/v1/verifications/${page.verification_id}/submit`, { method: "POST", headers: bearer(credential) })).status).toBe(202);
    await waitForFinal(apiKeyHeader(testKey), page.verification_id);
    const exported = await call(`/v1/verifications/${page.verification_id}/export`, { headers: bearer(owner.accessToken) });
    expect(exported.status).toBe(200);
    expect(exported.data.payload.declared.applicant.network).toEqual([{ source: "applicant_device", ip: null, country: "T1", asn: 60729, anonymous: true }]);
  });
});

describe("the minute cron settles sessions nobody reads", () => {
  it("expired → `expired`, final verification → `completed`, each announced once", async () => {
    const stale = await createSession({ expires_in: 60 });
    await env.DB.prepare("UPDATE verification_sessions SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, stale.id).run();
    const done = await createSession();
    const secret = bearer(done.client_secret);
    await upload(secret, done.verification_id, "document_front", texturedJpeg(640, 480, 67));
    await upload(secret, done.verification_id, "selfie", texturedJpeg(480, 480, 68));
    await call(`/v1/verifications/${done.verification_id}/submit`, { method: "POST", headers: secret });
    // Wait for the decision without reading the session (GET of the verification does not settle it).
    await waitForFinal(apiKeyHeader(testKey), done.verification_id);
    const statusOf = async (id: string) => (await env.DB.prepare("SELECT status FROM verification_sessions WHERE id = ?").bind(id).first<{ status: string }>())?.status;
    expect(await statusOf(stale.id)).toBe("open");
    expect(await statusOf(done.id)).not.toBe("completed");

    await runScheduled("* * * * *", createServices(env));
    expect(await statusOf(stale.id)).toBe("expired");
    expect(await statusOf(done.id)).toBe("completed");
    await runScheduled("* * * * *", createServices(env)); // a second run announces nothing new

    const events = async (id: string) =>
      (await env.DB.prepare("SELECT type FROM outbox WHERE json_extract(payload, '$.session_id') = ? ORDER BY rowid").bind(id).all<{ type: string }>()).results.map((r) => r.type);
    expect(await events(stale.id)).toEqual(["verification_session.created", "verification_session.expired"]);
    expect(await events(done.id)).toEqual(["verification_session.created", "verification_session.completed"]);
  });
});

describe("per-address limits", () => {
  it("one address may exchange 30 secrets a minute; the 31st gets 429, another address still exchanges", async () => {
    const sessions = await Promise.all(Array.from({ length: 32 }, () => createSession()));
    const address = { "CF-Connecting-IP": "198.51.100.7" };
    for (const created of sessions.slice(0, 30)) await exchange(created, address);
    const refused = await call(`/v1/verification-sessions/${sessions[30].id}/exchange`, { method: "POST", headers: { ...bearer(sessions[30].client_secret), ...address } });
    expectErrorShape(refused, 429, "RATE_LIMITED");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    // The refused exchange changed nothing: the secret still works from elsewhere.
    await exchange(sessions[30], { "CF-Connecting-IP": "198.51.100.8" });
    await exchange(sessions[31], { "CF-Connecting-IP": "198.51.100.9" });
  });

  it(`one address may send ${SESSION_IP_PER_MINUTE} session-credential requests a minute, even with made-up secrets, before any lookup`, async () => {
    const address = { "CF-Connecting-IP": "2001:db8:77::1" };
    const madeUp = bearer(`vsess_${"A".repeat(43)}`);
    expectErrorShape(await call("/v1/verifications/ver_x", { headers: { ...madeUp, ...address } }), 401, "UNAUTHORIZED");
    // Spend that address's budget straight at its limiter object (300 requests through the Worker would take a minute
    // here); the bucket refills continuously (one request per 200 ms), so of five requests sent at once right after, at
    // most one may pass — the others are refused before their secret is looked up.
    const s = createServices(env);
    const subject = `ip:session:${clientAddressKey(address["CF-Connecting-IP"])}`;
    let allowed = 0;
    for (let wave = 0; wave < 8; wave++) {
      const taken = await Promise.all(Array.from({ length: 50 }, () => takeRateLimit(s.rateLimits, subject, SESSION_IP_PER_MINUTE, "address")));
      allowed += taken.filter((t) => t.allowed).length;
    }
    expect(allowed).toBeGreaterThanOrEqual(SESSION_IP_PER_MINUTE - 1);
    expect(allowed).toBeLessThan(SESSION_IP_PER_MINUTE + 20);
    // Under CI load a few tokens may refill before the burst lands; any 429 shows the address budget is taken before
    // the lookup (a made-up secret otherwise gets 401), and no request of the burst may get past both.
    const burst = await Promise.all(Array.from({ length: 10 }, () => call("/v1/verifications/ver_x", { headers: { ...madeUp, ...address } })));
    const refused = burst.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(burst.every((r) => r.status === 429 || r.status === 401)).toBe(true);
    for (const r of refused) expectErrorShape(r, 429, "RATE_LIMITED");
    // Same /64, next address: the same budget, now spent (a burst, since a token may have refilled meanwhile).
    const neighbour = await Promise.all(Array.from({ length: 10 }, () => call("/v1/verifications/ver_x", { headers: { ...madeUp, "CF-Connecting-IP": "2001:db8:77::2" } })));
    expect(neighbour.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(1);
    // A real session from another address is unaffected.
    const created = await createSession();
    const ok = await call(`/v1/verifications/${created.verification_id}`, { headers: { ...bearer(created.client_secret), "CF-Connecting-IP": "203.0.113.5" } });
    expect(ok.status).toBe(200);
  });
});
