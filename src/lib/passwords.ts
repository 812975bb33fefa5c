/**
 * Password hashing and policy. Hashes are PBKDF2-SHA256 through WebCrypto with a 16-byte random salt per
 * password, stored as `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>` so the cost can be raised
 * later without breaking old hashes. The iteration count is the Workers runtime's maximum: in production it refuses
 * PBKDF2 above 100 000 iterations (workerd's checkPbkdfLimits; cloudflare/workerd#1346). The local workerd of the
 * test pool does not enforce that cap (it accepts millions), so a higher count would pass every test and then fail
 * every login in production; verification also refuses stored counts above the cap for the same reason.
 * scripts/seed.mjs writes the same format from Node; test/unit/passwords.test.ts cross-checks them.
 */
import { fromBase64Url, toBase64Url, utf8 } from "./encoding";

export const PBKDF2_ITERATIONS = 100_000;
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
const HASH_BYTES = 32;

async function derive(password: string, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, bytes * 8));
}

/** Hashes `password` with a fresh salt. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations, HASH_BYTES);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** Recomputes the hash with the stored salt and cost and compares in constant time; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, saltB64, hashB64] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== "pbkdf2-sha256" || !Number.isInteger(iterations) || iterations < 1 || iterations > PBKDF2_ITERATIONS || !saltB64 || !hashB64) {
    return false;
  }
  const expected = fromBase64Url(hashB64);
  const actual = await derive(password, fromBase64Url(saltB64), iterations, expected.length);
  return constantTimeEqual(actual, expected);
}

/** XOR-accumulating comparison: portable (Node has no `crypto.subtle.timingSafeEqual`) and branch-free over the bytes. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

let dummy: Promise<string> | undefined;
/**
 * A hash no password matches in practice: login verifies against it when the email is unknown, so an unknown
 * email costs the same PBKDF2 work as a wrong password and response times do not reveal which accounts exist.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(toBase64Url(crypto.getRandomValues(new Uint8Array(32))));
  return dummy;
}

/** A short list of the most common passwords of at least the minimum length (lower-cased). */
const COMMON_PASSWORDS = new Set([
  "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "1234512345", "9876543210",
  "qwertyuiop", "qwerty1234", "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "zaq12wsxcde3", "asdfghjkl1",
  "password12", "password123", "password1234", "passw0rd123", "p@ssw0rd123", "password!1", "iloveyou12",
  "letmein123", "welcome123", "welcome1234", "admin12345", "administrator", "changeme123", "football123",
  "baseball123", "superman123", "sunshine123", "princess123", "trustno1234", "monkey12345", "dragon12345",
  "abcdefghij", "abcd123456", "abc1234567", "aaaaaaaaaa", "qwertyqwerty", "master12345", "starwars123",
  "whatever123", "computer123", "internet123", "football1", "michael123", "jennifer123", "shadow12345",
]);

/** Policy problems with `password` (empty when acceptable): length, common passwords, the email itself. */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN_LENGTH) problems.push(`Must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH) problems.push(`Must be at most ${PASSWORD_MAX_LENGTH} characters`);
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password)) problems.push("This password is too common");
  if (email && lower === email.trim().toLowerCase()) problems.push("Must not be the email address");
  return problems;
}
