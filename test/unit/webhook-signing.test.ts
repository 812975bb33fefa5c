import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  newAsymmetricKeyPair,
  newSymmetricSecret,
  publicKeyOf,
  signatureHeaders,
  verifyV1,
  verifyV1a,
} from "../../src/webhooks/signing";

/** Published in standard-webhooks/standard-webhooks: every reference library's "sign function works" test. */
const SPEC_VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
/** Published in the same repository's Rust library (libraries/rust/src/lib.rs, `test_sign`). */
const RUST_VECTOR = {
  secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
  id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
  timestamp: 1649367553,
  body: '{"email":"test@example.com","username":"test_user"}',
  signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
};
/**
 * The spec publishes no v1a vector with its key, so this one is built from RFC 8032's first Ed25519 test key
 * (seed 9d61b1…7f60, public key d75a98…511a), in the whsk_/whpk_ encodings, signed by OpenSSL (node:crypto) over
 * the spec vector's `id.timestamp.body`. Ed25519 is deterministic, so the signature is fixed.
 */
const RFC8032_SECRET_KEY = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
const RFC8032_SEED_ONLY = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const RFC8032_PUBLIC_KEY = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const V1A_VECTOR_SIGNATURE = "v1a,fldxM4gAKugP6nnt1hdz3sgGfZ6d99nzrMFnZOELIxbzEHoVmAb2ADpkJK7zgPePmPsle0zV9jSeGlHFG2NVAw==";

const NOW = new Date("2026-05-01T12:00:00Z");
const body = '{"type":"verification.completed","data":{"id":"ver_1","status":"verified"}}';

function base64Length(prefixed: string): number {
  return atob(prefixed.slice(prefixed.indexOf("_") + 1)).length;
}

describe("Standard Webhooks test vectors", () => {
  afterEach(() => vi.useRealTimers());

  it.each([SPEC_VECTOR, RUST_VECTOR])("reproduces the published v1 signature for $id", async (vector) => {
    const headers = await signatureHeaders({ id: vector.id, timestamp: vector.timestamp, body: vector.body, secrets: [vector.secret] });
    expect(headers).toEqual({
      "webhook-id": vector.id,
      "webhook-timestamp": String(vector.timestamp),
      "webhook-signature": vector.signature,
    });
  });

  it("signs the same bytes for a Date as for its whole seconds", async () => {
    const fromDate = await signatureHeaders({ ...SPEC_VECTOR, timestamp: new Date(SPEC_VECTOR.timestamp * 1000 + 999), secrets: [SPEC_VECTOR.secret] });
    expect(fromDate["webhook-signature"]).toBe(SPEC_VECTOR.signature);
    expect(fromDate["webhook-timestamp"]).toBe("1614265330");
  });

  it("the package verifies the published vector at its own time, and refuses it five minutes later", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const headers = { "webhook-id": SPEC_VECTOR.id, "webhook-timestamp": String(SPEC_VECTOR.timestamp), "webhook-signature": SPEC_VECTOR.signature };
    vi.setSystemTime(SPEC_VECTOR.timestamp * 1000 + 60_000);
    expect(verifyV1(SPEC_VECTOR.secret, headers, SPEC_VECTOR.body)).toBe(true);
    vi.setSystemTime(SPEC_VECTOR.timestamp * 1000 + 301_000);
    expect(verifyV1(SPEC_VECTOR.secret, headers, SPEC_VECTOR.body)).toBe(false);
  });

  it("signs v1a with the RFC 8032 key exactly as OpenSSL does, from the 64-byte key or the bare seed", async () => {
    for (const secretKey of [RFC8032_SECRET_KEY, RFC8032_SEED_ONLY]) {
      const headers = await signatureHeaders({ id: SPEC_VECTOR.id, timestamp: SPEC_VECTOR.timestamp, body: SPEC_VECTOR.body, secrets: [secretKey] });
      expect(headers["webhook-signature"]).toBe(V1A_VECTOR_SIGNATURE);
    }
  });

  it("a v1a signature verifies with an independent Ed25519 implementation (node:crypto) and the raw RFC 8032 public key", async () => {
    const headers = await signatureHeaders({ id: "msg_x", timestamp: NOW, body, secrets: [RFC8032_SECRET_KEY] });
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex")]);
    const signature = Buffer.from(headers["webhook-signature"].slice("v1a,".length), "base64");
    const signed = Buffer.from(`msg_x.${headers["webhook-timestamp"]}.${body}`);
    expect(nodeVerify(null, signed, createPublicKey({ key: spki, format: "der", type: "spki" }), signature)).toBe(true);
    expect(nodeVerify(null, Buffer.from(`msg_x.${headers["webhook-timestamp"]}.${body} `), createPublicKey({ key: spki, format: "der", type: "spki" }), signature)).toBe(false);
  });

  it("derives the RFC 8032 public key from the secret key, in either form", async () => {
    expect(await publicKeyOf(RFC8032_SECRET_KEY)).toBe(RFC8032_PUBLIC_KEY);
    expect(await publicKeyOf(RFC8032_SEED_ONLY)).toBe(RFC8032_PUBLIC_KEY);
  });

  it("refuses a 64-byte secret key whose public half belongs to another seed", async () => {
    const other = await newAsymmetricKeyPair();
    const seed = atob(RFC8032_SECRET_KEY.slice(5)).slice(0, 32);
    const foreignTail = atob(other.publicKey.slice(5));
    await expect(publicKeyOf(`whsk_${btoa(seed + foreignTail)}`)).rejects.toThrow(/does not match/);
  });
});

