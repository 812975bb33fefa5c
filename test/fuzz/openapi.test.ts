/**
 * Property-based fuzzing of every JSON route, driven by the served OpenAPI document: for each operation with a
 * JSON body, path, query or header parameters, fast-check builds requests from its schemas (valid-ish values,
 * boundaries, wrong types, huge strings, deep nesting, unknown fields, unicode edge cases, raw non-JSON text)
 * and sends them with a credential the route accepts, with real ids of the tenant's objects in the path some of
 * the time. Whatever the input: never a 5xx, every 4xx in the one error shape, and a refused request leaves the
 * tenant's rows and R2 objects exactly as they were.
 *
 * Operations without any input (GET /health, /health/ready, /.well-known/jwks.json, GET and DELETE /v1/me, GET
 * /v1/settings) and the multipart-only POST /v1/faces/compare are not here: there is nothing JSON to vary (the
 * image routes' bytes are test/fuzz/uploads.test.ts's). Destructive routes get garbage ids only (`DESTRUCTIVE`).
 * Requests go to the Worker's fetch handler directly (`send`, test/helpers/fuzz.ts), not through SELF.
 *
 * Seeds and run counts are fixed (`seedFor`, `RUNS`), so CI sends the same requests every time; a failure prints
 * the seed, the request and the response. Shrinking is off (`endOnFailure`): one request costs milliseconds, a
 * shrink of a 100 KB body minutes.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { SCOPES } from "../../src/types";
import type { BodyCase, OpenApiDocument, Operation, Parameter } from "../helpers/fuzz";
import { bodyCases, clip, garbageSegment, headerValue, queryValue, seedFor, send, snapshotChanges, tenantSnapshot, validish } from "../helpers/fuzz";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant } from "../helpers/identity";
import { createBody, createVerification } from "../helpers/verifications";
import { inboxUrl, newInbox } from "../helpers/webhooks";

/** Runs per operation: enough to reach every kind of case (bodyCases has eight) on a 90-second budget. */
const RUNS = 20;
/** Routes that hash a password on most requests (PBKDF2, deliberately slow) get fewer runs. */
const SLOW_RUNS = 8;
const SLOW = new Set(["POST /v1/auth/register", "POST /v1/auth/login", "PATCH /v1/me", "POST /v1/users"]);

/**
 * Routes that only get garbage ids: they destroy or end what the id names (erasure, revocation, deletion,
 * cancellation), and the other routes need those objects alive.
 */
const DESTRUCTIVE = /^(DELETE |POST \/v1\/verification-sessions\/\{id\}\/cancel$|POST \/v1\/registry\/documents\/\{id\}\/revoke$)/;

const served = await call("/openapi.json");
const doc = served.data as OpenApiDocument;

interface Target {
  name: string;
  method: string;
  path: string;
  op: Operation;
}

const METHODS = ["get", "post", "put", "patch", "delete"];
/** Every operation with a JSON body or parameters, as the served document lists them. */
const targets: Target[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op }))
    .filter(({ op }) => op.requestBody?.content["application/json"] || (op.parameters ?? []).some((p) => p.in !== "cookie")),
);

interface Fixtures {
  tenant: TenantFixture;
  key: Record<string, string>;
  admin: Record<string, string>;
  /** Real ids of the tenant's objects, by the collection their path names. */
  ids: Record<string, string | undefined>;
  sessionSecret: string;
}

let fx: Fixtures;

