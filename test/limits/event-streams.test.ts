/**
 * Live event streams are bounded: a cap per verification and per tenant (429 with Retry-After), an idle timeout
 * that ends a quiet stream (and frees its tenant slot), and a resume that checks the credentials again.
 */
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_STREAMS_PER_TENANT, MAX_STREAMS_PER_VERIFICATION } from "../../durable-objects/verification-events";
import { BASE, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant, revokeApiKey } from "../helpers/identity";
import { createVerification } from "../helpers/verifications";

const open = (id: string, headers: Record<string, string>) => SELF.fetch(`${BASE}/v1/verifications/${id}/events`, { headers });

async function asError(res: Response) {
  return { status: res.status, headers: res.headers, data: await res.json() };
}

/** Reads a stream to its end and returns the text. */
async function readToEnd(body: ReadableStream<Uint8Array>) {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of body) text += decoder.decode(chunk as Uint8Array, { stream: true });
  return text;
}

const eventsStub = (id: string) => env.VERIFICATION_EVENTS.get(env.VERIFICATION_EVENTS.idFromName(id));

async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}

describe("event stream caps", () => {
  it(`at most ${MAX_STREAMS_PER_VERIFICATION} streams per verification: the next is 429 with Retry-After; closing one frees its place`, async () => {
    const t = await registerTenant();
    const key = apiKeyHeader((await createApiKey(t.accessToken)).key);
    const { id } = await createVerification(key);
    const streams = [];
    for (let i = 0; i < MAX_STREAMS_PER_VERIFICATION; i++) {
      const res = await open(id, key);
      expect(res.status).toBe(200);
      streams.push(res);
    }
    const refused = await asError(await open(id, key));
    const error = expectErrorShape(refused, 429, "RATE_LIMITED");
    expect(error.details).toMatchObject({ limit: MAX_STREAMS_PER_VERIFICATION, budget: "event_streams_per_verification" });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);

    await streams.pop()?.body?.cancel();
    await until(async () => (await eventsStub(id).openStreams()) < MAX_STREAMS_PER_VERIFICATION);
    const again = await open(id, key);
    expect(again.status).toBe(200);
    streams.push(again);
    for (const s of streams) await s.body?.cancel();
  });

  it(`at most ${MAX_STREAMS_PER_TENANT} streams per tenant, across its verifications`, async () => {
    const t = await registerTenant();
    const key = apiKeyHeader((await createApiKey(t.accessToken)).key);
    const { id } = await createVerification(key);
    // The tenant's other streams, as leases in its RateLimiter object.
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`tenant:${t.tenantId}`));
    for (let i = 0; i < MAX_STREAMS_PER_TENANT; i++) expect((await limiter.acquire("event-streams", `other-${i}`, MAX_STREAMS_PER_TENANT, 600_000)).acquired).toBe(true);
    const error = expectErrorShape(await asError(await open(id, key)), 429, "RATE_LIMITED");
    expect(error.details).toMatchObject({ limit: MAX_STREAMS_PER_TENANT, budget: "event_streams_per_tenant" });
    await limiter.release("other-0");
    const res = await open(id, key);
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});

describe("idle timeout and resume", () => {
  it("a stream without events for its idle time ends, and its tenant slot is freed", async () => {
    const tenantId = `ten_idle_${crypto.randomUUID()}`;
    const id = `ver_idle_${crypto.randomUUID()}`;
    const res = await eventsStub(id).fetch(new Request(`https://events/${id}`, { headers: { "X-Tenant-Id": tenantId, "X-Idle-Timeout-Ms": "50" } }));
    expect(res.status).toBe(200);
    const text = await readToEnd(res.body as ReadableStream<Uint8Array>);
    expect(text).toContain("retry: 3000");
    expect(await eventsStub(id).openStreams()).toBe(0);
    const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`tenant:${tenantId}`));
    await until(async () => (await limiter.acquire("probe", "p", 1, 1)).held === 1);
    // All slots are free again: the full cap can be leased.
    for (let i = 0; i < MAX_STREAMS_PER_TENANT; i++) expect((await limiter.acquire("event-streams", `s-${i}`, MAX_STREAMS_PER_TENANT, 60_000)).acquired, `slot ${i}`).toBe(true);
  });

  it("resuming with Last-Event-ID checks the credentials again: a revoked key cannot resume", async () => {
    const t = await registerTenant();
    const created = await createApiKey(t.accessToken);
    const key = apiKeyHeader(created.key);
    const { id } = await createVerification(key);
    const first = await open(id, key);
    expect(first.status).toBe(200);
    await first.body?.cancel();
    await revokeApiKey(t.accessToken, created.id);
    const resumed = await asError(await open(id, { ...key, "Last-Event-ID": "1" }));
    const error = expectErrorShape(resumed, 401, "UNAUTHORIZED");
    expect(error.details.reason).toBe("revoked");
  });
});
