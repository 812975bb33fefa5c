/**
 * Hostile input for the fuzzing tests (test/fuzz): fast-check arbitraries built from the served OpenAPI document's
 * JSON schemas (valid-ish values, boundary values, wrong types, unicode edge cases, raw non-JSON text), and a
 * snapshot of everything a tenant owns, so a test can prove that a refused request left no row or object behind.
 * The arbitraries follow the schemas loosely on purpose: a fuzzer that only sends what the schema allows finds
 * nothing, one that never does never gets past validation.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import worker from "../../src/index";
import { BASE } from "./http";

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  example?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
  security?: Record<string, string[]>[];
}

/** Follows `$ref`s into `components.schemas` (and merges `allOf`), so callers see plain schemas. */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.split("/").pop() as string;
    current = doc.components?.schemas?.[name] ?? {};
  }
  if (current.allOf?.length) {
    const parts = current.allOf.map((part) => resolveSchema(doc, part));
    return {
      ...current,
      allOf: undefined,
      type: "object",
      properties: Object.assign({}, current.properties, ...parts.map((p) => p.properties ?? {})),
      required: [...(current.required ?? []), ...parts.flatMap((p) => p.required ?? [])],
    };
  }
  return current;
}

/**
 * Where generated URLs point: the tests' own webhook receiver (allowed by the SSRF guard only in test), so nothing
 * a fuzzer creates makes the Worker call a real host.
 */
const LOCAL_ORIGIN = env.RECEIVER_ORIGIN;

/** About 100 KB: bigger than any field allows, smaller than the JSON body limit, so the field check must catch it. */
export const HUGE = 100 * 1024;

/** Strings that break naive code: lone surrogates (sent as raw `\ud800` escapes by JSON.stringify), NUL, RTL marks, emoji, combining marks. */
export const UNICODE_EDGES = [
  "\ud800",
  "\udfff",
  "a\ud800b",
  "\udc00\ud800",
  "\u0000",
  "nul\u0000inside",
  "\u202eevil.exe\u202c",
  "\u200f\u05e9\u05dc\u05d5\u05dd",
  "\u200b",
  "\ufeff",
  "\uffff",
  "\u2028\u2029",
  "👩🏽‍💻👨‍👩‍👧‍👦",
  "e\u0301\u0302\u0303\u0304\u0305\u0306\u0307",
  "Z̷̢̛̯͎̈́a̸̧͓̓l̵̰̈́g̸̱̈́ő̵̬",
  "𝕏𝔸𝕄𝕃",
  "ﷺ",
  "İı",
];

/** Strings that look like something else: numbers, keywords, paths, markup, SQL, prototype keys. */
export const LOOKALIKES = ["NaN", "Infinity", "-Infinity", "-0", "1e999", "0x10", "null", "undefined", "true", "[]", "{}", "__proto__", "constructor", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "%ZZ", "${7*7}", " ", "\t\n"];

const NUMBERS = [0, -0, -1, 1, 0.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 1e21, 123456789.123456789];

/** Any JSON value of the wrong kind for most fields: null, booleans, extreme numbers, empty and nested containers. */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, true, false, "", [], {}, [null], [[[]]], { "": null }, ["a", 1, null, {}]),
    fc.constantFrom(...NUMBERS),
    fc.constantFrom(...UNICODE_EDGES),
    fc.constantFrom(...LOOKALIKES),
    fc.constant("x".repeat(HUGE)),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 50 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** The edges a schema names: lengths, bounds and item counts at and one past each limit. */
