/**
 * The webhook API as an integrator meets it, in workerd with the local D1 and the real test receiver
 * (test/webhook-receiver.mjs): the secret shown once and stored encrypted, pagination and the wall between test and
 * live, PATCH, the SSRF guard on create and on PATCH (a refused URL changes nothing), rotation, `recover`'s time
 * window, the delivery log's filters, redelivery, deletion and what the audit log keeps. Signatures, retries, 410
 * and the payload scan are test/webhooks/delivery.test.ts.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";

/** Request headers that carry a credential (bearer or X-API-Key). */
type Auth = Record<string, string>;

/** A fresh inbox of the test receiver; `http://127.0.0.1:<port>` is allowed because ENVIRONMENT=test. */
const receiverUrl = (label: string) => `${env.RECEIVER_ORIGIN}/r/${label}-${crypto.randomUUID().slice(0, 8)}`;

/** The standard base64 alphabet with padding, as `whsec_` and `whpk_` carry it. */
function base64Bytes(text: string): Uint8Array {
  expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function createEndpoint(headers: Auth, body: Record<string, unknown> = {}) {
  const res = await call("/v1/webhook-endpoints", { method: "POST", headers, json: { url: receiverUrl("api"), ...body } });
  if (res.status !== 201) throw new Error(`create endpoint: ${res.status} ${res.text}`);
  return res.data as { id: string; secret: string | null; url: string; mode: "live" | "test"; public_keys: { key: string; expires_at: string | null }[] | null } & Record<string, unknown>;
}

const getEndpoint = (headers: Auth, id: string) => call(`/v1/webhook-endpoints/${id}`, { headers });
const patchEndpoint = (headers: Auth, id: string, json: unknown) => call(`/v1/webhook-endpoints/${id}`, { method: "PATCH", headers, json });

/** Every page of a list, following `next_cursor`. */
async function listAll(headers: Auth, path: string, limit = 100): Promise<any[]> {
  const rows: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { headers });
    if (res.status !== 200) throw new Error(`list ${path}: ${res.status} ${res.text}`);
    rows.push(...res.data.data);
    cursor = res.data.next_cursor;
  } while (cursor);
  return rows;
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

/** Sends a test event to the endpoint; returns its event and delivery ids. */
async function sendTestEvent(headers: Auth, endpointId: string): Promise<{ eventId: string; deliveryId: string }> {
  const res = await call(`/v1/webhook-endpoints/${endpointId}/test`, { method: "POST", headers });
  if (res.status !== 202) throw new Error(`test event: ${res.status} ${res.text}`);
  return { eventId: res.data.event_id, deliveryId: res.data.delivery_id };
}

/**
 * Waits until the queue consumer has finished a delivery (delivered or failed) and returns it. A wait for a state,
 * not a timing claim: the bound only keeps a broken consumer from hanging the run.
 */
async function settled(headers: Auth, deliveryId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const res = await call(`/v1/webhook-deliveries/${deliveryId}`, { headers });
    if (res.status !== 200) throw new Error(`get delivery: ${res.status} ${res.text}`);
    if (res.data.status !== "pending") return res.data;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`delivery ${deliveryId} still pending`);
}

/** Every value of every row of every D1 table, as text (as test/identity/secrets-at-rest.test.ts scans it). */
async function dumpDatabase(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables.results) parts.push(JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results));
  return parts.join("\n");
}

const storedSecrets = async (id: string) => (await env.DB.prepare("SELECT secrets_enc FROM webhook_endpoints WHERE id = ?").bind(id).first<string>("secrets_enc")) ?? null;

