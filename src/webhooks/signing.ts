/**
 * Standard Webhooks signatures: the three `webhook-*` headers, `v1` (HMAC-SHA256, through the `standardwebhooks`
 * package) and `v1a` (Ed25519, through WebCrypto, which the package does not do). Runs in workerd and Node 20.
 *
 * Key formats (spec/standard-webhooks.md, "Signature scheme" table; the spec says only "standard ed25519 key pair,
 * base64 encoded"):
 *  - `whsec_` + base64 of 32 random bytes (the spec allows 24 to 64).
 *  - `whsk_` + base64 of the 64-byte Ed25519 secret key as libsodium and Svix's reference server lay it out:
 *    the 32-byte seed followed by the 32-byte public key. A bare 32-byte seed is accepted as well.
 *  - `whpk_` + base64 of the raw 32-byte public key (RFC 8032 encoding).
 * base64 is the standard alphabet with padding, as in every example of the spec.
 *
 * Signed content for both schemes: `${id}.${timestamp}.${body}`, UTF-8. Several signatures are joined by one space,
 * in the order of the secrets given, so rotation sends the new and the old one side by side.
 */
import { Webhook } from "standardwebhooks";

// A type alias rather than an interface, so it is assignable to a plain header record.
export type WebhookSignatureHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** Headers as a receiver sees them: a `Headers` object or a plain record (names in any case). */
export type ReceivedHeaders = Headers | Record<string, string | undefined>;

const SYMMETRIC_PREFIX = "whsec_";
const SECRET_KEY_PREFIX = "whsk_";
const PUBLIC_KEY_PREFIX = "whpk_";
const ED25519 = { name: "Ed25519" } as const;
/** DER header of a PKCS#8 Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
/** The spec's recommended tolerance between the signed timestamp and the receiver's clock. */
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/**
 * A fresh symmetric signing secret, shown to the integrator once.
 * @example newSymmetricSecret() // "whsec_Jx0m…=" (32 random bytes)
 */
export function newSymmetricSecret(): string {
  return SYMMETRIC_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * A fresh Ed25519 key pair for `v1a` signatures: the secret key stays with us, the public key is served to receivers.
 * @example const { secretKey, publicKey } = await newAsymmetricKeyPair(); // "whsk_…", "whpk_…"
 */
export async function newAsymmetricKeyPair(): Promise<{ secretKey: string; publicKey: string }> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const seed = pkcs8.slice(PKCS8_ED25519_PREFIX.length);
  return { secretKey: SECRET_KEY_PREFIX + toBase64(concat(seed, publicKey)), publicKey: PUBLIC_KEY_PREFIX + toBase64(publicKey) };
}

/**
 * The `whpk_` public key belonging to a `whsk_` secret key, so only the secret key needs storing. Throws when a
 * 64-byte secret key carries a public half that does not belong to its seed (a corrupted key would sign messages
 * nobody can verify).
 * @example await publicKeyOf("whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==")
 * // "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
 */
export async function publicKeyOf(secretKey: string): Promise<string> {
  const { seed, publicKey: embedded } = parseSecretKey(secretKey);
  const key = await crypto.subtle.importKey("pkcs8", concat(PKCS8_ED25519_PREFIX, seed), ED25519, true, ["sign"]);
  const jwk = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
  const derived = fromBase64(jwk.x ?? "");
  if (embedded && !sameBytes(embedded, derived)) throw new Error("The whsk_ secret key's public half does not match its seed");
  return PUBLIC_KEY_PREFIX + toBase64(derived);
}

/**
 * The Standard Webhooks headers for one delivery attempt, one signature per secret, in the order given.
 * `whsec_` secrets sign `v1` (HMAC-SHA256), `whsk_` secret keys sign `v1a` (Ed25519).
 * @example
 * await signatureHeaders({ id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: '{"test": 2432232314}',
 *   secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] })
 * // { "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
 * //   "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" }
 */
