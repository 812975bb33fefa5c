/**
 * Webhooks as a receiver sees them, over real HTTP to a Node server (test/webhook-receiver.mjs), through the real
 * local queue: signed Standard Webhooks requests that verify with the endpoint's secret (or Ed25519 public key),
 * both secrets verifying during a rotation and only the new one after, retries logged attempt by attempt, 410
 * disabling the endpoint, and `recover` re-sending missed events in sequence order.
 */
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { call } from "../helpers/http";
import type { Received } from "../helpers/webhooks";
import { inboxUrl, newInbox as inboxNamed, program, received, until } from "../helpers/webhooks";
import { APPLICANT, createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

let tenant: TenantFixture;
let testKey: Record<string, string>;

const newInbox = () => inboxNamed("delivery");

beforeAll(async () => {
  tenant = await registerTenant();
  testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
});

async function createEndpoint(body: Record<string, unknown>, headers = testKey) {
  const res = await call("/v1/webhook-endpoints", { method: "POST", headers, json: body });
  expect(res.status, JSON.stringify(res.data)).toBe(201);
  return res.data as { id: string; secret: string | null; public_keys: { key: string; expires_at: string | null }[] | null; mode: string };
}

/** A sandbox verification (test mode: the last name picks the outcome) taken to its final status through the real queue. */
async function runVerification(lastName = "VERIFIED") {
  const { id } = await createVerification(testKey, createBody({ applicant: { ...APPLICANT, last_name: lastName } }));
  await upload(testKey, id, "document_front", texturedJpeg(400, 300, 3));
  await upload(testKey, id, "selfie", texturedJpeg(300, 300, 4));
  expect((await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: testKey })).status).toBe(202);
  await waitForFinal(testKey, id);
  return id;
}

/** Verifies a `v1a` signature with nothing but WebCrypto and the endpoint's `whpk_` public key (the README's recipe). */
async function verifyEd25519(publicKey: string, r: Received): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", Uint8Array.from(atob(publicKey.slice("whpk_".length)), (c) => c.charCodeAt(0)), { name: "Ed25519" }, false, ["verify"]);
  const signed = new TextEncoder().encode(`${r.headers["webhook-id"]}.${r.headers["webhook-timestamp"]}.${r.body}`);
  for (const part of r.headers["webhook-signature"].split(" ")) {
    const [version, signature] = part.split(",");
    if (version !== "v1a") continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, Uint8Array.from(atob(signature), (c) => c.charCodeAt(0)), signed)) return true;
  }
  return false;
}

const verifiesWith = (secret: string, r: Received) => {
  try {
    new Webhook(secret).verify(r.body, r.headers);
    return true;
  } catch {
    return false;
  }
};

describe("a receiver gets signed, thin events", () => {
  it("verification.completed arrives signed per Standard Webhooks, verifies with the endpoint's secret, and is the event of GET /v1/events", async () => {
    const inbox = newInbox();
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["verification.completed"] });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = await runVerification("VERIFIED");

    const [got] = await until(() => received(inbox), (r) => r.length >= 1);
    expect(got.headers["content-type"]).toMatch(/^application\/json/);
    expect(got.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Math.abs(Number(got.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(120);
    const verified = new Webhook(endpoint.secret!).verify(got.body, got.headers) as Record<string, any>;
    expect(verified).toMatchObject({ type: "verification.completed", mode: "test", data: { verification_id: id, status: "verified", previous_status: "processing", decision: "verified", reason_codes: ["SANDBOX_VERIFIED"] } });
    expect(verified.id).toBe(got.headers["webhook-id"]);
    expect(verified.data.sequence).toBeGreaterThan(0);
    // A body changed in transit no longer verifies.
    expect(verifiesWith(endpoint.secret!, { ...got, body: got.body.replace('"verified"', '"not_verified"') })).toBe(false);

    // Only the subscribed type was sent; the same event is listed at GET /v1/events with the same id.
    expect((await received(inbox)).length).toBe(1);
    const events = await call(`/v1/events?verification_id=${id}`, { headers: testKey });
    expect(events.data.data.map((e: { type: string }) => e.type).sort()).toEqual(["verification.completed", "verification.created", "verification.processing", "verification.submitted"]);
    expect(events.data.data.find((e: { type: string }) => e.type === "verification.completed")).toEqual(JSON.parse(got.body));

    const deliveries = await call(`/v1/webhook-deliveries?endpoint_id=${endpoint.id}`, { headers: testKey });
    expect(deliveries.data.data).toMatchObject([{ event_id: verified.id, status: "delivered", attempts: 1, last_status_code: 200, trigger: "event" }]);
  });

  it("an Ed25519 endpoint signs v1a, verifiable with its public key alone (and not with another endpoint's)", async () => {
    const inbox = newInbox();
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["verification.manual_review"], signing: "ed25519" });
    expect(endpoint.secret).toBeNull();
    const [publicKey] = endpoint.public_keys!;
    expect(publicKey.key).toMatch(/^whpk_/);
    const other = await createEndpoint({ url: inboxUrl(newInbox()), events: ["verification.created"], signing: "ed25519" });
    const id = await runVerification("REVIEW");

    const [got] = await until(() => received(inbox), (r) => r.length >= 1);
    expect(got.headers["webhook-signature"]).toMatch(/^v1a,/);
    expect(await verifyEd25519(publicKey.key, got)).toBe(true);
    expect(await verifyEd25519(other.public_keys![0].key, got)).toBe(false);
    expect(JSON.parse(got.body)).toMatchObject({ type: "verification.manual_review", data: { verification_id: id, status: "manual_review", decision: "manual_review" } });
  });

  it("test-mode events never reach a live endpoint", async () => {
    const liveInbox = newInbox();
    await createEndpoint({ url: inboxUrl(liveInbox), events: ["*"], mode: "live" }, bearer(tenant.accessToken));
    const testInbox = newInbox();
    await createEndpoint({ url: inboxUrl(testInbox), events: ["verification.completed"] });
    await runVerification("VERIFIED");
    await until(() => received(testInbox), (r) => r.length >= 1);
    expect(await received(liveInbox)).toEqual([]);
  });
});