beforeAll(async () => {
  const tenant = await registerTenant({ tenantName: "Fuzz" });
  const admin = bearer(tenant.accessToken);
  const key = apiKeyHeader((await createApiKey(tenant.accessToken, { scopes: [...SCOPES], rate_limit_per_minute: 100_000 })).key);
  const verification = await createVerification(key);
  const session = await call("/v1/verification-sessions", { method: "POST", headers: key, json: createBody() });
  if (session.status !== 201) throw new Error(`session: ${session.status} ${session.text}`);
  const reviewer = await createUserWithRole(tenant.accessToken, "reviewer");
  const endpoint = await call("/v1/webhook-endpoints", { method: "POST", headers: key, json: { url: inboxUrl(newInbox("fuzz")), events: ["webhook_endpoint.test"] } });
  if (endpoint.status !== 201) throw new Error(`endpoint: ${endpoint.status} ${endpoint.text}`);
  const registry = await call("/v1/registry/documents", {
    method: "POST",
    headers: admin,
    json: { records: [{ document_number: "FZ1234567", document_type: "id_card", issuing_country: "DE", first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12" }] },
  });
  if (registry.status >= 300) throw new Error(`registry: ${registry.status} ${registry.text}`);
  const registryList = await call("/v1/registry/documents", { headers: admin });
  const events = await call("/v1/events?limit=1", { headers: key });
  await call(`/v1/webhook-endpoints/${endpoint.data.id}/test`, { method: "POST", headers: key });
  const deliveries = await call("/v1/webhook-deliveries?limit=1", { headers: key });
  fx = {
    tenant,
    key,
    admin,
    sessionSecret: session.data.client_secret,
    ids: {
      "verifications": verification.id,
      "verification-sessions": session.data.id,
      "users": reviewer.userId,
      "webhook-endpoints": endpoint.data.id,
      "registry": registryList.data?.data?.[0]?.id,
      "events": events.data?.data?.[0]?.id,
      "webhook-deliveries": deliveries.data?.data?.[0]?.id,
    },
  };
});

/** The credential the route takes: none for public routes, the session's secret for the exchange, else the all-scopes key or the admin. */
function credentialFor(target: Target): Record<string, string> {
  const security = target.op.security ?? doc.security ?? [];
  if (!security.length) return {};
  if (target.path.endsWith("/exchange")) return bearer(fx.sessionSecret);
  return security.some((s) => "apiKey" in s) ? fx.key : fx.admin;
}

/** A real id of the tenant's object that `path` names (by its collection), when there is one. */
function realIdFor(path: string): string | undefined {
  const collection = path.split("/")[2];
  return fx.ids[collection];
}

function pathArbitrary(target: Target, param: Parameter): fc.Arbitrary<string> {
  const garbage = garbageSegment();
  if (param.name === "id") {
    const real = realIdFor(target.path);
    return real && !DESTRUCTIVE.test(target.name) ? fc.oneof({ weight: 2, arbitrary: fc.constant(real) }, { weight: 1, arbitrary: garbage }) : garbage;
  }
  const schemaish = validish(doc, param.schema).map((v) => encodeURIComponent(String(v)) || "x");
  return fc.oneof({ weight: 2, arbitrary: schemaish }, { weight: 1, arbitrary: garbage });
}

interface FuzzRequest {
  url: string;
  headers: Record<string, string>;
  body?: BodyCase;
}

/** Malformed query text appended as is (URLSearchParams would have encoded it). */
const RAW_QUERY_TAILS = ["", "", "", "&%ZZ=1", "&limit=%E0%A4%A", "&=", "&&&", "&cursor=%00", "&limit=1&limit=2", "&unknown[]=1&__proto__[x]=1"];

function requestArbitrary(target: Target): fc.Arbitrary<FuzzRequest> {
  const params = target.op.parameters ?? [];
  const pathParams = Object.fromEntries(params.filter((p) => p.in === "path").map((p) => [p.name, pathArbitrary(target, p)]));
  const queryParams = Object.fromEntries(params.filter((p) => p.in === "query").map((p) => [p.name, queryValue(doc, p.schema)]));
  const headerParams = Object.fromEntries(params.filter((p) => p.in === "header").map((p) => [p.name, fc.option(headerValue())]));
  const jsonSchema = target.op.requestBody?.content["application/json"]?.schema;
  const body = jsonSchema ? bodyCases(doc, jsonSchema) : fc.constant(undefined);
  const unknownQuery = fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 12 })), { freq: 4 });
  return fc
    .record({ pathValues: fc.record(pathParams), queryValues: fc.record(queryParams), headerValues: fc.record(headerParams), body, unknownQuery, tail: fc.constantFrom(...RAW_QUERY_TAILS) })
    .map(({ pathValues, queryValues, headerValues, body, unknownQuery, tail }) => {
      const path = target.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name]);
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(queryValues)) {
        if (value === null) continue;
        for (const v of Array.isArray(value) ? value : [value]) query.append(name, v);
      }
      if (unknownQuery) query.append(...unknownQuery);
      const search = `${query}${tail}`;
      const headers: Record<string, string> = { ...credentialFor(target) };
      for (const [name, value] of Object.entries(headerValues)) if (value !== null) headers[name] = value;
      if (body) headers["Content-Type"] = "application/json";
      const request: FuzzRequest = { url: search ? `${path}?${search.replace(/^&/, "")}` : path, headers, ...(body ? { body } : {}) };
      // fast-check prints counterexamples with this: the request in a line, not a 100 KB string.
      Object.defineProperty(request, fc.toStringMethod, { value: () => `${target.method} ${clip(request.url, 200)} ${body ? `[${body.describe}] ${clip(body.text, 200)}` : ""}` });
      return request;
    });
}