describe("the signing secret", () => {
  let admin: TenantFixture;
  beforeAll(async () => {
    admin = await registerTenant();
  });

  it("create returns a whsec_ secret of 32 random bytes once; GET and the list never show it", async () => {
    const first = await createEndpoint(bearer(admin.accessToken));
    const second = await createEndpoint(bearer(admin.accessToken));
    expect(first.signing).toBe("hmac");
    expect(first.public_keys).toBeNull();
    for (const e of [first, second]) {
      expect(e.secret).toMatch(/^whsec_/);
      expect(base64Bytes((e.secret as string).slice("whsec_".length))).toHaveLength(32);
    }
    expect(first.secret).not.toBe(second.secret);

    const got = await getEndpoint(bearer(admin.accessToken), first.id);
    expect(got.status).toBe(200);
    expect(got.data).not.toHaveProperty("secret");
    expect(got.text).not.toContain((first.secret as string).slice(6));
    const list = await call("/v1/webhook-endpoints", { headers: bearer(admin.accessToken) });
    expect(ids(list.data.data)).toEqual(expect.arrayContaining([first.id, second.id]));
    for (const e of list.data.data) expect(e).not.toHaveProperty("secret");
    for (const e of [first, second]) expect(list.text).not.toContain((e.secret as string).slice(6));
  });

  it("an Ed25519 endpoint returns secret null and a whpk_ public key (32 bytes), which GET serves again", async () => {
    const e = await createEndpoint(bearer(admin.accessToken), { signing: "ed25519" });
    expect(e.signing).toBe("ed25519");
    expect(e.secret).toBeNull();
    expect(e.public_keys).toHaveLength(1);
    const [key] = e.public_keys!;
    expect(key.expires_at).toBeNull();
    expect(key.key).toMatch(/^whpk_/);
    expect(base64Bytes(key.key.slice("whpk_".length))).toHaveLength(32);
    const got = await getEndpoint(bearer(admin.accessToken), e.id);
    expect(got.data.public_keys).toEqual(e.public_keys);
    expect(got.text).not.toMatch(/whsk_/);
  });

  it("the secret is stored encrypted: no D1 table holds it, or its base64 part, in clear", async () => {
    const e = await createEndpoint(bearer(admin.accessToken));
    const secret = e.secret as string;
    const stored = await storedSecrets(e.id);
    expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]+$/); // AES-GCM: version, IV, ciphertext
    const dump = await dumpDatabase();
    expect(dump).toContain(e.id); // the scan does see this endpoint's row
    const base64 = secret.slice("whsec_".length);
    const base64url = base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const [what, text] of Object.entries({ secret, base64, base64url })) expect(dump.includes(text), what).toBe(false);
    expect(dump).not.toMatch(/whsk_/); // nor an Ed25519 secret key of the test above
  });
});

