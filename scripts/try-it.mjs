#!/usr/bin/env node
/**
 * `npm run try` — what a new integrator does first, against a running `npm run dev`:
 * create a verification with the demo tenant's live key, upload a real JPEG document photo and selfie of the same
 * woman (cut from face-api's demo photos, a dev dependency), submit, and follow it to a final state. Prints each step with its time.
 *   npm run try -- [--base http://localhost:8787] [--test]   (--test uses the sandbox key)
 */
import { readFileSync } from "node:fs";
import { PhotonImage, crop } from "@cf-wasm/photon";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const base = args.includes("--base") ? args[args.indexOf("--base") + 1] : "http://localhost:8787";
const seed = JSON.parse(readFileSync(path.join(root, ".dev-seed.json"), "utf8"));
const key = args.includes("--test") ? seed.api_keys.test : seed.api_keys.live;
/** face-api's demo photos are group shots; cut one person out of each, as an ID photo and a selfie would show. */
function portrait(n, [x1, y1, x2, y2]) {
  const img = PhotonImage.new_from_byteslice(readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));
  const part = crop(img, x1, y1, x2, y2);
  const jpeg = part.get_bytes_jpeg(90);
  part.free();
  img.free();
  return jpeg;
}
const images = { document_front: portrait(1, [1330, 60, 1830, 640]), selfie: portrait(3, [900, 40, 1450, 700]) };

const t0 = performance.now();
const since = () => `${(performance.now() - t0).toFixed(0).padStart(6)} ms`;
async function api(method, p, body, headers = {}) {
  const res = await fetch(base + p, { method, body, headers: { "X-API-Key": key, ...headers } });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const created = await api(
  "POST",
  "/v1/verifications",
  JSON.stringify({
    applicant: { first_name: "Erika", last_name: "Mustermann", date_of_birth: "1984-08-12", country: "DE" },
    document: { type: "id_card", number: "T22000129", issuing_country: "DE", expiry_date: "2031-01-01" },
    consent: { granted: true, text_version: "2026-01" },
  }),
  { "Content-Type": "application/json" },
);
console.log(`${since()}  created    ${created.id} (${created.mode})`);
for (const [kind, bytes] of Object.entries(images)) {
  const m = await api("PUT", `/v1/verifications/${created.id}/media/${kind}`, bytes, { "Content-Type": "image/jpeg" });
  console.log(`${since()}  uploaded   ${kind} ${m.width}×${m.height} sha256 ${m.sha256.slice(0, 12)}…`);
}
await api("POST", `/v1/verifications/${created.id}/submit`);
const submittedAt = performance.now();
console.log(`${since()}  submitted`);
for (;;) {
  const v = await api("GET", `/v1/verifications/${created.id}`);
  if (["verified", "not_verified", "manual_review", "error"].includes(v.status)) {
    console.log(`${since()}  ${v.status}  risk ${v.risk_score}  reasons [${v.reasons.join(", ")}]  (${(performance.now() - submittedAt).toFixed(0)} ms after submit)`);
    for (const s of v.steps) console.log(`            step ${s.name.padEnd(10)} ${s.status.padEnd(8)} ${s.ms} ms`);
    console.log(`            timings ${JSON.stringify(v.timings)}`);
    break;
  }
  if (performance.now() - submittedAt > 30_000) throw new Error(`still ${v.status} after 30 s`);
  await new Promise((r) => setTimeout(r, 200));
}