/** The normalised email a register body asked for, if any (to prove a refused registration created no user). */
function registeredEmail(body: BodyCase | undefined): string | undefined {
  try {
    const email = JSON.parse(body?.text ?? "null")?.email;
    return typeof email === "string" ? email.trim().toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

async function usersWithEmail(email: string | undefined) {
  if (!email) return 0;
  return (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>())?.n ?? 0;
}

/** Statuses seen per operation, to show the fuzzer got past validation where it should. */
const seen = new Map<string, number[]>();

async function sendAndCheck(target: Target, request: FuzzRequest) {
  const email = target.name === "POST /v1/auth/register" ? registeredEmail(request.body) : undefined;
  const before = await tenantSnapshot(fx.tenant.tenantId);
  const usersBefore = await usersWithEmail(email);
  const res = await send(request.url, { method: target.method, headers: request.headers, ...(request.body ? { body: request.body.text } : {}) });
  seen.set(target.name, [...(seen.get(target.name) ?? []), res.status]);
  const what = `${target.method} ${clip(request.url, 200)} ${request.body ? `[${request.body.describe}] ${clip(request.body.text)}` : ""} → ${res.status} ${clip(res.text)}`;
  if (res.status >= 500) throw new Error(`5xx: ${what}`);
  if (res.status < 400) return;
  try {
    expectErrorShape(res, res.status);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${what}`);
  }
  const changes = snapshotChanges(before, await tenantSnapshot(fx.tenant.tenantId));
  if (Object.keys(changes).length) throw new Error(`a refused request left something behind ${JSON.stringify(changes)}: ${what}`);
  if ((await usersWithEmail(email)) !== usersBefore) throw new Error(`a refused registration created a user ${email}: ${what}`);
}

describe("fuzzing every JSON route from the OpenAPI document", () => {
  it("the served document lists the routes this file fuzzes", () => {
    expect(served.status).toBe(200);
    const names = targets.map((t) => t.name);
    for (const name of ["POST /v1/verifications", "PATCH /v1/settings", "POST /v1/webhook-endpoints", "GET /v1/audit", "POST /v1/auth/register", "PUT /v1/verifications/{id}/media/{kind}"]) {
      expect(names).toContain(name);
    }
  });

  it("the snapshot sees what an accepted request leaves (so the refusals' unchanged snapshots mean something)", async () => {
    const before = await tenantSnapshot(fx.tenant.tenantId);
    const res = await send("/v1/verifications", { method: "POST", headers: { ...fx.key, "Content-Type": "application/json" }, body: JSON.stringify(createBody()) });
    expect(res.status).toBe(201);
    const changes = snapshotChanges(before, await tenantSnapshot(fx.tenant.tenantId));
    expect(Object.keys(changes)).toEqual(expect.arrayContaining(["verifications", "outbox"]));
  });

  for (const target of targets) {
    it(`${target.name}: no 5xx, the error shape, nothing left behind`, async () => {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(target), (request) => sendAndCheck(target, request)),
        { seed: seedFor(target.name), numRuns: SLOW.has(target.name) ? SLOW_RUNS : RUNS, endOnFailure: true },
      );
    });
  }

  // With fixed seeds this is deterministic; if a schema change makes it fail, the generator no longer reaches the
  // handler on that route (raise RUNS for it, or give its fields examples in the OpenAPI document).
  it("valid-ish input got past validation on the routes that create things (the fuzzer is not all noise)", () => {
    for (const name of ["POST /v1/verifications", "POST /v1/api-keys", "POST /v1/webhook-endpoints", "POST /v1/auth/register", "PATCH /v1/users/{id}", "POST /v1/registry/documents"]) {
      expect(seen.get(name)?.some((status) => status < 300), `${name}: ${seen.get(name)?.join(" ")}`).toBe(true);
    }
  });
});