describe("new secrets", () => {
  it("a symmetric secret is whsec_ and 32 random bytes, different every time, and signs with the package", async () => {
    const a = newSymmetricSecret();
    const b = newSymmetricSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(base64Length(a)).toBe(32);
    expect(a).not.toBe(b);
    const headers = await signatureHeaders({ id: "msg_1", timestamp: new Date(), body, secrets: [a] });
    expect(verifyV1(a, headers, body)).toBe(true);
  });

  it("a key pair is whsk_ (seed then public key, 64 bytes) and whpk_ (32 bytes) that belong together", async () => {
    const { secretKey, publicKey } = await newAsymmetricKeyPair();
    expect(secretKey).toMatch(/^whsk_[A-Za-z0-9+/]+={0,2}$/);
    expect(publicKey).toMatch(/^whpk_[A-Za-z0-9+/]+={0,2}$/);
    expect(base64Length(secretKey)).toBe(64);
    expect(base64Length(publicKey)).toBe(32);
    expect(atob(secretKey.slice(5)).slice(32)).toBe(atob(publicKey.slice(5)));
    expect(await publicKeyOf(secretKey)).toBe(publicKey);
    const other = await newAsymmetricKeyPair();
    expect(other.secretKey).not.toBe(secretKey);
  });
});

describe("signing and verifying", () => {
  afterEach(() => vi.useRealTimers());

  it("rotation: two secrets give two signatures in the given order, each verifying with its own secret only", async () => {
    const current = newSymmetricSecret();
    const previous = newSymmetricSecret();
    const headers = await signatureHeaders({ id: "msg_rot", timestamp: new Date(), body, secrets: [current, previous] });
    const entries = headers["webhook-signature"].split(" ");
    expect(entries).toHaveLength(2);
    expect(entries.every((entry) => /^v1,[A-Za-z0-9+/]{43}=$/.test(entry))).toBe(true);

    expect(verifyV1(current, headers, body)).toBe(true);
    expect(verifyV1(previous, headers, body)).toBe(true);
    expect(verifyV1(newSymmetricSecret(), headers, body)).toBe(false);

    const onlyFirst = { ...headers, "webhook-signature": entries[0] };
    const onlySecond = { ...headers, "webhook-signature": entries[1] };
    expect(verifyV1(current, onlyFirst, body)).toBe(true);
    expect(verifyV1(previous, onlyFirst, body)).toBe(false);
    expect(verifyV1(previous, onlySecond, body)).toBe(true);
    expect(verifyV1(current, onlySecond, body)).toBe(false);
  });

  it("a tampered body, id or timestamp fails both schemes", async () => {
    const secret = newSymmetricSecret();
    const pair = await newAsymmetricKeyPair();
    const headers = await signatureHeaders({ id: "msg_t", timestamp: NOW, body, secrets: [secret, pair.secretKey] });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
    expect(verifyV1(secret, headers, body)).toBe(true);
    expect(await verifyV1a(pair.publicKey, headers, body, { now: NOW })).toBe(true);

    const tamperedBody = body.replace("verified", "not_verified");
    expect(verifyV1(secret, headers, tamperedBody)).toBe(false);
    expect(await verifyV1a(pair.publicKey, headers, tamperedBody, { now: NOW })).toBe(false);
    const otherId = { ...headers, "webhook-id": "msg_u" };
    expect(verifyV1(secret, otherId, body)).toBe(false);
    expect(await verifyV1a(pair.publicKey, otherId, body, { now: NOW })).toBe(false);
    const otherTime = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 1) };
    expect(verifyV1(secret, otherTime, body)).toBe(false);
    expect(await verifyV1a(pair.publicKey, otherTime, body, { now: NOW })).toBe(false);
  });

  it("v1a verifies with the endpoint's public key and fails with another endpoint's", async () => {
    const pair = await newAsymmetricKeyPair();
    const other = await newAsymmetricKeyPair();
    const headers = await signatureHeaders({ id: "msg_a", timestamp: NOW, body, secrets: [pair.secretKey] });
    expect(headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(await verifyV1a(pair.publicKey, headers, body, { now: NOW })).toBe(true);
    expect(await verifyV1a(other.publicKey, headers, body, { now: NOW })).toBe(false);
  });

  it("mixed v1 and v1a signatures: each verifier uses its own entries and ignores the others", async () => {
    const secret = newSymmetricSecret();
    const pair = await newAsymmetricKeyPair();
    const headers = await signatureHeaders({ id: "msg_m", timestamp: new Date(), body, secrets: [pair.secretKey, secret] });
    expect(headers["webhook-signature"]).toMatch(/^v1a,\S+ v1,\S+$/);
    expect(verifyV1(secret, headers, body)).toBe(true);
    expect(await verifyV1a(pair.publicKey, headers, body)).toBe(true);
    // The HMAC entry is not an Ed25519 signature and the other way round.
    const v1Only = { ...headers, "webhook-signature": headers["webhook-signature"].split(" ")[1] };
    expect(await verifyV1a(pair.publicKey, v1Only, body)).toBe(false);
  });

  it("v1a refuses a timestamp outside the tolerance, in either direction", async () => {
    const pair = await newAsymmetricKeyPair();
    const headers = await signatureHeaders({ id: "msg_old", timestamp: NOW, body, secrets: [pair.secretKey] });
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    expect(await verifyV1a(pair.publicKey, headers, body, { now: at(300) })).toBe(true);
    expect(await verifyV1a(pair.publicKey, headers, body, { now: at(301) })).toBe(false);
    expect(await verifyV1a(pair.publicKey, headers, body, { now: at(-301) })).toBe(false);
    expect(await verifyV1a(pair.publicKey, headers, body, { now: at(3600), toleranceSeconds: 3600 })).toBe(true);
  });

  it("verifiers read a fetch Headers object with names in any case", async () => {
    const secret = newSymmetricSecret();
    const pair = await newAsymmetricKeyPair();
    const signed = await signatureHeaders({ id: "msg_h", timestamp: new Date(), body, secrets: [secret, pair.secretKey] });
    const headers = new Headers({ "Webhook-Id": signed["webhook-id"], "WEBHOOK-TIMESTAMP": signed["webhook-timestamp"], "Webhook-Signature": signed["webhook-signature"] });
    expect(verifyV1(secret, headers, body)).toBe(true);
    expect(await verifyV1a(pair.publicKey, headers, body)).toBe(true);
  });

  it("malformed input makes the verifiers answer false rather than throw", async () => {
    const pair = await newAsymmetricKeyPair();
    const signed = await signatureHeaders({ id: "msg_bad", timestamp: NOW, body, secrets: [pair.secretKey] });
    const verify = (publicKey: string, headers: Record<string, string>) => verifyV1a(publicKey, headers, body, { now: NOW });
    expect(await verify("whpk_not-base64!!", signed)).toBe(false);
    expect(await verify("whpk_AAAA", signed)).toBe(false);
    expect(await verify(pair.secretKey, signed)).toBe(false);
    expect(await verify(pair.publicKey, { ...signed, "webhook-signature": "v1a,%%%" })).toBe(false);
    expect(await verify(pair.publicKey, { ...signed, "webhook-signature": "v1a,AAAA" })).toBe(false);
    expect(await verify(pair.publicKey, { ...signed, "webhook-timestamp": "1.5e9" })).toBe(false);
    expect(await verify(pair.publicKey, { "webhook-id": "msg_bad", "webhook-signature": signed["webhook-signature"] })).toBe(false);
    expect(verifyV1(newSymmetricSecret(), { "webhook-id": "x" }, body)).toBe(false);
  });

  it("refuses to sign with an id containing a dot, a bad timestamp, no secret or an unknown secret format", async () => {
    const secret = newSymmetricSecret();
    await expect(signatureHeaders({ id: "msg.1", timestamp: NOW, body, secrets: [secret] })).rejects.toThrow(/'\.'/);
    await expect(signatureHeaders({ id: "", timestamp: NOW, body, secrets: [secret] })).rejects.toThrow();
    await expect(signatureHeaders({ id: "msg_1", timestamp: 1.5, body, secrets: [secret] })).rejects.toThrow(/whole seconds/);
    await expect(signatureHeaders({ id: "msg_1", timestamp: new Date(Number.NaN), body, secrets: [secret] })).rejects.toThrow(/whole seconds/);
    await expect(signatureHeaders({ id: "msg_1", timestamp: NOW, body, secrets: [] })).rejects.toThrow(/At least one/);
    await expect(signatureHeaders({ id: "msg_1", timestamp: NOW, body, secrets: ["sk_live_123"] })).rejects.toThrow(/whsec_ or whsk_/);
    await expect(signatureHeaders({ id: "msg_1", timestamp: NOW, body, secrets: [RFC8032_PUBLIC_KEY] })).rejects.toThrow(/whsec_ or whsk_/);
  });
});
