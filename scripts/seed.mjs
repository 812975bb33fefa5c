/**
 * Seeds a demo tenant for `npm run dev` THROUGH THE API of the running Worker (so passwords, keys, ids and the audit
 * chain are made by the application's own code): registers an admin, creates a live and a test API key, and keeps
 * the plain credentials in the git-ignored .dev-seed.json. Idempotent: when .dev-seed.json's credentials still work
 * against the server, nothing changes; when they do not (a wiped local database, a lost file), a new demo tenant is
 * registered (secrets are stored only as hashes, so old ones cannot be recovered).
 *
 * A new demo tenant also gets demo cases for the review console, made by the live pipeline with real evidence
 * (seedDemoCases): one woman verified as Erika Mustermann, then her face under two other names, which the duplicate
 * search sends to `manual_review`; the MRZ the client sends still says MUSTERMANN, a disagreement the case page shows. They are seeded in the background, so the credentials print at once.
 *
 * Run alone against a running server with `node scripts/seed.mjs [base-url]` (default http://localhost:8787).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SEED_FILE = path.join(root, ".dev-seed.json");
const ALL_SCOPES = ["verifications:write", "verifications:read", "faces", "webhooks"];

async function api(base, method, p, { json, headers = {} } = {}) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { ...(json ? { "Content-Type": "application/json" } : {}), ...headers },
    body: json ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  return { status: res.status, data };
}

/** True when the stored credentials still log in and both keys still authenticate. */
async function stillValid(base, seed) {
  if (!seed?.email || !seed?.password || !seed?.api_keys?.live || !seed?.api_keys?.test) return false;
  const login = await api(base, "POST", "/v1/auth/login", { json: { email: seed.email, password: seed.password } });
  if (login.status !== 200) return false;
  for (const key of [seed.api_keys.live, seed.api_keys.test]) {
    if ((await api(base, "GET", "/v1/verifications?limit=1", { headers: { "X-API-Key": key } })).status !== 200) return false;
  }
  return true;
}

/**
 * @param {string} base the running server, e.g. http://localhost:8787
 * @returns {Promise<{ created: boolean, tenant_id: string, email: string, password: string, api_keys: { live: string, test: string } }>}
 */
export async function seedDemo(base = "http://localhost:8787") {
  const existing = existsSync(SEED_FILE) ? JSON.parse(readFileSync(SEED_FILE, "utf8")) : null;
  if (await stillValid(base, existing)) return { created: false, ...existing };

  const password = `demo-${randomBytes(12).toString("base64url")}`;
  const email = existing ? `admin+${Date.now().toString(36)}@demo.edge-kyc.local` : "admin@demo.edge-kyc.local";
  let reg = await api(base, "POST", "/v1/auth/register", { json: { email, password, name: "Demo Admin", tenant_name: "Demo tenant" } });
  if (reg.status === 409) {
    // The default demo email exists in the database but its password was lost with the file.
    const fresh = `admin+${Date.now().toString(36)}@demo.edge-kyc.local`;
    reg = await api(base, "POST", "/v1/auth/register", { json: { email: fresh, password, name: "Demo Admin", tenant_name: "Demo tenant" } });
  }
  if (reg.status !== 201) throw new Error(`seeding failed: register answered ${reg.status} ${JSON.stringify(reg.data)}`);
  const auth = { Authorization: `Bearer ${reg.data.access_token}` };
  const keys = {};
  for (const mode of ["live", "test"]) {
    const res = await api(base, "POST", "/v1/api-keys", { headers: auth, json: { name: `demo ${mode} key`, scopes: ALL_SCOPES, rate_limit_per_minute: 600, mode } });
    if (res.status !== 201) throw new Error(`seeding failed: creating the ${mode} key answered ${res.status} ${JSON.stringify(res.data)}`);
    keys[mode] = res.data.key;
  }
  const credentials = { tenant_id: reg.data.tenant.id, user_id: reg.data.user.id, email: reg.data.user.email, password, api_keys: keys };
  writeFileSync(SEED_FILE, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  seedDemoCases(base, keys.live).then(
    (ids) => console.log(`[seed] ${ids.length} demo cases wait in the review queue: sign in at ${base}/console with the admin credentials above`),
    (err) => console.error(`[seed] the demo review cases could not be seeded: ${err.message}`),
  );
  return { created: true, ...credentials };
}

/**
 * Demo cases for the review console, through the API with the live key: the same woman verified first, then her face
 * under two other names (DUPLICATE_FACE → manual_review), each with the document, selfie, face crops and heatmap
 * the pipeline stores.
 * @param {string} base
 * @param {string} liveKey
 * @returns {Promise<string[]>} the ids of the cases waiting for review
 */
export async function seedDemoCases(base, liveKey) {
  const { createVerification, waitFinal } = await import("./local-server.mjs");
  // Each sends the zone of Erika Mustermann's card, so the case page's MRZ table has a reading to compare.
  const first = await createVerification(base, liveKey, { mrz: true });
  // The first run loads the face models: give the pipeline time on a slow machine.
  const reference = await waitFinal(base, liveKey, [first], { ms: 300_000, every: 1000 });
  if (reference.get(first) !== "verified") throw new Error(`the reference verification ended ${reference.get(first)}`);
  const ids = [];
  for (const lastName of ["Musterfrau", "Beispiel"]) ids.push(await createVerification(base, liveKey, { lastName, mrz: true }));
  const statuses = await waitFinal(base, liveKey, ids, { ms: 300_000, every: 1000 });
  return ids.filter((id) => statuses.get(id) === "manual_review");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const seeded = await seedDemo(process.argv[2] ?? "http://localhost:8787");
  console.log(`${seeded.created ? "Seeded" : "Already seeded"} demo tenant ${seeded.tenant_id} (credentials in .dev-seed.json)`);
  console.log(`  admin: ${seeded.email} / ${seeded.password}`);
  console.log(`  live API key: ${seeded.api_keys.live}`);
  console.log(`  test API key: ${seeded.api_keys.test}`);
}
