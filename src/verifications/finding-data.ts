/**
 * Findings of the document-reading layers quote the document (MRZ lines, names, numbers, dates read by OCR or a
 * vision model), so their `data` is stored encrypted with the tenant's key: `{ sealed: "<ciphertext>" }` in the
 * layer_results row. The API's view and the export open it for callers allowed to read the verification; erasure and
 * retention drop `data` altogether (src/verifications/erasure.ts, retention.ts), sealed or not.
 */
import type { Services } from "../app/services";
import type { Finding, LayerResult } from "../pipeline/types";
import { READING_LAYERS } from "./retention";

type Crypto = Pick<Services["crypto"], "encryptJson" | "decryptJson">;

const isSealed = (data: unknown): data is { sealed: string } =>
  typeof data === "object" && data !== null && typeof (data as { sealed?: unknown }).sealed === "string" && Object.keys(data).length === 1;

/** The findings as they are stored: data of reading layers encrypted, others unchanged. */
export async function sealFindings(crypto: Crypto, tenantId: string, result: Pick<LayerResult, "layer" | "findings">): Promise<Finding[]> {
  if (!READING_LAYERS.includes(result.layer)) return result.findings;
  return Promise.all(result.findings.map(async (f) => (f.data ? { ...f, data: { sealed: await crypto.encryptJson(tenantId, f.data) } } : f)));
}

/** The stored findings with sealed data decrypted (for the view and the export). */
export async function openFindings(crypto: Crypto, tenantId: string, findings: Finding[]): Promise<Finding[]> {
  return Promise.all(findings.map(async (f) => (isSealed(f.data) ? { ...f, data: await crypto.decryptJson<Record<string, unknown>>(tenantId, f.data.sealed) } : f)));
}