describe("listing and modes", () => {
  let admin: TenantFixture;
  let live: string[];
  let testMode: string[];
  let testKey: Auth;
  let liveKey: Auth;

  beforeAll(async () => {
    admin = await registerTenant();
    live = [];
    for (let i = 0; i < 5; i++) live.push((await createEndpoint(bearer(admin.accessToken), { description: `live ${i}` })).id);
    testMode = [];
    for (let i = 0; i < 2; i++) testMode.push((await createEndpoint(bearer(admin.accessToken), { mode: "test", description: `test ${i}` })).id);
    testKey = apiKeyHeader((await createApiKey(admin.accessToken, { scopes: ["webhooks"], mode: "test" })).key);
    liveKey = apiKeyHeader((await createApiKey(admin.accessToken, { scopes: ["webhooks"], mode: "live" })).key);
  });

  it("pages with limit and cursor: newest first, every endpoint once, next_cursor null on the last page", async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/v1/webhook-endpoints?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { headers: bearer(admin.accessToken) });
      expect(res.status).toBe(200);
      pages.push(ids(res.data.data));
      cursor = res.data.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...live].reverse());
    expectErrorShape(await call("/v1/webhook-endpoints?limit=0", { headers: bearer(admin.accessToken) }), 400, "VALIDATION_ERROR");
    expectErrorShape(await call("/v1/webhook-endpoints?limit=101", { headers: bearer(admin.accessToken) }), 400, "VALIDATION_ERROR");
  });

  it("an admin's ?mode=test list holds only the test endpoints; the default list and ?mode=live only the live ones", async () => {
    const testList = await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints?mode=test");
    expect(ids(testList).sort()).toEqual([...testMode].sort());
    expect(testList.every((e) => e.mode === "test")).toBe(true);
    expect(ids(await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints")).sort()).toEqual([...live].sort());
    expect(ids(await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints?mode=live")).sort()).toEqual([...live].sort());
    // An admin reaches an endpoint of either mode by id.
    expect((await getEndpoint(bearer(admin.accessToken), testMode[0])).data.mode).toBe("test");
  });

  it("a test-mode key lists and creates only test endpoints; asking for live is 403", async () => {
    expect(ids(await listAll(testKey, "/v1/webhook-endpoints")).sort()).toEqual([...testMode].sort());
    const created = await call("/v1/webhook-endpoints", { method: "POST", headers: testKey, json: { url: receiverUrl("key") } });
    expect(created.status).toBe(201);
    expect(created.data.mode).toBe("test");
    testMode.push(created.data.id);

    for (const [method, path, json] of [
      ["GET", "/v1/webhook-endpoints?mode=live", undefined],
      ["GET", "/v1/events?mode=live", undefined],
      ["GET", "/v1/webhook-deliveries?mode=live", undefined],
      ["POST", "/v1/webhook-endpoints", { url: receiverUrl("key"), mode: "live" }],
    ] as const) {
      const error = expectErrorShape(await call(path, { method, headers: testKey, json }), 403, "FORBIDDEN");
      expect(error.details, `${method} ${path}`).toMatchObject({ key_mode: "test", requested_mode: "live" });
    }
    expect(ids(await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints")).sort()).toEqual([...live].sort());
  });

  it("a live endpoint is 404 to a test-mode key (GET, PATCH, DELETE, test, rotate, recover) and stays as it was", async () => {
    const target = live[0];
    const before = (await getEndpoint(bearer(admin.accessToken), target)).data;
    const since = new Date(Date.now() - 60_000).toISOString();
    for (const [method, suffix, json] of [
      ["GET", "", undefined],
      ["PATCH", "", { description: "taken over" }],
      ["DELETE", "", undefined],
      ["POST", "/test", undefined],
      ["POST", "/rotate-secret", { grace_seconds: 0 }],
      ["POST", "/recover", { since }],
    ] as const) {
      expectErrorShape(await call(`/v1/webhook-endpoints/${target}${suffix}`, { method, headers: testKey, json }), 404, "NOT_FOUND");
    }
    expect((await getEndpoint(bearer(admin.accessToken), target)).data).toEqual(before);
    expect(await listAll(bearer(admin.accessToken), `/v1/webhook-deliveries?endpoint_id=${target}`)).toEqual([]);
  });

  it("and the other way round: a test endpoint is 404 to a live key, which lists only live endpoints", async () => {
    expectErrorShape(await getEndpoint(liveKey, testMode[0]), 404, "NOT_FOUND");
    expect(ids(await listAll(liveKey, "/v1/webhook-endpoints")).sort()).toEqual([...live].sort());
    expectErrorShape(await call("/v1/webhook-endpoints?mode=test", { headers: liveKey }), 403, "FORBIDDEN");
  });

  it("a test event and its delivery belong to their mode: a live key sees neither", async () => {
    const { eventId, deliveryId } = await sendTestEvent(testKey, testMode[0]);
    expect((await call(`/v1/events/${eventId}`, { headers: testKey })).status).toBe(200);
    expect((await call(`/v1/webhook-deliveries/${deliveryId}`, { headers: testKey })).status).toBe(200);
    expectErrorShape(await call(`/v1/events/${eventId}`, { headers: liveKey }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/webhook-deliveries/${deliveryId}`, { headers: liveKey }), 404, "NOT_FOUND");
    expectErrorShape(await call(`/v1/webhook-deliveries/${deliveryId}/redeliver`, { method: "POST", headers: liveKey }), 404, "NOT_FOUND");
    expect(ids(await listAll(liveKey, "/v1/webhook-deliveries"))).not.toContain(deliveryId);
    expect(ids(await listAll(liveKey, "/v1/events"))).not.toContain(eventId);
    expect(ids(await listAll(testKey, "/v1/events"))).toContain(eventId);
    expect(ids(await listAll(bearer(admin.accessToken), "/v1/webhook-deliveries?mode=test"))).toContain(deliveryId);
  });
});

describe("PATCH /v1/webhook-endpoints/{id}", () => {
  let admin: TenantFixture;
  beforeAll(async () => {
    admin = await registerTenant();
  });

  it("replaces url, events and description, and GET shows the change", async () => {
    const e = await createEndpoint(bearer(admin.accessToken), { events: ["verification.completed"], description: "first" });
    const url = receiverUrl("moved");
    const res = await patchEndpoint(bearer(admin.accessToken), e.id, { url, events: ["verification.manual_review", "verification.reviewed"], description: "second" });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ url, events: ["verification.manual_review", "verification.reviewed"], description: "second" });
    expect(res.data).not.toHaveProperty("secret");
    expect((await getEndpoint(bearer(admin.accessToken), e.id)).data).toEqual(res.data);
    const cleared = await patchEndpoint(bearer(admin.accessToken), e.id, { description: null, events: ["*"] });
    expect(cleared.data).toMatchObject({ url, description: null, events: ["*"] });
  });

  it("enabled:false disables with disabled_reason `user` (no test events then, 409); enabled:true clears it", async () => {
    const e = await createEndpoint(bearer(admin.accessToken));
    expect(e).toMatchObject({ enabled: true, disabled_reason: null });
    const off = await patchEndpoint(bearer(admin.accessToken), e.id, { enabled: false });
    expect(off.data).toMatchObject({ enabled: false, disabled_reason: "user" });
    expect((await getEndpoint(bearer(admin.accessToken), e.id)).data).toMatchObject({ enabled: false, disabled_reason: "user" });
    expectErrorShape(await call(`/v1/webhook-endpoints/${e.id}/test`, { method: "POST", headers: bearer(admin.accessToken) }), 409, "CONFLICT");
    const on = await patchEndpoint(bearer(admin.accessToken), e.id, { enabled: true });
    expect(on.data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    expect((await call(`/v1/webhook-endpoints/${e.id}/test`, { method: "POST", headers: bearer(admin.accessToken) })).status).toBe(202);
  });

  it("an empty body, an unknown field, an unknown event type or an empty event list → 400, and nothing changes", async () => {
    const e = await createEndpoint(bearer(admin.accessToken), { description: "unchanged" });
    const before = (await getEndpoint(bearer(admin.accessToken), e.id)).data;
    for (const body of [{}, { secret: "whsec_AAAA" }, { description: "x", colour: "red" }, { events: ["verification.exploded"] }, { events: [] }, { enabled: "no" }]) {
      const error = expectErrorShape(await patchEndpoint(bearer(admin.accessToken), e.id, body), 400, "VALIDATION_ERROR");
      expect(error.details?.fields, JSON.stringify(body)).toBeTruthy();
    }
    expect((await getEndpoint(bearer(admin.accessToken), e.id)).data).toEqual(before);
    // The same rules on create: nothing is made.
    const count = (await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints")).length;
    for (const body of [{ url: receiverUrl("x"), events: ["verification.exploded"] }, { url: receiverUrl("x"), owner: "me" }, { url: "" }, {}]) {
      expectErrorShape(await call("/v1/webhook-endpoints", { method: "POST", headers: bearer(admin.accessToken), json: body }), 400, "VALIDATION_ERROR");
    }
    expect(await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints")).toHaveLength(count);
  });
});

describe("URLs the SSRF guard refuses", () => {
  let admin: TenantFixture;
  let endpoint: { id: string };
  beforeAll(async () => {
    admin = await registerTenant();
    endpoint = await createEndpoint(bearer(admin.accessToken), { description: "the one endpoint" });
  });

  const refused: { url: string; reason: RegExp }[] = [
    { url: "not a url", reason: /not a valid absolute URL/ },
    { url: "example.com/hooks", reason: /not a valid absolute URL/ },
    { url: "https://", reason: /not a valid absolute URL/ },
    { url: "ftp://example.com/hooks", reason: /must use https/ },
    { url: "https://10.0.0.1/hooks", reason: /private IPv4.*10\.0\.0\.0\/8/ },
    { url: "https://169.254.169.254/latest/meta-data", reason: /cloud metadata/ },
    { url: "https://[::1]/hooks", reason: /IPv6 loopback/ },
    { url: "https://[::ffff:127.0.0.1]/hooks", reason: /IPv4-mapped.*127\.0\.0\.1/ },
    { url: "https://192.168.1.5/hooks", reason: /private IPv4.*192\.168\.0\.0\/16/ },
    { url: "http://example.com/hooks", reason: /must use https/ },
  ];

  it.each(refused)("$url → 422 WEBHOOK_URL_FORBIDDEN with the reason, on create and on PATCH; nothing changes", async ({ url, reason }) => {
    const listBefore = await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints");
    const endpointBefore = (await getEndpoint(bearer(admin.accessToken), endpoint.id)).data;

    const onCreate = expectErrorShape(await call("/v1/webhook-endpoints", { method: "POST", headers: bearer(admin.accessToken), json: { url } }), 422, "WEBHOOK_URL_FORBIDDEN");
    expect(onCreate.details?.reason).toMatch(reason);
    expect(onCreate.message).toContain(onCreate.details?.reason);
    const onPatch = expectErrorShape(await patchEndpoint(bearer(admin.accessToken), endpoint.id, { url, description: "should not be saved" }), 422, "WEBHOOK_URL_FORBIDDEN");
    expect(onPatch.details?.reason).toMatch(reason);

    expect(await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints")).toEqual(listBefore);
    expect((await getEndpoint(bearer(admin.accessToken), endpoint.id)).data).toEqual(endpointBefore);
  });

  it("http://localhost:1234/x is accepted here only because ENVIRONMENT=test opens localhost to local receivers", async () => {
    expect(env.ENVIRONMENT).toBe("test");
    const created = await call("/v1/webhook-endpoints", { method: "POST", headers: bearer(admin.accessToken), json: { url: "http://localhost:1234/x" } });
    expect(created.status).toBe(201);
    expect(created.data.url).toBe("http://localhost:1234/x");
    const patched = await patchEndpoint(bearer(admin.accessToken), created.data.id, { url: "http://127.0.0.1:1234/y" });
    expect(patched.status).toBe(200);
    expect(patched.data.url).toBe("http://127.0.0.1:1234/y");
    // The exception is those two hosts, not every local name.
    expectErrorShape(await patchEndpoint(bearer(admin.accessToken), created.data.id, { url: "http://printer.local/x" }), 422, "WEBHOOK_URL_FORBIDDEN");
  });
});

describe("POST /v1/webhook-endpoints/{id}/rotate-secret", () => {
  let admin: TenantFixture;
  beforeAll(async () => {
    admin = await registerTenant();
  });

  it("returns a new whsec_ secret, different from the first; GET still shows none", async () => {
    const e = await createEndpoint(bearer(admin.accessToken));
    const res = await call(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST", headers: bearer(admin.accessToken), json: {} });
    expect(res.status).toBe(200);
    expect(res.data.id).toBe(e.id);
    expect(res.data.secret).toMatch(/^whsec_/);
    expect(base64Bytes(res.data.secret.slice(6))).toHaveLength(32);
    expect(res.data.secret).not.toBe(e.secret);
    const got = await getEndpoint(bearer(admin.accessToken), e.id);
    expect(got.data).not.toHaveProperty("secret");
    expect(got.text).not.toContain(res.data.secret.slice(6));
  });

  it("an Ed25519 endpoint serves the old public key beside the new one for the grace period; grace 0 drops it", async () => {
    const e = await createEndpoint(bearer(admin.accessToken), { signing: "ed25519" });
    const oldKey = e.public_keys![0].key;
    const graceSeconds = 3600;
    const rotatedAt = Date.now();
    const res = await call(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST", headers: bearer(admin.accessToken), json: { grace_seconds: graceSeconds } });
    expect(res.status).toBe(200);
    expect(res.data.secret).toBeNull();
    const keys = (await getEndpoint(bearer(admin.accessToken), e.id)).data.public_keys;
    expect(keys).toHaveLength(2);
    expect(keys[0].expires_at).toBeNull();
    expect(keys[0].key).toMatch(/^whpk_/);
    expect(keys[0].key).not.toBe(oldKey);
    expect(keys[1].key).toBe(oldKey);
    // The old key's end is the grace period after the rotation (a minute's slack for the request itself).
    expect(Math.abs(Date.parse(keys[1].expires_at) - (rotatedAt + graceSeconds * 1000))).toBeLessThan(60_000);

    const now = await call(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST", headers: bearer(admin.accessToken), json: { grace_seconds: 0 } });
    expect(now.data.public_keys).toHaveLength(1);
    expect(now.data.public_keys[0].key).not.toBe(keys[0].key);
    expect(now.data.public_keys.map((k: { key: string }) => k.key)).not.toContain(oldKey);
  });

  it("grace_seconds below 0, above 7 days, fractional or a string → 400, and the secret is not rotated", async () => {
    const e = await createEndpoint(bearer(admin.accessToken));
    const before = { stored: await storedSecrets(e.id), endpoint: (await getEndpoint(bearer(admin.accessToken), e.id)).data };
    for (const grace_seconds of [-1, 7 * 24 * 3600 + 1, 1.5, "60", null]) {
      const res = await call(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST", headers: bearer(admin.accessToken), json: { grace_seconds } });
      expectErrorShape(res, 400, "VALIDATION_ERROR");
    }
    expectErrorShape(await call(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST", headers: bearer(admin.accessToken), json: { grace: 60 } }), 400, "VALIDATION_ERROR");
    expect(await storedSecrets(e.id)).toBe(before.stored);
    expect((await getEndpoint(bearer(admin.accessToken), e.id)).data).toEqual(before.endpoint);
  });
});

describe("POST /v1/webhook-endpoints/{id}/recover", () => {
  let admin: TenantFixture;
  let endpoint: { id: string };
  const day = 24 * 3600 * 1000;
  const recover = (id: string, json: unknown) => call(`/v1/webhook-endpoints/${id}/recover`, { method: "POST", headers: bearer(admin.accessToken), json });
  beforeAll(async () => {
    admin = await registerTenant();
    endpoint = await createEndpoint(bearer(admin.accessToken));
  });

  it("`since` in the future or older than 30 days → 422 naming the field; malformed or missing → 400; nothing is queued", async () => {
    const future = expectErrorShape(await recover(endpoint.id, { since: new Date(Date.now() + day).toISOString() }), 422, "UNPROCESSABLE");
    expect(future.details).toMatchObject({ field: "since" });
    const tooOld = expectErrorShape(await recover(endpoint.id, { since: new Date(Date.now() - 31 * day).toISOString() }), 422, "UNPROCESSABLE");
    expect(tooOld.details).toMatchObject({ field: "since" });
    expect(Date.parse(tooOld.details.oldest)).toBeGreaterThan(Date.now() - 31 * day);
    for (const body of [{ since: "yesterday" }, { since: "2026-13-01T00:00:00Z" }, { since: 1_700_000_000 }, {}, { since: new Date().toISOString(), until: "now" }]) {
      expectErrorShape(await recover(endpoint.id, body), 400, "VALIDATION_ERROR");
    }
    expect(await listAll(bearer(admin.accessToken), `/v1/webhook-deliveries?endpoint_id=${endpoint.id}`)).toEqual([]);
  });

  it("a `since` inside the window is accepted (202); test events are not re-sent", async () => {
    await sendTestEvent(bearer(admin.accessToken), endpoint.id);
    const res = await recover(endpoint.id, { since: new Date(Date.now() - day).toISOString() });
    expect(res.status).toBe(202);
    expect(res.data).toEqual({ events: 0, delivery_ids: [], next_since: null });
  });

  it("on a disabled endpoint → 409, until it is enabled again", async () => {
    const e = await createEndpoint(bearer(admin.accessToken));
    await patchEndpoint(bearer(admin.accessToken), e.id, { enabled: false });
    const since = new Date(Date.now() - 60_000).toISOString();
    const error = expectErrorShape(await recover(e.id, { since }), 409, "CONFLICT");
    expect(error.details).toMatchObject({ disabled_reason: "user" });
    await patchEndpoint(bearer(admin.accessToken), e.id, { enabled: true });
    expect((await recover(e.id, { since })).status).toBe(202);
  });
});

describe("the delivery log and redelivery", () => {
  let admin: TenantFixture;
  let other: TenantFixture;
  let healthy: { id: string };
  let gone: { id: string };
  let delivered: { eventId: string; deliveryId: string }[];
  let failed: { eventId: string; deliveryId: string };

  beforeAll(async () => {
    [admin, other] = await Promise.all([registerTenant(), registerTenant()]);
    // Subscribed to one verification type only, so the `webhook_endpoint.disabled` event that the 410 below causes
    // is not fanned out to it: every delivery of this tenant is then one of the three test deliveries.
    healthy = await createEndpoint(bearer(admin.accessToken), { events: ["verification.completed"] });
    const goneUrl = receiverUrl("gone");
    gone = await createEndpoint(bearer(admin.accessToken), { url: goneUrl });
    const inbox = goneUrl.slice(goneUrl.lastIndexOf("/") + 1);
    const programmed = await env.RECEIVER.fetch("http://receiver/program", { method: "POST", body: JSON.stringify({ inbox, responses: [{ status: 410 }] }) });
    expect(programmed.status).toBe(204);

    delivered = [await sendTestEvent(bearer(admin.accessToken), healthy.id), await sendTestEvent(bearer(admin.accessToken), healthy.id)];
    failed = await sendTestEvent(bearer(admin.accessToken), gone.id);
    for (const d of [...delivered, failed]) await settled(bearer(admin.accessToken), d.deliveryId);
  });

  const list = (query: string) => listAll(bearer(admin.accessToken), `/v1/webhook-deliveries${query}`);

  it("filters by endpoint_id, event_id and status, alone and together", async () => {
    const healthyIds = delivered.map((d) => d.deliveryId).sort();
    expect(ids(await list(`?endpoint_id=${healthy.id}`)).sort()).toEqual(healthyIds);
    expect(ids(await list(`?endpoint_id=${gone.id}`))).toEqual([failed.deliveryId]);
    expect(ids(await list(`?event_id=${delivered[1].eventId}`))).toEqual([delivered[1].deliveryId]);
    expect(ids(await list("?status=delivered")).sort()).toEqual(healthyIds);
    expect(ids(await list("?status=failed"))).toEqual([failed.deliveryId]);
    expect(await list("?status=pending")).toEqual([]);
    expect(await list(`?endpoint_id=${healthy.id}&status=failed`)).toEqual([]);
    expect(ids(await list(`?endpoint_id=${gone.id}&event_id=${failed.eventId}&status=failed`))).toEqual([failed.deliveryId]);
    expect(await list(`?endpoint_id=${healthy.id}&event_id=${failed.eventId}`)).toEqual([]);
    const rows = await list("");
    expect(rows.every((r) => r.trigger === "test" && r.mode === "live")).toBe(true);
    expectErrorShape(await call("/v1/webhook-deliveries?status=lost", { headers: bearer(admin.accessToken) }), 400, "VALIDATION_ERROR");
    expectErrorShape(await call("/v1/webhook-deliveries?since=last-week", { headers: bearer(admin.accessToken) }), 400, "VALIDATION_ERROR");
  });

  it("GET a delivery shows its attempts; the 410 one disabled its endpoint (reason `gone`)", async () => {
    const ok = (await call(`/v1/webhook-deliveries/${delivered[0].deliveryId}`, { headers: bearer(admin.accessToken) })).data;
    expect(ok).toMatchObject({ status: "delivered", endpoint_id: healthy.id, event_id: delivered[0].eventId, event_type: "webhook_endpoint.test", attempts: 1, next_attempt_at: null });
    expect(ok.attempt_log).toHaveLength(1);
    expect(ok.attempt_log[0]).toMatchObject({ status_code: 200, error_class: null });
    const no = (await call(`/v1/webhook-deliveries/${failed.deliveryId}`, { headers: bearer(admin.accessToken) })).data;
    expect(no).toMatchObject({ status: "failed", last_status_code: 410 });
    expect((await getEndpoint(bearer(admin.accessToken), gone.id)).data).toMatchObject({ enabled: false, disabled_reason: "gone" });
  });

  it("redeliver queues a new delivery of the same event to the same endpoint (202)", async () => {
    const original = delivered[0];
    const res = await call(`/v1/webhook-deliveries/${original.deliveryId}/redeliver`, { method: "POST", headers: bearer(admin.accessToken) });
    expect(res.status).toBe(202);
    expect(res.data).toMatchObject({ endpoint_id: healthy.id, event_id: original.eventId, trigger: "redeliver", status: "pending", attempts: 0 });
    expect(res.data.id).not.toBe(original.deliveryId);
    expect(ids(await list(`?event_id=${original.eventId}`)).sort()).toEqual([original.deliveryId, res.data.id].sort());
    expect((await settled(bearer(admin.accessToken), res.data.id)).status).toBe("delivered");
  });

  it("another tenant's delivery → 404 (to its admin and its webhooks key), and nothing is queued", async () => {
    const before = await list("");
    const otherKey = apiKeyHeader((await createApiKey(other.accessToken, { scopes: ["webhooks"] })).key);
    for (const headers of [bearer(other.accessToken), otherKey]) {
      expectErrorShape(await call(`/v1/webhook-deliveries/${delivered[1].deliveryId}/redeliver`, { method: "POST", headers }), 404, "NOT_FOUND");
      expectErrorShape(await call(`/v1/webhook-deliveries/${delivered[1].deliveryId}`, { headers }), 404, "NOT_FOUND");
      expect(await listAll(headers, "/v1/webhook-deliveries")).toEqual([]);
      expect(await listAll(headers, `/v1/webhook-deliveries?endpoint_id=${healthy.id}`)).toEqual([]);
    }
    expect(ids(await list("")).sort()).toEqual(ids(before).sort());
  });

  it("redeliver to a disabled endpoint → 409", async () => {
    const error = expectErrorShape(await call(`/v1/webhook-deliveries/${failed.deliveryId}/redeliver`, { method: "POST", headers: bearer(admin.accessToken) }), 409, "CONFLICT");
    expect(error.details).toMatchObject({ disabled_reason: "gone" });
    expect(ids(await list(`?endpoint_id=${gone.id}`))).toEqual([failed.deliveryId]);
  });
});

describe("DELETE and the audit log", () => {
  let admin: TenantFixture;
  beforeAll(async () => {
    admin = await registerTenant();
  });

  it("DELETE → 204, then GET → 404, the list no longer has it, and a second DELETE → 404", async () => {
    const keep = await createEndpoint(bearer(admin.accessToken));
    const e = await createEndpoint(bearer(admin.accessToken));
    await sendTestEvent(bearer(admin.accessToken), e.id);
    const res = await call(`/v1/webhook-endpoints/${e.id}`, { method: "DELETE", headers: bearer(admin.accessToken) });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expectErrorShape(await getEndpoint(bearer(admin.accessToken), e.id), 404, "NOT_FOUND");
    expect(ids(await listAll(bearer(admin.accessToken), "/v1/webhook-endpoints"))).toEqual([keep.id]);
    expectErrorShape(await call(`/v1/webhook-endpoints/${e.id}`, { method: "DELETE", headers: bearer(admin.accessToken) }), 404, "NOT_FOUND");
    // Its deliveries went with it.
    expect(await listAll(bearer(admin.accessToken), `/v1/webhook-deliveries?endpoint_id=${e.id}`)).toEqual([]);
  });

  it("created, updated, secret_rotated and deleted are audited with the host, never the secret or the URL's path", async () => {
    const path = `/r/audit-private-path-${crypto.randomUUID()}`;
    const e = await createEndpoint(bearer(admin.accessToken), { url: `${env.RECEIVER_ORIGIN}${path}?token=query-secret` });
    await patchEndpoint(bearer(admin.accessToken), e.id, { description: "audited" });
    const rotated = await call(`/v1/webhook-endpoints/${e.id}/rotate-secret`, { method: "POST", headers: bearer(admin.accessToken), json: { grace_seconds: 60 } });
    expect(rotated.status).toBe(200);
    expect((await call(`/v1/webhook-endpoints/${e.id}`, { method: "DELETE", headers: bearer(admin.accessToken) })).status).toBe(204);

    const audit = await call(`/v1/audit?target_id=${e.id}`, { headers: bearer(admin.accessToken) });
    expect(audit.status).toBe(200);
    const actions = audit.data.data.map((row: { action: string }) => row.action).sort();
    expect(actions).toEqual(["webhook_endpoint.created", "webhook_endpoint.deleted", "webhook_endpoint.secret_rotated", "webhook_endpoint.updated"]);
    for (const row of audit.data.data) expect(row).toMatchObject({ target_type: "webhook_endpoint", actor_id: admin.userId });
    const created = audit.data.data.find((row: { action: string }) => row.action === "webhook_endpoint.created");
    expect(created.metadata.host).toBe(new URL(env.RECEIVER_ORIGIN).host);

    const stored = JSON.stringify((await env.DB.prepare("SELECT * FROM audit_events WHERE target_id = ?").bind(e.id).all()).results);
    for (const text of [audit.text, stored]) {
      for (const secret of [e.secret as string, rotated.data.secret as string]) {
        expect(text).not.toContain(secret.slice("whsec_".length));
      }
      expect(text).not.toContain("audit-private-path");
      expect(text).not.toContain("query-secret");
    }
  });
});