export function boundaryValues(schema: JsonSchema): unknown[] {
  const out: unknown[] = [];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("string")) {
    out.push("", " ", "x".repeat(HUGE));
    if (schema.minLength !== undefined) out.push("x".repeat(Math.max(0, schema.minLength - 1)), "x".repeat(schema.minLength));
    if (schema.maxLength !== undefined) out.push("x".repeat(schema.maxLength), "x".repeat(schema.maxLength + 1), "é".repeat(schema.maxLength), "😀".repeat(schema.maxLength));
    if (schema.enum) out.push(...schema.enum.map((v) => (typeof v === "string" ? ` ${v}` : v)), ...schema.enum.map((v) => (typeof v === "string" ? v.toUpperCase() : v)));
  }
  if (types.includes("integer") || types.includes("number")) {
    out.push(0, -1, 2 ** 53, -(2 ** 53), 1.5, 1e308);
    if (typeof schema.minimum === "number") out.push(schema.minimum - 1, schema.minimum, schema.minimum - 0.5);
    if (typeof schema.maximum === "number") out.push(schema.maximum, schema.maximum + 1, schema.maximum + 0.5);
  }
  if (types.includes("array")) {
    out.push([], new Array(1000).fill(null));
    if (schema.minItems !== undefined && schema.minItems > 0) out.push(new Array(schema.minItems - 1).fill("x"));
    if (schema.maxItems !== undefined) out.push(new Array(schema.maxItems + 1).fill("x"));
  }
  if (types.includes("object")) out.push({}, { unknown_field: 1 });
  if (types.includes("boolean")) out.push("true", 1, 0, "false");
  return out;
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
  switch (schema.format) {
    case "email":
      return fc.tuple(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), fc.constantFrom("example.com", "test.edge-kyc.local", "xn--bcher-kva.example")).map(([local, domain]) => `${local}@${domain}`);
    case "date":
      return fc.date({ min: new Date("1900-01-01"), max: new Date("2100-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case "date-time":
      return fc.date({ min: new Date("1970-01-01"), max: new Date("2100-12-31"), noInvalidDate: true }).map((d) => d.toISOString());
    case "uri":
    case "url":
      return fc.stringMatching(/^[a-z0-9/_-]{0,30}$/).map((path) => `${LOCAL_ORIGIN}/r/${path}`);
    case "uuid":
      return fc.uuid();
  }
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // A pattern JavaScript cannot compile: fall through to plain strings.
    }
  }
  return fc.string({ minLength: min, maxLength: max, unit: fc.oneof(fc.constantFrom("a", "Z", "0", " ", "-", "é"), fc.constantFrom(...UNICODE_EDGES)) });
}

/**
 * Values that roughly satisfy `schema`: the right types, enum members, formats and bounds, but no promise of
 * validity (patterns and cross-field rules are followed only loosely). Depth-limited for recursive schemas.
 * `preferExamples`: every field with an example in the document takes it, so the value is most likely valid and
 * a single changed field is what the route sees.
 */
