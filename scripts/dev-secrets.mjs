/**
 * Development secrets: generated values for every secret the Worker needs, so a fresh clone runs
 * with no manual configuration. Used by scripts/dev.mjs (written once to the git-ignored .dev.vars)
 * and by vitest.config.ts (fresh for every test run). Production secrets are set with `wrangler secret put`.
 */
import { webcrypto as crypto } from "node:crypto";

const b64 = (bytes) => Buffer.from(bytes).toString("base64");

/** @returns {Promise<Record<string, string>>} */
export async function generateDevSecrets() {
  const { privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  return {
    // ES256 private key (JWK JSON) that signs access tokens and receipts; its public half is served at /.well-known/jwks.json.
    JWT_PRIVATE_KEY: JSON.stringify({ ...jwk, kid: `dev-${b64(crypto.getRandomValues(new Uint8Array(6))).replace(/[^a-zA-Z0-9]/g, "")}`, alg: "ES256" }),
    // 32 random bytes: the root from which per-tenant AES-GCM keys and HMAC keys are derived (HKDF).
    DATA_ENCRYPTION_KEY: b64(crypto.getRandomValues(new Uint8Array(32))),
  };
}
