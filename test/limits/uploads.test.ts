/**
 * Uploads accept what standard decoders read and what curl sends: a JPEG with padding after its end-of-image
 * marker is stored, one cut before the marker is 422; a raw body is the image whatever its Content-Type
 * (`curl --data-binary` sends application/x-www-form-urlencoded), and a 415 says which types are accepted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { createVerification } from "../helpers/verifications";
import { sample1 } from "../face/fixtures";

let key: Record<string, string>;

beforeAll(async () => {
  const tenant = await registerTenant({ tenantName: "Uploads" });
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

const put = async (bytes: Uint8Array, contentType?: string, kind = "document_front") => {
  const { id } = await createVerification(key);
  return call(`/v1/verifications/${id}/media/${kind}`, { method: "PUT", headers: { ...key, ...(contentType ? { "Content-Type": contentType } : {}) }, body: bytes });
};

function padded(bytes: Uint8Array, padding: Uint8Array) {
  const out = new Uint8Array(bytes.length + padding.length);
  out.set(bytes);
  out.set(padding, bytes.length);
  return out;
}

describe("JPEG end-of-image", () => {
  it("a real photo with 26 KB of spaces after its end-of-image marker is stored (201), with the bytes as sent", async () => {
    const photo = padded(sample1(), new Uint8Array(26 * 1024).fill(0x20));
    const res = await put(photo, "image/jpeg");
    expect(res.status, JSON.stringify(res.data)).toBe(201);
    expect(res.data).toMatchObject({ content_type: "image/jpeg", bytes: photo.length });
  });

  it("the same photo cut before its end-of-image marker is 422 IMAGE_INVALID TRUNCATED, even with padding after the cut", async () => {
    const photo = sample1();
    const cut = photo.subarray(0, photo.length - 5000);
    for (const bytes of [cut, padded(cut, new Uint8Array(26 * 1024).fill(0x20))]) {
      const error = expectErrorShape(await put(bytes, "image/jpeg"), 422, "IMAGE_INVALID");
      expect(error.details.reason).toBe("TRUNCATED");
    }
  });
});

describe("raw bodies whatever the Content-Type", () => {
  for (const contentType of ["application/x-www-form-urlencoded", "text/plain", "application/octet-stream", "image/png", undefined]) {
    it(`a JPEG sent as ${contentType ?? "no Content-Type"} is stored as image/jpeg`, async () => {
      const res = await put(sample1(), contentType);
      expect(res.status, JSON.stringify(res.data)).toBe(201);
      expect(res.data.content_type).toBe("image/jpeg");
    });
  }

  it("POST /v1/faces/detect takes a form-encoded raw body as the image too (no form parsing, no 400 about a part)", async () => {
    const res = await call("/v1/faces/detect?liveness=false", { method: "POST", headers: { ...key, "Content-Type": "application/x-www-form-urlencoded" }, body: sample1() });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data.faces.length).toBeGreaterThanOrEqual(1);
  });

  it("a body that is no image is 415 naming the accepted types, in the message and in details", async () => {
    for (const contentType of ["text/plain", undefined]) {
      const error = expectErrorShape(await put(new TextEncoder().encode("%PDF-1.7 not an image"), contentType), 415, "UNSUPPORTED_MEDIA_TYPE");
      expect(error.message).toMatch(/JPEG.*PNG.*WebP/);
      expect(error.details.accepted).toEqual(["image/jpeg", "image/png", "image/webp"]);
    }
  });

  it("POST /v1/faces/compare without multipart is 415 naming multipart/form-data", async () => {
    const error = expectErrorShape(await call("/v1/faces/compare", { method: "POST", headers: { ...key, "Content-Type": "text/plain" }, body: "a" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(error.details.accepted).toEqual(["multipart/form-data"]);
  });

  it("a JSON route sent text/plain is 415 naming application/json", async () => {
    const error = expectErrorShape(await call("/v1/auth/login", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(error.message).toBe("This route does not accept text/plain; send one of: application/json");
    expect(error.details).toEqual({ content_type: "text/plain", accepted: ["application/json"] });
  });
});
