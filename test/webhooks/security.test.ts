/**
 * The shared security suite on all 13 webhook operations: admins only among users, API keys with the `webhooks`
 * scope, and another tenant's endpoint, event or delivery is 404. Endpoints point at the test receiver
 * (test/webhook-receiver.mjs), so the deliveries the `test` and `redeliver` routes queue have somewhere to go.
 * The suite's positive control only checks "not 401/403"; the last test spells it out: an admin and a `webhooks` key
 * each get every operation's success status.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { securitySuite } from "../security/suite";
import type { SuiteTenants } from "../security/suite";

const access = { allowedRoles: ["admin"] as ["admin"], scope: "webhooks" as const };

const receiverUrl = () => `${env.RECEIVER_ORIGIN}/r/security-${crypto.randomUUID().slice(0, 8)}`;

/** An endpoint of the owner tenant (live, the default of an admin and of the suite's live API keys). */
async function ownEndpoint({ owner }: SuiteTenants): Promise<{ endpointId: string }> {
  const res = await call("/v1/webhook-endpoints", { method: "POST", headers: bearer(owner.accessToken), json: { url: receiverUrl() } });
  if (res.status !== 201) throw new Error(`create endpoint: ${res.status} ${res.text}`);
  return { endpointId: res.data.id as string };
}

/** An endpoint of the owner with one test event sent to it: its event and its delivery. */
async function ownDelivery(tenants: SuiteTenants): Promise<{ endpointId: string; eventId: string; deliveryId: string }> {
  const { endpointId } = await ownEndpoint(tenants);
  const res = await call(`/v1/webhook-endpoints/${endpointId}/test`, { method: "POST", headers: bearer(tenants.owner.accessToken) });
  if (res.status !== 202) throw new Error(`test event: ${res.status} ${res.text}`);
  return { endpointId, eventId: res.data.event_id as string, deliveryId: res.data.delivery_id as string };
}

/** A minute ago: inside the 30 days `recover` accepts, so a refusal is about credentials. */
const recentSince = () => new Date(Date.now() - 60_000).toISOString();

securitySuite({ name: "POST /v1/webhook-endpoints", method: "POST", path: () => "/v1/webhook-endpoints", body: () => ({ url: receiverUrl() }), ...access });
securitySuite({ name: "GET /v1/webhook-endpoints", method: "GET", path: () => "/v1/webhook-endpoints", ...access });
securitySuite({ name: "GET /v1/webhook-endpoints/{id}", method: "GET", setup: ownEndpoint, path: (ctx) => `/v1/webhook-endpoints/${ctx.endpointId}`, ...access, crossTenant: true });
securitySuite({
  name: "PATCH /v1/webhook-endpoints/{id}",
  method: "PATCH",
  setup: ownEndpoint,
  path: (ctx) => `/v1/webhook-endpoints/${ctx.endpointId}`,
  body: () => ({ description: "changed by the security suite" }),
  ...access,
  crossTenant: true,
});
securitySuite({ name: "DELETE /v1/webhook-endpoints/{id}", method: "DELETE", setup: ownEndpoint, path: (ctx) => `/v1/webhook-endpoints/${ctx.endpointId}`, ...access, crossTenant: true });
securitySuite({ name: "POST /v1/webhook-endpoints/{id}/test", method: "POST", setup: ownEndpoint, path: (ctx) => `/v1/webhook-endpoints/${ctx.endpointId}/test`, ...access, crossTenant: true });
securitySuite({
  name: "POST /v1/webhook-endpoints/{id}/rotate-secret",
  method: "POST",
  setup: ownEndpoint,
  path: (ctx) => `/v1/webhook-endpoints/${ctx.endpointId}/rotate-secret`,
  body: () => ({ grace_seconds: 60 }),
  ...access,
  crossTenant: true,
});
securitySuite({
  name: "POST /v1/webhook-endpoints/{id}/recover",
  method: "POST",
  setup: ownEndpoint,
  path: (ctx) => `/v1/webhook-endpoints/${ctx.endpointId}/recover`,
  body: () => ({ since: recentSince() }),
  ...access,
  crossTenant: true,
});
securitySuite({ name: "GET /v1/events", method: "GET", path: () => "/v1/events", ...access });
securitySuite({ name: "GET /v1/events/{id}", method: "GET", setup: ownDelivery, path: (ctx) => `/v1/events/${ctx.eventId}`, ...access, crossTenant: true });
securitySuite({ name: "GET /v1/webhook-deliveries", method: "GET", path: () => "/v1/webhook-deliveries", ...access });
securitySuite({ name: "GET /v1/webhook-deliveries/{id}", method: "GET", setup: ownDelivery, path: (ctx) => `/v1/webhook-deliveries/${ctx.deliveryId}`, ...access, crossTenant: true });
securitySuite({
  name: "POST /v1/webhook-deliveries/{id}/redeliver",
  method: "POST",
  setup: ownDelivery,
  path: (ctx) => `/v1/webhook-deliveries/${ctx.deliveryId}/redeliver`,
  ...access,
  crossTenant: true,
});

describe("allowed callers get the job done", () => {
  it.each(["an admin", "a live API key with the webhooks scope"])("%s: each of the 13 operations answers its success status", async (who) => {
    const owner = await registerTenant();
    const headers = who === "an admin" ? bearer(owner.accessToken) : apiKeyHeader((await createApiKey(owner.accessToken, { scopes: ["webhooks"] })).key);
    const expectStatus = async (status: number, method: string, path: string, json?: unknown) => {
      const res = await call(path, { method, headers, json });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
      return res.data;
    };
    const created = await expectStatus(201, "POST", "/v1/webhook-endpoints", { url: receiverUrl() });
    const endpoint = `/v1/webhook-endpoints/${created.id}`;
    expect((await expectStatus(200, "GET", "/v1/webhook-endpoints")).data.map((e: { id: string }) => e.id)).toEqual([created.id]);
    expect((await expectStatus(200, "GET", endpoint)).id).toBe(created.id);
    expect((await expectStatus(200, "PATCH", endpoint, { description: "renamed" })).description).toBe("renamed");
    const sent = await expectStatus(202, "POST", `${endpoint}/test`);
    expect((await expectStatus(200, "POST", `${endpoint}/rotate-secret`, { grace_seconds: 60 })).secret).toMatch(/^whsec_/);
    expect((await expectStatus(202, "POST", `${endpoint}/recover`, { since: recentSince() })).events).toBe(0);
    expect((await expectStatus(200, "GET", "/v1/events")).data.map((e: { id: string }) => e.id)).toContain(sent.event_id);
    expect((await expectStatus(200, "GET", `/v1/events/${sent.event_id}`)).type).toBe("webhook_endpoint.test");
    expect((await expectStatus(200, "GET", "/v1/webhook-deliveries")).data.map((d: { id: string }) => d.id)).toContain(sent.delivery_id);
    expect((await expectStatus(200, "GET", `/v1/webhook-deliveries/${sent.delivery_id}`)).event_id).toBe(sent.event_id);
    expect((await expectStatus(202, "POST", `/v1/webhook-deliveries/${sent.delivery_id}/redeliver`)).trigger).toBe("redeliver");
    await expectStatus(204, "DELETE", endpoint);
  });
});
