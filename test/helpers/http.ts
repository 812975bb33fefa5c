/** Calling the Worker in tests: through its real fetch handler (exports.default), as a client would. */
import { SELF } from "cloudflare:test";

export const BASE = "https://api.test";

export async function call(path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await SELF.fetch(`${BASE}${path}`, { ...init, headers, body });
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  return { status: res.status, headers: res.headers, data, text };
}

/** Asserts the one error shape and returns the error object. */
export function expectErrorShape(res: { status: number; headers: Headers; data: any }, status: number, code?: string) {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.data)}`);
  const error = res.data?.error;
  if (!error || typeof error.code !== "string" || typeof error.message !== "string" || typeof error.request_id !== "string") {
    throw new Error(`not the error shape: ${JSON.stringify(res.data)}`);
  }
  if (error.request_id !== res.headers.get("X-Request-Id")) throw new Error("request_id differs from X-Request-Id");
  if (code && error.code !== code) throw new Error(`expected code ${code}, got ${error.code}`);
  return error as { code: string; message: string; details?: any; request_id: string };
}
