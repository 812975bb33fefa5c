/**
 * Hashing, random tokens, constant-time comparison, and per-tenant encryption.
 * Per-tenant keys are derived with HKDF-SHA256 from the DATA_ENCRYPTION_KEY root secret: one AES-256-GCM key
 * for personal data at rest and one HMAC-SHA256 key for searchable hashes (document numbers). Ciphertexts are
 * `v1.<iv>.<ciphertext>` (base64url) with the tenant id as additional data, so a row moved to another tenant
 * does not decrypt.
 */
import { fromBase64, fromBase64Url, fromUtf8, toBase64Url, toHex, utf8 } from "./encoding";

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? utf8.encode(data) : data));
}

/** A random token of `bytes` bytes, base64url. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Constant-time comparison of two strings (length is not secret here: both are fixed-length hashes). */
export function timingSafeEqual(a: string, b: string): boolean {
  const ab = utf8.encode(a);
  const bb = utf8.encode(b);
  if (ab.length !== bb.length) return false;
  return crypto.subtle.timingSafeEqual(ab, bb);
}

export interface TenantCrypto {
  encrypt(tenantId: string, plaintext: string): Promise<string>;
  decrypt(tenantId: string, ciphertext: string): Promise<string>;
  encryptJson(tenantId: string, value: unknown): Promise<string>;
  decryptJson<T>(tenantId: string, ciphertext: string): Promise<T>;
  /** Keyed hash for equality search without decryption (HMAC-SHA256, hex). */
  blindIndex(tenantId: string, value: string): Promise<string>;
}

const keyCache = new Map<string, Promise<CryptoKey>>();

export function createTenantCrypto(rootKeyB64: string): TenantCrypto {
  // Imported only when a tenant's key is not cached yet (built per request, this is on every request's path).
  let rootPromise: Promise<CryptoKey> | undefined;
  const root = () => (rootPromise ??= crypto.subtle.importKey("raw", fromBase64(rootKeyB64), "HKDF", false, ["deriveKey"]));

  function derive(tenantId: string, purpose: "enc" | "mac"): Promise<CryptoKey> {
    const cacheKey = `${rootKeyB64.slice(0, 8)}:${tenantId}:${purpose}`;
    let key = keyCache.get(cacheKey);
    if (!key) {
      key = root().then((rootKey) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: utf8.encode("edge-kyc/v1"), info: utf8.encode(`${purpose}:${tenantId}`) },
          rootKey,
          purpose === "enc" ? { name: "AES-GCM", length: 256 } : { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          purpose === "enc" ? ["encrypt", "decrypt"] : ["sign"],
        ),
      );
      key.catch(() => keyCache.delete(cacheKey));
      keyCache.set(cacheKey, key);
    }
    return key;
  }

  const api: TenantCrypto = {
    async encrypt(tenantId, plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(tenantId) }, await derive(tenantId, "enc"), utf8.encode(plaintext));
      return `v1.${toBase64Url(iv)}.${toBase64Url(ct)}`;
    },
    async decrypt(tenantId, ciphertext) {
      const [version, iv, ct] = ciphertext.split(".");
      if (version !== "v1" || !iv || !ct) throw new Error("Unknown ciphertext format");
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: utf8.encode(tenantId) },
        await derive(tenantId, "enc"),
        fromBase64Url(ct),
      );
      return fromUtf8.decode(pt);
    },
    encryptJson: (tenantId, value) => api.encrypt(tenantId, JSON.stringify(value)),
    decryptJson: async (tenantId, ciphertext) => JSON.parse(await api.decrypt(tenantId, ciphertext)),
    async blindIndex(tenantId, value) {
      return toHex(await crypto.subtle.sign("HMAC", await derive(tenantId, "mac"), utf8.encode(value)));
    },
  };
  return api;
}
