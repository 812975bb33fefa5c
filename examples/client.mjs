#!/usr/bin/env node
// @ts-check
/**
 * The typed client: `hc<AppType>` from `hono/client` over the API's own route types, so paths, parameters, JSON
 * bodies and responses are checked by TypeScript (`tsc -p examples`) and completed by an editor. Creates a
 * verification, uploads the document and the selfie (./document.jpg, ./selfie.jpg), submits it and polls until it is
 * final, then prints the decision. Plain JavaScript with JSDoc types, so Node runs it as is.
 *
 *   npm run dev                                                        # in one terminal; seeds .dev-seed.json
 *   node examples/client.mjs [--base http://localhost:8787] [--key ekyc_test_…]
 *
 * Without --key it uses the demo tenant's test key (test mode: the sandbox decides at once, from the last name).
 *
 * In TypeScript the same reads `const api = hc<AppType>(base, { headers: { "X-API-Key": key } })`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hc } from "hono/client";

/** @typedef {import("../src/index").AppType} AppType */
/** @typedef {ReturnType<typeof hc<AppType>>} ApiClient */

const here = path.dirname(fileURLToPath(import.meta.url));
const FINAL_STATUSES = ["verified", "not_verified", "manual_review", "error"];

/**
 * A client for the API at `base` that sends `key` as `X-API-Key` on every request.
 * @example
 *   const api = createClient("http://localhost:8787", "ekyc_test_…");
 *   const res = await api.v1.verifications.$get({ query: { status: "verified" } });
 *   if (res.status === 200) console.log((await res.json()).data.length);
 * @param {string} base
 * @param {string} key
 * @returns {ApiClient}
 */
export function createClient(base, key) {
  // JavaScript cannot pass hc its type argument; this cast is what `hc<AppType>(…)` says in TypeScript.
  return /** @type {ApiClient} */ (/** @type {unknown} */ (hc(base, { headers: { "X-API-Key": key } })));
}

/**
 * Create → upload both images → submit → poll until final.
 * @example
 *   const final = await verifyApplicant({ api: createClient(base, key) });
 *   console.log(final.status, final.reasons);
 * @param {{ api: ApiClient, lastName?: string, log?: (line: string) => void, timeoutMs?: number }} options
 */
export async function verifyApplicant({ api, lastName = "Mustermann", log = () => {}, timeoutMs = 120_000 }) {
  const createRes = await api.v1.verifications.$post({
    json: {
      applicant: { first_name: "Erika", last_name: lastName, date_of_birth: "1984-08-12", country: "DE" },
      document: { type: "id_card", number: `T${Date.now()}`, issuing_country: "DE", expiry_date: "2031-01-01" },
      consent: { granted: true, text_version: "2026-01" },
    },
  });
  if (createRes.status !== 201) throw new Error(`create: ${createRes.status} ${JSON.stringify(await createRes.json())}`);
  const created = await createRes.json();
  log(`created    ${created.id} (${created.mode} mode)`);

  for (const [kind, file] of /** @type {const} */ ([["document_front", "document.jpg"], ["selfie", "selfie.jpg"]])) {
    const image = new File([readFileSync(path.join(here, file))], file, { type: "image/jpeg" });
    const uploadRes = await api.v1.verifications[":id"].media[":kind"].$put({ param: { id: created.id, kind }, form: { file: image } });
    if (uploadRes.status !== 201) throw new Error(`upload ${kind}: ${uploadRes.status} ${JSON.stringify(await uploadRes.json())}`);
    const stored = await uploadRes.json();
    log(`uploaded   ${kind.padEnd(15)} ${stored.width}×${stored.height}`);
  }

  const submitRes = await api.v1.verifications[":id"].submit.$post({ param: { id: created.id } });
  if (submitRes.status !== 202) throw new Error(`submit: ${submitRes.status} ${JSON.stringify(await submitRes.json())}`);
  log(`submitted  ${created.id}`);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.v1.verifications[":id"].$get({ param: { id: created.id } });
    if (res.status !== 200) throw new Error(`get: ${res.status} ${JSON.stringify(await res.json())}`);
    const verification = await res.json();
    if (FINAL_STATUSES.includes(verification.status)) return verification;
    if (Date.now() > deadline) throw new Error(`still ${verification.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The demo tenant's test key, written by `npm run dev` (scripts/seed.mjs). */
function demoKey() {
  try {
    return JSON.parse(readFileSync(path.join(here, "..", ".dev-seed.json"), "utf8")).api_keys.test;
  } catch {
    throw new Error("no --key given and no .dev-seed.json: start `npm run dev` once, or pass --key ekyc_test_…");
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  /** @param {string} name @param {string | undefined} fallback */
  const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const base = arg("--base", "http://localhost:8787") ?? "http://localhost:8787";
  const key = arg("--key", undefined) ?? demoKey();
  const final = await verifyApplicant({ api: createClient(base, key), log: (line) => console.log(line) });
  console.log(`decision   ${final.status}  risk ${final.risk_score ?? "-"}  reasons [${final.reasons.join(", ")}]`);
  process.exit(final.status === "error" ? 1 : 0);
}
