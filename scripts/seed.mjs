/**
 * Seeds the LOCAL D1 with a demo tenant for `npm run dev`: an admin user (admin@demo.edge-kyc.local with a generated
 * password), a live API key and a test API key. Idempotent: when the demo admin exists and .dev-seed.json still
 * holds its credentials, nothing changes; when the credentials file was lost, the password is reset and new keys
 * replace the old demo keys (secrets are stored only as hashes, so they cannot be recovered). Plain credentials go
 * to the git-ignored .dev-seed.json and are returned for printing.
 *
 * Hashes are computed exactly as the Worker does: PBKDF2-SHA256 (src/lib/passwords.ts format) and SHA-256 for keys.
 * Run alone with `node scripts/seed.mjs` (applies the local migrations first).
 */
import { spawnSync } from "node:child_process";
import { webcrypto as crypto } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SEED_FILE = path.join(root, ".dev-seed.json");
export const DEMO_EMAIL = "admin@demo.edge-kyc.local";
const ALL_SCOPES = ["verifications:write", "verifications:read", "faces", "webhooks"];
const PBKDF2_ITERATIONS = 100_000;

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const sha256Hex = async (text) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));

/** Same format and parameters as hashPassword in src/lib/passwords.ts. */
export async function hashPassword(password, iterations = PBKDF2_ITERATIONS) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"]);
  const hash = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
  return `pbkdf2-sha256$${iterations}$${b64url(salt)}$${b64url(hash)}`;
}

/** Same layout as newId in src/lib/ids.ts. */
function newId(prefix, now = Date.now()) {
  return `${prefix}_${now.toString(16).padStart(12, "0")}${hex(crypto.getRandomValues(new Uint8Array(8)))}`;
}

const sql = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

function wrangler(args) {
  const bin = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "wrangler.cmd" : "wrangler");
  const res = spawnSync(bin, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  if (res.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${res.stderr || res.stdout}`);
  return res.stdout;
}

function query(statement) {
  const out = wrangler(["d1", "execute", "DB", "--local", "--json", "--command", statement]);
  return JSON.parse(out.slice(out.indexOf("[")))[0]?.results ?? [];
}

function execute(statements) {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-kyc-seed-"));
  try {
    const file = path.join(dir, "seed.sql");
    writeFileSync(file, statements.join(";\n") + ";\n");
    wrangler(["d1", "execute", "DB", "--local", "--file", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function keyRow(tenantId, userId, mode, now) {
  const key = `ekyc_${mode}_${hex(crypto.getRandomValues(new Uint8Array(24)))}`;
  const id = newId("key", now);
  const statement = `INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, scopes, rate_limit_per_minute, mode, created_by, created_at) VALUES (${[
    id, tenantId, `demo ${mode}`, key.slice(0, 16), await sha256Hex(key), JSON.stringify(ALL_SCOPES), 600, mode, userId, now,
  ].map(sql).join(", ")})`;
  return { id, key, statement };
}

/**
 * The new tenant's first audit event, inserted pending (seq, prev_hash, hash null) like every writer's: the tenant's
 * AuditChain Durable Object chains it on the first read, append or cron run (src/audit/).
 */
async function genesisAudit(tenantId, userId, now) {
  const row = [newId("aud", now), tenantId, "system", null, "tenant.seeded", "tenant", tenantId, JSON.stringify({ admin: userId }), now];
  return `INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, action, target_type, target_id, metadata, created_at) VALUES (${row.map(sql).join(", ")})`;
}

/**
 * @returns {Promise<{ created: boolean, tenant_id: string, email: string, password: string, api_keys: { live: string, test: string } }>}
 */
export async function seedDemo() {
  const [existing] = query(`SELECT id, tenant_id FROM users WHERE email = ${sql(DEMO_EMAIL)}`);
  const saved = existsSync(SEED_FILE) ? JSON.parse(readFileSync(SEED_FILE, "utf8")) : null;
  if (existing && saved?.tenant_id === existing.tenant_id && saved.user_id === existing.id) return { ...saved, created: false };

  const now = Date.now();
  const password = `demo-${b64url(crypto.getRandomValues(new Uint8Array(12)))}`;
  const passwordHash = await hashPassword(password);
  const statements = [];
  let tenantId;
  let userId;
  if (existing) {
    ({ tenant_id: tenantId, id: userId } = existing);
    statements.push(`UPDATE users SET password_hash = ${sql(passwordHash)}, updated_at = ${now} WHERE id = ${sql(userId)}`);
    statements.push(`UPDATE api_keys SET revoked_at = ${now} WHERE tenant_id = ${sql(tenantId)} AND name LIKE 'demo %' AND revoked_at IS NULL`);
    statements.push(`UPDATE refresh_tokens SET revoked_at = ${now} WHERE user_id = ${sql(userId)} AND revoked_at IS NULL`);
  } else {
    tenantId = newId("ten", now);
    userId = newId("usr", now);
    statements.push(`INSERT INTO tenants (id, name, created_at) VALUES (${[tenantId, "Demo Tenant", now].map(sql).join(", ")})`);
    statements.push(
      `INSERT INTO users (id, tenant_id, email, name, password_hash, role, created_at, updated_at) VALUES (${[userId, tenantId, DEMO_EMAIL, "Demo Admin", passwordHash, "admin", now, now].map(sql).join(", ")})`,
    );
    statements.push(await genesisAudit(tenantId, userId, now));
  }
  const live = await keyRow(tenantId, userId, "live", now);
  const test = await keyRow(tenantId, userId, "test", now);
  statements.push(live.statement, test.statement);
  execute(statements);

  const credentials = { tenant_id: tenantId, user_id: userId, email: DEMO_EMAIL, password, api_keys: { live: live.key, test: test.key } };
  writeFileSync(SEED_FILE, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  return { ...credentials, created: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  wrangler(["d1", "migrations", "apply", "DB", "--local"]);
  const seeded = await seedDemo();
  console.log(`${seeded.created ? "Seeded" : "Already seeded"} demo tenant ${seeded.tenant_id} (credentials in .dev-seed.json)`);
  console.log(`  admin:        ${seeded.email} / ${seeded.password}`);
  console.log(`  live API key: ${seeded.api_keys.live}`);
  console.log(`  test API key: ${seeded.api_keys.test}`);
}
