/**
 * The webhook primitives inside workerd, where they run in production: WebCrypto Ed25519 (key generation, PKCS#8
 * import, JWK export, sign, verify), the `standardwebhooks` package (CommonJS, bundled), and the URL parser whose
 * normalisation the SSRF guard relies on.
 */
import { describe, expect, it } from "vitest";
import { newAsymmetricKeyPair, newSymmetricSecret, publicKeyOf, signatureHeaders, verifyV1, verifyV1a } from "../../src/webhooks/signing";
import { checkWebhookUrl } from "../../src/webhooks/ssrf";

const body = '{"type":"verification.completed","data":{"id":"ver_1","status":"verified"}}';

describe("webhook signatures in workerd", () => {
  it("reproduces the spec's v1 vector and the RFC 8032-keyed v1a vector", async () => {
    const vector = { id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: '{"test": 2432232314}' };
    const v1 = await signatureHeaders({ ...vector, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
    expect(v1["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    const secretKey = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2DXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGg==";
    const v1a = await signatureHeaders({ ...vector, secrets: [secretKey] });
    expect(v1a["webhook-signature"]).toBe("v1a,fldxM4gAKugP6nnt1hdz3sgGfZ6d99nzrMFnZOELIxbzEHoVmAb2ADpkJK7zgPePmPsle0zV9jSeGlHFG2NVAw==");
    expect(await publicKeyOf(secretKey)).toBe("whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  });

  it("signs with fresh v1 and v1a secrets side by side; the package verifies v1, the public key verifies v1a", async () => {
    const secret = newSymmetricSecret();
    const pair = await newAsymmetricKeyPair();
    expect(await publicKeyOf(pair.secretKey)).toBe(pair.publicKey);
    const headers = await signatureHeaders({ id: "msg_workerd", timestamp: new Date(), body, secrets: [secret, pair.secretKey] });
    expect(headers["webhook-signature"]).toMatch(/^v1,\S+ v1a,\S+$/);

    expect(verifyV1(secret, headers, body)).toBe(true);
    expect(await verifyV1a(pair.publicKey, headers, body)).toBe(true);
    expect(verifyV1(newSymmetricSecret(), headers, body)).toBe(false);
    expect(await verifyV1a((await newAsymmetricKeyPair()).publicKey, headers, body)).toBe(false);
    expect(verifyV1(secret, headers, `${body} `)).toBe(false);
    expect(await verifyV1a(pair.publicKey, headers, `${body} `)).toBe(false);
  });
});

describe("the SSRF guard in workerd", () => {
  it.each([
    "http://2130706433/",
    "https://0x7f.1/",
    "https://0177.0.0.1/",
    "https://%31%32%37.0.0.1/",
    "https://１２７.０.０.１/",
    "https://[::ffff:127.0.0.1]/",
    "https://[64:ff9b::10.0.0.1]/",
    "https://[fd00:ec2::254]/",
    "https://169.254.169.254/",
    "https://localhost./",
  ])("workerd's URL parser normalises %s so the guard refuses it", (url) => {
    expect(checkWebhookUrl(url, { allowLocalhost: false }).ok).toBe(false);
  });

  it("allows a public https URL, and a local receiver only with the development exception", () => {
    expect(checkWebhookUrl("https://example.com/hook", { allowLocalhost: false }).ok).toBe(true);
    expect(checkWebhookUrl("http://127.0.0.1:9/x", { allowLocalhost: true }).ok).toBe(true);
    expect(checkWebhookUrl("http://127.0.0.1:9/x", { allowLocalhost: false }).ok).toBe(false);
  });
});