export async function signatureHeaders(input: {
  id: string;
  timestamp: Date | number;
  body: string;
  secrets: string[];
}): Promise<WebhookSignatureHeaders> {
  const seconds = input.timestamp instanceof Date ? Math.floor(input.timestamp.getTime() / 1000) : input.timestamp;
  // The id and timestamp are part of the signed string, delimited by dots: a dot inside either would make two
  // different messages sign the same bytes (spec, "Signature scheme").
  if (!input.id || input.id.includes(".")) throw new Error("A webhook id must be non-empty and contain no '.'");
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error("A webhook timestamp must be whole seconds since the epoch");
  if (input.secrets.length === 0) throw new Error("At least one signing secret is needed");
  const signatures = await Promise.all(input.secrets.map((secret) => signOne(secret, input.id, seconds, input.body)));
  return { "webhook-id": input.id, "webhook-timestamp": String(seconds), "webhook-signature": signatures.join(" ") };
}

/**
 * Whether the headers carry a `v1` signature made with `secret` over `body`, with a timestamp within five minutes
 * of now. A thin wrapper over the `standardwebhooks` package's `Webhook.verify`, the check receivers run.
 * @example verifyV1("whsec_…", request.headers, await request.text()) // true
 */
export function verifyV1(secret: string, headers: ReceivedHeaders, body: string): boolean {
  try {
    new Webhook(secret).verify(body, headerRecord(headers), { jsonParse: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the headers carry a `v1a` signature by the key pair of `publicKey` over `body`, with a timestamp within
 * `toleranceSeconds` (default five minutes) of `now`. This is what a receiver of Ed25519 webhooks runs; it never
 * throws on malformed input, it answers false.
 * @example await verifyV1a("whpk_11qY…", request.headers, await request.text()) // true
 */
export async function verifyV1a(
  publicKey: string,
  headers: ReceivedHeaders,
  body: string,
  options: { now?: Date; toleranceSeconds?: number } = {},
): Promise<boolean> {
  const record = headerRecord(headers);
  const id = record["webhook-id"];
  const timestamp = record["webhook-timestamp"];
  const signatureHeader = record["webhook-signature"];
  if (!id || !timestamp || !signatureHeader || !/^\d+$/.test(timestamp)) return false;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;

  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("raw", parsePrefixed(publicKey, PUBLIC_KEY_PREFIX, [32]), ED25519, false, ["verify"]);
  } catch {
    return false;
  }
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const entry of signatureHeader.split(" ")) {
    const [version, encoded] = entry.split(",");
    if (version !== "v1a" || !encoded) continue;
    try {
      const signature = fromBase64(encoded);
      if (signature.length === 64 && (await crypto.subtle.verify(ED25519, key, signature, signed))) return true;
    } catch {
      // Not base64: this entry cannot match; others still may.
    }
  }
  return false;
}

async function signOne(secret: string, id: string, seconds: number, body: string): Promise<string> {
  if (secret.startsWith(SYMMETRIC_PREFIX)) return new Webhook(secret).sign(id, new Date(seconds * 1000), body);
  if (secret.startsWith(SECRET_KEY_PREFIX)) {
    const { seed } = parseSecretKey(secret);
    const key = await crypto.subtle.importKey("pkcs8", concat(PKCS8_ED25519_PREFIX, seed), ED25519, false, ["sign"]);
    const signature = await crypto.subtle.sign(ED25519, key, new TextEncoder().encode(`${id}.${seconds}.${body}`));
    return `v1a,${toBase64(new Uint8Array(signature))}`;
  }
  throw new Error("A signing secret must start with whsec_ or whsk_");
}

function parseSecretKey(secretKey: string): { seed: Uint8Array; publicKey?: Uint8Array } {
  const bytes = parsePrefixed(secretKey, SECRET_KEY_PREFIX, [32, 64]);
  return bytes.length === 64 ? { seed: bytes.slice(0, 32), publicKey: bytes.slice(32) } : { seed: bytes };
}

function parsePrefixed(value: string, prefix: string, lengths: number[]): Uint8Array {
  if (!value.startsWith(prefix)) throw new Error(`Expected a key starting with ${prefix}`);
  const bytes = fromBase64(value.slice(prefix.length));
  if (!lengths.includes(bytes.length)) throw new Error(`A ${prefix} key must hold ${lengths.join(" or ")} bytes`);
  return bytes;
}

/** Lower-cased header names, the shape `Webhook.verify` expects. */
function headerRecord(headers: ReceivedHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) headers.forEach((value, name) => (out[name.toLowerCase()] = value));
  else for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Standard or URL-safe base64, padded or not (JWK `x` is base64url). Throws on anything else. */
function fromBase64(text: string): Uint8Array {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const binary = atob(standard + "=".repeat((4 - (standard.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
