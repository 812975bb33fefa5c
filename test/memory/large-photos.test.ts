/**
 * Phone-sized photos inside workerd with the Images binding Miniflare simulates (sharp): they are shrunk outside
 * the pipeline's decoder and reach the same decision as small versions of the same photos; a failure of ours is
 * never reported as the applicant's unreadable image. The memory figures themselves come from an instrumented
 * run over the V8 inspector (test/unit/memory-budget.test.ts, `npm run bench -- memory`).
 */
import { PhotonImage, SamplingFilter, resize } from "@cf-wasm/photon";
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { imagesBindingResizer } from "../../src/adapters/images";
import { ANALYSIS_MAX_PIXELS, ANALYSIS_MAX_SIDE } from "../../src/face/decode";
import type { ImageResizer } from "../../src/face/resizer";
import { decodeOnce } from "../../src/pipeline/images";
import type { MediaInput } from "../../src/pipeline/types";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { documentPortrait, selfiePortrait } from "../helpers/portraits";
import { call } from "../helpers/http";
import { createVerification, upload, waitForFinal } from "../helpers/verifications";

/** The photo enlarged `factor` times (photon, in this test's isolate, where memory is not limited). */
function enlarge(bytes: Uint8Array, factor: number): Uint8Array {
  const img = PhotonImage.new_from_byteslice(bytes);
  const big = resize(img, Math.round(img.get_width() * factor), Math.round(img.get_height() * factor), SamplingFilter.Triangle);
  try {
    return big.get_bytes_jpeg(90);
  } finally {
    big.free();
    img.free();
  }
}

const media = (kind: MediaInput["kind"], bytes: Uint8Array, sha256: string): MediaInput => ({ kind, bytes, contentType: "image/jpeg", sha256 });

let key: Record<string, string>;
beforeAll(async () => {
  const tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

async function verify(document: Uint8Array, selfie: Uint8Array) {
  const { id } = await createVerification(key);
  expect((await upload(key, id, "document_front", document)).status).toBe(201);
  expect((await upload(key, id, "selfie", selfie)).status).toBe(201);
  expect((await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: key })).status).toBe(202);
  return waitForFinal(key, id, 90_000);
}

describe("phone-sized photos", () => {
  it("a ~11 MP document and selfie reach the same decision and layer outcomes as their ~2 MP versions", async () => {
    // 500×580 and 550×660 portraits: ×6 ≈ 3000×3480 (10.4 MP), ×5.5 ≈ 3025×3630 (11 MP); ×2.5 ≈ 2 MP.
    const large = await verify(enlarge(documentPortrait(), 6), enlarge(selfiePortrait(), 5.5));
    const small = await verify(enlarge(documentPortrait(), 2.5), enlarge(selfiePortrait(), 2.5));
    expect(large.status).toBe("verified");
    expect(large.status).toBe(small.status);
    expect(large.reasons).toEqual(small.reasons);
    for (const layer of ["intake", "face", "liveness", "duplicates"]) expect(large.layers[layer].status).toBe(small.layers[layer].status);
    // Intake reports the upload's own size, though it analysed a shrunk copy.
    const measures = large.layers.intake.findings.find((f: { code: string }) => f.code === "IMAGES_OK").data;
    expect([measures.document_front.width, measures.document_front.height]).toEqual([3000, 3480]);
  });

  it("the Images binding shrinks a 12 MP photo to the analysis size, within the pixel budget", async () => {
    const big = enlarge(selfiePortrait(), 5.5);
    const r = await imagesBindingResizer(env.IMAGES).resize(big, ANALYSIS_MAX_SIDE, ANALYSIS_MAX_PIXELS);
    expect([r.sourceWidth, r.sourceHeight]).toEqual([3025, 3630]);
    expect(Math.max(r.width, r.height)).toBeLessThanOrEqual(ANALYSIS_MAX_SIDE);
    expect(r.width * r.height).toBeLessThanOrEqual(ANALYSIS_MAX_PIXELS * 1.01);
    expect(r.bytes.byteLength).toBeLessThan(big.byteLength / 4);
  });

  it("frees a decoded image as soon as it leaves the run's cache, not at the next garbage collection", async () => {
    const images = decodeOnce(imagesBindingResizer(env.IMAGES));
    let first: Uint8Array | Uint8ClampedArray | undefined;
    await images.use(media("document_front", documentPortrait(), "a"), (img) => {
      first = img!.image.data;
      expect(first.byteLength).toBeGreaterThan(0);
    });
    await images.use(media("selfie", selfiePortrait(), "b"), (img) => expect(img).not.toBeNull());
    expect(first!.byteLength).toBe(0); // detached: its memory is back
  });
});

describe("whose fault a failed decode is", () => {
  it("bytes no decoder reads are the applicant's: null (→ IMAGE_UNREADABLE)", async () => {
    const junk = crypto.getRandomValues(new Uint8Array(4096));
    const truncated = texturedJpeg(800, 600).slice(0, 3000);
    const images = decodeOnce(imagesBindingResizer(env.IMAGES));
    expect(await images.use(media("document_front", junk, "junk"), (img) => img)).toBeNull();
    expect(await images.use(media("selfie", truncated, "trunc"), (img) => img)).toBeNull();
  });

  it("a failing Images binding or an out-of-memory decode is ours: it throws (the job retries, then PROCESSING_FAILED)", async () => {
    const photo = media("selfie", enlarge(selfiePortrait(), 3), "big");
    let calls = 0;
    const flaky: ImageResizer = {
      name: "flaky",
      resize: (bytes, side, pixels) => (++calls === 1 ? Promise.reject(new Error("images service unavailable")) : imagesBindingResizer(env.IMAGES).resize(bytes, side, pixels)),
    };
    const images = decodeOnce(flaky);
    await expect(images.use(photo, (img) => img)).rejects.toThrow("images service unavailable");
    // Not remembered as unreadable: the next layer (or the retried job) decodes it.
    expect(await images.use(photo, (img) => img?.sourceWidth)).toBe(1650);

    // A well-formed JPEG (type, header, scan and end all there) that the decoder still fails on, as when it runs out
    // of memory: its Huffman tables are renamed away.
    const wellFormed = texturedJpeg(800, 600).slice();
    for (let i = 2; i < wellFormed.length - 1 && !(wellFormed[i] === 0xff && wellFormed[i + 1] === 0xda); i++) {
      if (wellFormed[i] === 0xff && wellFormed[i + 1] === 0xc4) wellFormed[i + 1] = 0xe5;
    }
    const broken: ImageResizer = { name: "broken", resize: async () => ({ bytes: wellFormed, width: 800, height: 600, sourceWidth: 2400, sourceHeight: 1800, upright: false }) };
    await expect(decodeOnce(broken).use(photo, (img) => img)).rejects.toMatchObject({ code: "DECODE_FAILED" });
  });
});
