/** Driving verifications through the public API in tests, as a tenant's back end would. */
import { env } from "cloudflare:test";
import { call } from "./http";

export const APPLICANT = { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE" };
export const DOCUMENT = { type: "id_card", number: "T22000129", issuing_country: "DE", expiry_date: "2031-01-01" };
export const CONSENT = { granted: true, text_version: "2026-01" };

export const createBody = (overrides: Record<string, unknown> = {}) => ({ applicant: APPLICANT, document: DOCUMENT, consent: CONSENT, ...overrides });

export async function createVerification(headers: Record<string, string>, body: unknown = createBody()) {
  const res = await call("/v1/verifications", { method: "POST", headers, json: body });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.data)}`);
  return res.data as { id: string; status: string; mode: string };
}

export async function upload(headers: Record<string, string>, id: string, kind: string, bytes: Uint8Array, contentType = "image/jpeg") {
  return call(`/v1/verifications/${id}/media/${kind}`, { method: "PUT", headers: { ...headers, "Content-Type": contentType }, body: bytes });
}

export const FINAL = ["verified", "not_verified", "manual_review", "error"];

/** Polls GET until the verification reaches a final status (the real queue consumer runs in the background). */
export async function waitForFinal(headers: Record<string, string>, id: string, timeoutMs = 45_000) {
  const start = Date.now();
  for (;;) {
    const res = await call(`/v1/verifications/${id}`, { headers });
    if (res.status !== 200) throw new Error(`GET failed: ${res.status} ${JSON.stringify(res.data)}`);
    if (FINAL.includes(res.data.status)) return res.data;
    if (Date.now() - start > timeoutMs) throw new Error(`verification ${id} still ${res.data.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Every R2 object of a verification and every D1 media row, to prove refused input stored nothing. */
export async function storedFor(tenantId: string, verificationId: string) {
  const objects = await env.MEDIA.list({ prefix: `tenants/${tenantId}/verifications/${verificationId}/` });
  const rows = await env.DB.prepare("SELECT count(*) AS n FROM media WHERE verification_id = ?").bind(verificationId).first<{ n: number }>();
  return { objects: objects.objects.length, mediaRows: rows?.n ?? 0 };
}
