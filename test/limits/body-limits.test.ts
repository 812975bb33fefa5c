/**
 * Request bodies are bounded per route before anything parses them: every JSON route of /openapi.json refuses a
 * 2 MB body with 413 (64 KB, or 1 MB for a registry import) (declared or streamed), a multipart body with more than 16 parts is 413, and a full one-call
 * create (data, submit, three images, eight selfie frames) still fits. Refused requests create nothing.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import type { TenantFixture } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { createBody } from "../helpers/verifications";
import { IMPORT_BODY_MAX_BYTES } from "../../src/registry/registry";

let admin: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  admin = await registerTenant({ tenantName: "Limits" });
  key = apiKeyHeader((await createApiKey(admin.accessToken)).key);
});

/** 2 MB of `{},` inside an array: valid JSON that would parse to tens of MB of heap. */
const twoMbJson = () => `[${"{},".repeat((2 * 1024 * 1024) / 3)}{}]`;

const verificationCount = async () =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM verifications WHERE tenant_id = ?").bind(admin.tenantId).first<{ n: number }>())?.n ?? 0;

describe("JSON bodies", () => {
  it("a 2 MB JSON body to every JSON route in /openapi.json is 413 PAYLOAD_TOO_LARGE", async () => {
    const spec = (await call("/openapi.json")).data;
    const body = twoMbJson();
    const tried: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!op.requestBody?.content?.["application/json"]) continue;
        const url = path.replace(/\{[^}]+\}/g, "ver_000000000000000000000000");
        const res = await call(url, { method: method.toUpperCase(), headers: { ...bearer(admin.accessToken), "Content-Type": "application/json" }, body });
        expect(res.status, `${method.toUpperCase()} ${path}: ${JSON.stringify(res.data)}`).toBe(413);
        const error = expectErrorShape(res, 413, "PAYLOAD_TOO_LARGE");
        // A registry import carries up to 1,000 records, so its limit is 1 MB; every other JSON route has 64 KB.
        expect(error.details.max_bytes).toBe(path === "/v1/registry/documents" ? IMPORT_BODY_MAX_BYTES : 64 * 1024);
        tried.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(tried).toEqual(expect.arrayContaining(["POST /v1/auth/login", "POST /v1/auth/refresh", "POST /v1/verifications", "PATCH /v1/settings"]));
    expect(tried.length).toBeGreaterThanOrEqual(10);
    expect(await verificationCount()).toBe(0);
  });

  it("a streamed body without Content-Length is cut off at the limit too", async () => {
    const chunk = new TextEncoder().encode("{},".repeat(10_000));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await call("/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: stream });
    expectErrorShape(res, 413, "PAYLOAD_TOO_LARGE");
  });

  it("a JSON body just under 64 KB reaches validation (400, not 413)", async () => {
    const padded = { ...createBody(), external_ref: "x".repeat(60 * 1024) };
    const res = await call("/v1/verifications", { method: "POST", headers: key, json: padded });
    expectErrorShape(res, 400, "VALIDATION_ERROR");
  });
});

describe("multipart bodies", () => {
  const jpeg = () => texturedJpeg(96, 96);

  function createForm(frames: number, extraText = 0) {
    const f = new FormData();
    f.set("data", JSON.stringify(createBody()));
    f.set("submit", "false");
    f.set("document_front", new File([jpeg()], "front.jpg", { type: "image/jpeg" }));
    f.set("document_back", new File([jpeg()], "back.jpg", { type: "image/jpeg" }));
    f.set("selfie", new File([jpeg()], "selfie.jpg", { type: "image/jpeg" }));
    for (let i = 0; i < frames; i++) f.append("selfie_frame", new File([texturedJpeg(96, 96, i + 2)], `frame${i}.jpg`, { type: "image/jpeg" }));
    for (let i = 0; i < extraText; i++) f.append(`note${i}`, "x");
    return f;
  }

  it("a full one-call create (data, submit, three images, eight selfie frames: 13 parts) is accepted", async () => {
    const res = await call("/v1/verifications", { method: "POST", headers: key, body: createForm(8) });
    expect(res.status, JSON.stringify(res.data)).toBe(201);
    expect(res.data.media).toHaveLength(11);
  });

  it("more than 16 parts is 413 before any part is parsed, and nothing is created", async () => {
    const before = await verificationCount();
    const res = await call("/v1/verifications", { method: "POST", headers: key, body: createForm(8, 4) });
    const error = expectErrorShape(res, 413, "PAYLOAD_TOO_LARGE");
    expect(error.details).toEqual({ max_parts: 16, parts: 17 });
    expect(await verificationCount()).toBe(before);
  });

  it("a thousand tiny parts to an upload route are refused the same way", async () => {
    const f = new FormData();
    for (let i = 0; i < 1000; i++) f.append("file", "x");
    const created = await call("/v1/verifications", { method: "POST", headers: key, json: createBody() });
    const res = await call(`/v1/verifications/${created.data.id}/media/selfie`, { method: "PUT", headers: key, body: f });
    expectErrorShape(res, 413, "PAYLOAD_TOO_LARGE");
  });
});