describe("secret rotation", () => {
  it("during the grace period both the old and the new secret verify; after it only the new one", async () => {
    const inbox = newInbox();
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["verification.completed"] });
    const rotated = await call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", headers: testKey, json: { grace_seconds: 4 } });
    expect(rotated.status).toBe(200);
    const fresh = rotated.data.secret as string;
    expect(fresh).not.toBe(endpoint.secret);

    expect((await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey })).status).toBe(202);
    const [during] = await until(() => received(inbox), (r) => r.length >= 1);
    expect(during.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verifiesWith(fresh, during)).toBe(true);
    expect(verifiesWith(endpoint.secret!, during)).toBe(true);
    expect(JSON.parse(during.body)).toMatchObject({ type: "webhook_endpoint.test", data: { endpoint_id: endpoint.id } });

    await new Promise((r) => setTimeout(r, 4500));
    await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    const [, after] = await until(() => received(inbox), (r) => r.length >= 2);
    expect(after.headers["webhook-signature"].split(" ")).toHaveLength(1);
    expect(verifiesWith(fresh, after)).toBe(true);
    expect(verifiesWith(endpoint.secret!, after)).toBe(false);
  });

  it("an Ed25519 endpoint's rotated-out public key is served, and verifies, until its grace period ends", async () => {
    const inbox = newInbox();
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["*"], signing: "ed25519" });
    const rotated = await call(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST", headers: testKey, json: { grace_seconds: 3600 } });
    const keys = rotated.data.public_keys as { key: string; expires_at: string | null }[];
    expect(keys).toHaveLength(2);
    expect(keys[0].expires_at).toBeNull();
    expect(keys[1]).toEqual({ key: endpoint.public_keys![0].key, expires_at: expect.any(String) });
    await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    const [got] = await until(() => received(inbox), (r) => r.length >= 1);
    expect(await verifyEd25519(keys[0].key, got)).toBe(true);
    expect(await verifyEd25519(keys[1].key, got)).toBe(true);
  });
});