export function validish(doc: OpenApiDocument, raw: JsonSchema | undefined, depth = 0, preferExamples = false): fc.Arbitrary<unknown> {
  const schema = resolveSchema(doc, raw);
  if (depth > 6) return fc.constant(null);
  // The document's own example gets past cross-field rules and patterns the generator only guesses at.
  if (schema.example !== undefined && schema.type !== "object") {
    const { example, ...rest } = schema;
    // An example URL points at a real host; deliveries to it would leave the machine.
    const safe = typeof example === "string" && /^https?:\/\//.test(example) ? `${LOCAL_ORIGIN}/r/fuzz` : example;
    return preferExamples ? fc.constant(safe) : fc.oneof(fc.constant(safe), validish(doc, rest, depth));
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validish(doc, s, depth + 1, preferExamples)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ["object"] : [];
  if (types.length > 1 || schema.nullable) {
    const arbs = types.filter((t) => t !== "null").map((t) => validish(doc, { ...schema, type: t, nullable: false }, depth, preferExamples));
    return fc.oneof(...(arbs.length ? arbs : [fc.constant(null)]), fc.constant(null));
  }
  switch (types[0]) {
    case "string":
      return stringFor(schema);
    case "integer":
      return fc.integer({ min: Math.ceil(schema.minimum ?? -1000), max: Math.floor(schema.maximum ?? 100_000) });
    case "number":
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000, noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = schema.minItems ?? 0;
      return fc.array(validish(doc, schema.items, depth + 1, preferExamples), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, 3)) });
    }
    case "object": {
      const props = schema.properties ?? {};
      const record = Object.fromEntries(Object.entries(props).map(([key, s]) => [key, validish(doc, s, depth + 1, preferExamples)]));
      const requiredKeys = (schema.required ?? []).filter((k) => k in props);
      return fc.record(record, { requiredKeys });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Every path to a value inside `value` (the root is `[]`), for replacing one field at any depth. */
export function pathsIn(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsIn(v, [...prefix, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...pathsIn(v, [...prefix, k]));
  return out;
}

/** A copy of `value` with the value at `path` replaced. */
export function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (!path.length) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaceAt(v, rest, replacement) : v));
  const copy = { ...(value as Record<string, unknown>) };
  Object.defineProperty(copy, head, { value: replaceAt(copy[head], rest, replacement), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** `value` with every leaf replaced by null. */
const allNull = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(allNull) : value && typeof value === "object" ? Object.fromEntries(Object.keys(value).map((k) => [k, allNull((value as Record<string, unknown>)[k])])) : null;

/** Deep nesting as raw JSON text (a recursive parser or validator would overflow its stack on it). */
export const deeplyNested = (levels: number, kind: "array" | "object") =>
  kind === "array" ? `${"[".repeat(levels)}${"]".repeat(levels)}` : `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

/** Text that is not JSON (or is JSON of a kind no route wants), sent with `Content-Type: application/json`. */
export function rawJsonText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      "",
      " ",
      "{",
      "}",
      '{"a":',
      "[1,2",
      "nul",
      "tru",
      "{'a':1}",
      "{a:1}",
      "[1,]",
      '{"a":1,}',
      "01",
      "1e99999",
      "-",
      '"\\ud800"',
      '"\\uZZZZ"',
      '"\\x00"',
      "\u0000",
      "\ufeff{}",
      "{} {}",
      "{}garbage",
      "NaN",
      "Infinity",
      "undefined",
      "<?xml version=\"1.0\"?><a/>",
      '{"a":1,"a":2,"a":{"a":3}}',
      '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}',
      `"${"x".repeat(HUGE)}"`,
      `[${"1,".repeat(HUGE / 2)}1]`,
      `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(",")}}`,
    ),
    fc.constantFrom(deeplyNested(1000, "array"), deeplyNested(1000, "object"), deeplyNested(100_000, "array")),
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.string({ unit: "grapheme", maxLength: 60 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => `${JSON.stringify(v) ?? ""}`),
  );
}

/** A JSON text to send as the body. `describe` says in a line what was changed, for the failure report. */
export interface BodyCase {
  text: string;
  describe: string;
}

/**
 * Bodies for a JSON schema: valid-ish objects, then the same with one field (at any depth) given a hostile or
 * boundary value, every field null, unknown extra fields, a whole other JSON value, deep nesting inside a real
 * field, and raw text that is not JSON.
 */
export function bodyCases(doc: OpenApiDocument, raw: JsonSchema | undefined): fc.Arbitrary<BodyCase> {
  const schema = resolveSchema(doc, raw);
  const base = fc.oneof(validish(doc, schema), validish(doc, schema, 0, true));
  const json = (value: unknown, describe: string): BodyCase => ({ text: JSON.stringify(value) ?? "null", describe });
  const fieldSchemas = Object.values(schema.properties ?? {}).map((s) => resolveSchema(doc, s));
  const boundaries = fieldSchemas.flatMap(boundaryValues);
  const replacement = boundaries.length ? fc.oneof(hostileValue(), fc.constantFrom(...boundaries)) : hostileValue();
  return fc.oneof(
    { weight: 3, arbitrary: base.map((v) => json(v, "valid-ish")) },
    {
      weight: 5,
      arbitrary: fc.tuple(base, fc.nat(), replacement).map(([value, n, other]) => {
        const paths = pathsIn(value).filter((p) => p.length > 0);
        const path = paths.length ? paths[n % paths.length] : [];
        return json(replaceAt(value, path, other), `field ${path.join(".") || "(root)"} replaced`);
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.constantFrom(...Object.keys(schema.properties ?? { a: 1 })), replacement).map(([value, key, other]) =>
        json(value && typeof value === "object" && !Array.isArray(value) ? { ...value, [key]: other } : { [key]: other }, `field ${key} set`),
      ),
    },
    { weight: 1, arbitrary: base.map((v) => json(allNull(v), "every field null")) },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...UNICODE_EDGES, "__proto__", "constructor", "tenant_id", "id", "role", "status")), hostileValue(), { minKeys: 1, maxKeys: 3 })).map(
        ([value, extra]) => {
          const merged = value && typeof value === "object" && !Array.isArray(value) ? { ...value } : {};
          for (const [k, v] of Object.entries(extra)) Object.defineProperty(merged, k, { value: v, enumerable: true, writable: true, configurable: true });
          return json(merged, `unknown fields ${Object.keys(extra).map((k) => JSON.stringify(k)).join(", ")}`);
        },
      ),
    },
    { weight: 2, arbitrary: hostileValue().map((v) => json(v, "another JSON value as the body")) },
    {
      weight: 1,
      arbitrary: fc.tuple(base, fc.constantFrom(...Object.keys(schema.properties ?? { a: 1 })), fc.constantFrom<"array" | "object">("array", "object")).map(([value, key, kind]) => {
        const text = JSON.stringify({ ...(value && typeof value === "object" ? value : {}), [key]: "__DEEP__" }).replace('"__DEEP__"', deeplyNested(1000, kind));
        return { text, describe: `field ${key} nested 1000 levels deep (${kind}s)` };
      }),
    },
    { weight: 3, arbitrary: rawJsonText().map((text) => ({ text, describe: "raw text" })) },
  );
}

/** Path-segment garbage, already percent-encoded as it goes on the wire (some deliberately malformed). */
export function garbageSegment(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("0", "-1", "null", "undefined", "ver_00000000000000000000000000", "%00", "%ZZ", "%", "%E0%A4%A", "%2e%2e", "%2F", "..%2F..%2Fetc", "x".repeat(5000), "%F0%9F%98%80", "%ED%A0%80"),
    fc.string({ minLength: 1, maxLength: 40 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "?"))),
    fc.constantFrom(...UNICODE_EDGES, ...LOOKALIKES).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "?")) || "x"),
  );
}

/** Query values: schema-ish, boundary and garbage, as strings; `null` leaves the parameter out. */
export function queryValue(doc: OpenApiDocument, raw: JsonSchema | undefined): fc.Arbitrary<string | string[] | null> {
  const schema = resolveSchema(doc, raw);
  const asText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v) ?? "");
  const boundaries = boundaryValues(schema).map(asText);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 4, arbitrary: validish(doc, schema).map(asText) },
    { weight: 2, arbitrary: boundaries.length ? fc.constantFrom(...boundaries) : fc.constant("") },
    { weight: 2, arbitrary: hostileValue().map(asText) },
    { weight: 1, arbitrary: fc.array(validish(doc, schema).map(asText), { minLength: 2, maxLength: 3 }) },
  );
}

/** Header values a client can send (fetch refuses non-Latin-1): printable ASCII, long ones included. */
export function headerValue(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 300 }),
    fc.constantFrom("x".repeat(5000), "null", "-1", "\u00e9t\u00e9", "a\tb"),
  );
}

export interface Sent {
  status: number;
  headers: Headers;
  data: any;
  text: string;
}

/**
 * Calls the Worker's fetch handler (src/index.ts's default export) directly, as `call` does through SELF, and
 * waits for the work it left in `waitUntil`, so a snapshot taken afterwards sees everything the request wrote.
 * Not SELF: under @cloudflare/vitest-pool-workers 0.15 each SELF.fetch gets slower with every one before it in
 * the file (5 ms → 40 ms by the 300th request, measured), and a fuzzer sends a thousand. An event stream is
 * cancelled at once (it stays open by design).
 *
 * @example
 * const res = await send("/v1/verifications", { method: "POST", headers: { ...key, "Content-Type": "application/json" }, body: "{" });
 */
export async function send(path: string, init: RequestInit = {}): Promise<Sent> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init) as never, env as never, ctx);
  let text = "(event stream)";
  if (res.headers.get("Content-Type")?.startsWith("text/event-stream")) await res.body?.cancel();
  else text = await res.text();
  await waitOnExecutionContext(ctx);
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  return { status: res.status, headers: res.headers, data, text };
}

/** Row counts of everything a tenant owns that a request writes synchronously, and its R2 objects. */
export type TenantSnapshot = Record<string, number>;

/**
 * Tables a request writes in its own transaction. Left out on purpose: audit_events (a refusal may be audited),
 * webhook_deliveries and webhook_attempts (written later by the queue consumers, not by the request).
 */
export const TENANT_TABLES = [
  "users",
  "refresh_tokens",
  "api_keys",
  "verifications",
  "verification_transitions",
  "media",
  "layer_results",
  "reviews",
  "review_notes",
  "artifacts",
  "outbox",
  "face_embeddings",
  "document_images",
  "webhook_endpoints",
  "registry_documents",
  "idempotency_keys",
  "verification_sessions",
  "tenant_settings_versions",
] as const;

export async function tenantSnapshot(tenantId: string): Promise<TenantSnapshot> {
  const select = TENANT_TABLES.map((t) => `(SELECT count(*) FROM ${t} WHERE tenant_id = ?1) AS ${t}`).join(", ");
  const rows = (await env.DB.prepare(`SELECT ${select}`).bind(tenantId).first<Record<string, number>>()) ?? {};
  let objects = 0;
  let cursor: string | undefined;
  do {
    const listed = await env.MEDIA.list({ prefix: `tenants/${tenantId}/`, cursor });
    objects += listed.objects.length;
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  return { ...rows, r2_objects: objects };
}

/** What changed between two snapshots, e.g. `{ media: "0 → 1" }`; empty when nothing did. */
export function snapshotChanges(before: TenantSnapshot, after: TenantSnapshot): Record<string, string> {
  return Object.fromEntries(Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]).map((k) => [k, `${before[k]} → ${after[k]}`]));
}

/**
 * A fixed seed per name (FNV-1a of the name), so CI runs the same cases every time and adding a route does not
 * reshuffle the others'. Change `FUZZ_SEED` to explore new cases locally.
 */
export const FUZZ_SEED = 15;

export function seedFor(name: string): number {
  let hash = 0x811c9dc5 ^ FUZZ_SEED;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash | 0;
}

/** Cuts long text for a failure message. */
export const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);
