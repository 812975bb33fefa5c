/** Generated identity documents for workerd tests: scripts/docgen in Node, served by the DOCGEN binding (test/docgen-binding.mjs). */
import { env } from "cloudflare:test";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GeneratedDocument {
  bytes: Uint8Array;
  truth: { box?: Box | null; type?: string };
  /** For a tampered document: the truth of the genuine document it was made from (holder, MRZ lines). */
  genuine?: Record<string, unknown>;
}

/** e.g. `generatedDocument("/tamper?seed=14&type=paste_portrait")` or `generatedDocument("/genuine?seed=11")`. */
export async function generatedDocument(path: string): Promise<GeneratedDocument> {
  const res = await env.DOCGEN.fetch(`http://docgen${path}`);
  if (!res.ok) throw new Error(`docgen ${path}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { bytes: string; truth: GeneratedDocument["truth"]; genuine?: Record<string, unknown> };
  return { bytes: Uint8Array.from(atob(body.bytes), (c) => c.charCodeAt(0)), truth: body.truth, ...(body.genuine ? { genuine: body.genuine } : {}) };
}
