/**
 * Missing face models are our failure, not the client's: 503 SERVICE_UNAVAILABLE with Retry-After, and the
 * failed load is not cached, so the next request after the model is back succeeds. Its own file, so this
 * isolate's engine has loaded no session yet, and its R2 changes stay in this file's storage.
 */
import { env } from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { sample5 } from "../face/fixtures";

let key: Record<string, string>;
beforeAll(async () => {
  key = apiKeyHeader((await createApiKey((await registerTenant()).accessToken, { scopes: ["faces"] })).key);
});

const detect = () => {
  const form = new FormData();
  form.set("image", new File([sample5()], "a.jpg", { type: "image/jpeg" }));
  return call("/v1/faces/detect?liveness=false", { method: "POST", headers: key, body: form });
};

it("a model missing from R2 → 503 SERVICE_UNAVAILABLE with Retry-After; back in R2 → 200", async () => {
  const model = await env.MODELS.get("fr_detect.onnx");
  expect(model).not.toBeNull();
  const bytes = await model!.arrayBuffer();
  await env.MODELS.delete("fr_detect.onnx");
  try {
    const res = await detect();
    expectErrorShape(res, 503, "SERVICE_UNAVAILABLE");
    expect(res.headers.get("Retry-After")).toBe("30");
  } finally {
    await env.MODELS.put("fr_detect.onnx", bytes);
  }
  const again = await detect();
  expect(again.status, JSON.stringify(again.data)).toBe(200);
  expect(again.data.faces.length).toBeGreaterThan(0);
});