describe("retries, Gone, and the delivery log", () => {
  it("a receiver answering 500, 500, then 200 gets three attempts, all in the log, the last delivered", async () => {
    const inbox = newInbox();
    await program(inbox, [{ status: 500 }, { status: 500 }]);
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["verification.completed"] });
    const sent = await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    const delivery = await until(
      async () => (await call(`/v1/webhook-deliveries/${sent.data.delivery_id}`, { headers: testKey })).data,
      (d) => d.status !== "pending",
    );
    expect(delivery).toMatchObject({ status: "delivered", attempts: 3, last_status_code: 200, last_error_class: null });
    expect(delivery.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 200]);
    expect(delivery.attempt_log.map((a: { error_class: string | null }) => a.error_class)).toEqual(["http_status", "http_status", null]);
    expect(delivery.attempt_log[0].response_excerpt).toBe("answered 500");
    // The three requests carried the same webhook-id (the receiver's de-duplication key).
    const got = await received(inbox);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(800);
  });

  it("a redirect is not followed: the attempt fails with error class `redirect` and the Location is never requested", async () => {
    const inbox = newInbox();
    const elsewhere = newInbox();
    await program(inbox, [{ status: 307, location: inboxUrl(elsewhere) }, { status: 200 }]);
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["verification.completed"] });
    const sent = await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    const delivery = await until(async () => (await call(`/v1/webhook-deliveries/${sent.data.delivery_id}`, { headers: testKey })).data, (d) => d.status !== "pending");
    expect(delivery.attempt_log.map((a: { status_code: number; error_class: string | null }) => [a.status_code, a.error_class])).toEqual([
      [307, "redirect"],
      [200, null],
    ]);
    expect(await received(elsewhere)).toEqual([]);
  });

  it("a receiver's Retry-After is honoured when it asks for longer than the schedule", async () => {
    const inbox = newInbox();
    await program(inbox, [{ status: 503, retry_after: 4 }]);
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["verification.completed"] });
    await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    const got = await until(() => received(inbox), (r) => r.length >= 2);
    // The development schedule would retry after 1 s; the receiver asked for 4.
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(3500);
  });

  it("a receiver answering 410 Gone disables the endpoint, with an event and an audit entry", async () => {
    const inbox = newInbox();
    await program(inbox, [{ status: 410 }]);
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["*"] });
    const sent = await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    await until(async () => (await call(`/v1/webhook-deliveries/${sent.data.delivery_id}`, { headers: testKey })).data, (d) => d.status !== "pending");
    const after = await call(`/v1/webhook-endpoints/${endpoint.id}`, { headers: testKey });
    expect(after.data).toMatchObject({ enabled: false, disabled_reason: "gone" });
    const events = await call("/v1/events?type=webhook_endpoint.disabled", { headers: testKey });
    expect(events.data.data.some((e: { data: { endpoint_id: string } }) => e.data.endpoint_id === endpoint.id)).toBe(true);
    const audit = await env.DB.prepare("SELECT actor_type, metadata FROM audit_events WHERE target_id = ? AND action = 'webhook_endpoint.disabled'").bind(endpoint.id).all();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor_type: "system" });
    // Nothing more is sent to a disabled endpoint, and redelivering to it is refused until it is enabled again.
    await runVerification("VERIFIED");
    expect(await received(inbox)).toHaveLength(1);
    expect((await call(`/v1/webhook-deliveries/${sent.data.delivery_id}/redeliver`, { method: "POST", headers: testKey })).status).toBe(409);
  });

  it("redeliver sends the same event (same webhook-id) again as a new delivery", async () => {
    const inbox = newInbox();
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["*"] });
    const sent = await call(`/v1/webhook-endpoints/${endpoint.id}/test`, { method: "POST", headers: testKey });
    await until(() => received(inbox), (r) => r.length >= 1);
    const again = await call(`/v1/webhook-deliveries/${sent.data.delivery_id}/redeliver`, { method: "POST", headers: testKey });
    expect(again.status).toBe(202);
    expect(again.data).toMatchObject({ trigger: "redeliver", event_id: sent.data.event_id, status: "pending" });
    const got = await until(() => received(inbox), (r) => r.length >= 2);
    expect(got[1].headers["webhook-id"]).toBe(got[0].headers["webhook-id"]);
    expect(got[1].body).toBe(got[0].body);
  });
});

describe("recover", () => {
  it("re-sends every event since a time, in sequence order, to an endpoint that missed them", async () => {
    const inbox = newInbox();
    const endpoint = await createEndpoint({ url: inboxUrl(inbox), events: ["*"] });
    await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", headers: testKey, json: { enabled: false } });
    const since = new Date().toISOString();
    const first = await runVerification("REJECTED");
    const second = await runVerification("VERIFIED");
    expect(await received(inbox)).toEqual([]);

    await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: "PATCH", headers: testKey, json: { enabled: true } });
    const recovered = await call(`/v1/webhook-endpoints/${endpoint.id}/recover`, { method: "POST", headers: testKey, json: { since } });
    expect(recovered.status).toBe(202);
    expect(recovered.data.next_since).toBeNull();

    const got = await until(() => received(inbox), (r) => r.length >= recovered.data.events);
    const events = got.map((r) => JSON.parse(r.body) as { type: string; data: { verification_id?: string; sequence?: number } });
    for (const id of [first, second]) {
      const own = events.filter((e) => e.data.verification_id === id);
      expect(own.map((e) => e.type)).toEqual(["verification.created", "verification.submitted", "verification.processing", "verification.completed"]);
      expect(own.map((e) => e.data.sequence)).toEqual([0, 1, 2, 3]);
    }
    // Every recovered event is signed like any other.
    const secret = endpoint.secret!;
    expect(got.every((r) => verifiesWith(secret, r))).toBe(true);
  });
});
