/**
 * POST /v1/faces/detect and POST /v1/faces/compare through the Worker's fetch handler, with the real
 * face engine (models in the local R2 MODELS bucket) and the face-api demo photos: sample1 and sample3
 * show the same woman, sample5 someone else.
 */
import { PhotonImage } from "@cf-wasm/photon";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/face/decode";
import { applyOrientation, makeImage } from "../../src/face/image";
import { thresholds } from "../../src/face/manifest";
import { imageOrientation } from "../../src/media/orientation";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant } from "../helpers/identity";
import { flatJpeg, forgedPngHeader, texturedJpeg } from "../helpers/images";
import { sample1, sample3, sample5 } from "../face/fixtures";

let key: Record<string, string>;
let reviewer: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  const tenant = await registerTenant({ tenantName: "Faces" });
  admin = bearer(tenant.accessToken);
  key = apiKeyHeader((await createApiKey(tenant.accessToken, { scopes: ["faces"] })).key);
  reviewer = bearer((await createUserWithRole(tenant.accessToken, "reviewer")).accessToken);
});

const file = (bytes: Uint8Array, name = "image.jpg", type = "image/jpeg") => new File([bytes], name, { type });

function form(parts: Record<string, Uint8Array | string>) {
  const f = new FormData();
  for (const [name, value] of Object.entries(parts)) f.set(name, typeof value === "string" ? value : file(value, `${name}.jpg`));
  return f;
}

const detect = (body: BodyInit, query = "", headers: Record<string, string> = key) =>
  call(`/v1/faces/detect${query}`, { method: "POST", headers, body });
const detectImage = (bytes: Uint8Array, query = "", headers: Record<string, string> = key) => detect(form({ image: bytes }), query, headers);
const compare = (parts: Record<string, Uint8Array | string>, headers: Record<string, string> = key) =>
  call("/v1/faces/compare", { method: "POST", headers, body: form(parts) });

function gradientPng(width = 640, height = 480) {
  const g = makeImage(width, height, (x, y) => [x / 3, y / 2, 128]);
  const png = new PhotonImage(new Uint8Array(g.data.buffer), g.width, g.height);
  try {
    return png.get_bytes();
  } finally {
    png.free();
  }
}

/** A JPEG of `image` with an EXIF APP1 segment (big-endian TIFF) carrying `orientation`, right after SOI. */
function jpegWithOrientation(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }, orientation: number) {
  const photon = new PhotonImage(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height);
  const jpeg = photon.get_bytes_jpeg(90);
  photon.free();
  const app1 = new Uint8Array([
    0xff, 0xe1, 0x00, 0x22, // APP1, length 34
    0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // "MM", 42, IFD0 at 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00, // Orientation, SHORT, 1, value
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}

const elevenMb = () => {
  const b = new Uint8Array(11 * 1024 * 1024);
  b.set(sample1());
  return b;
};

/** Bad images: [what, bytes, status, code]. */
const badImages: [string, () => Uint8Array, number, string][] = [
  ["a non-image (PDF)", () => new TextEncoder().encode("%PDF-1.7\nnot an image at all"), 415, "UNSUPPORTED_MEDIA_TYPE"],
  ["a truncated JPEG", () => sample1().slice(0, 40_000), 422, "IMAGE_INVALID"],
  ["an empty file", () => new Uint8Array(), 422, "IMAGE_INVALID"],
  ["an 11 MB file", elevenMb, 413, "PAYLOAD_TOO_LARGE"],
  ["a PNG whose header claims 20000×20000", () => forgedPngHeader(20000, 20000), 422, "IMAGE_INVALID"],
];

describe("POST /v1/faces/detect", () => {
  it("finds the three faces of sample1 with boxes inside the image; liveness on the dominant face only", async () => {
    const res = await detectImage(sample1());
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    const { width, height, faces, ms } = res.data;
    expect([width, height]).toEqual([1920, 1280]);
    expect(faces).toHaveLength(3);
    for (const f of faces) {
      expect(f.box.x).toBeGreaterThanOrEqual(0);
      expect(f.box.y).toBeGreaterThanOrEqual(0);
      expect(f.box.width).toBeGreaterThan(20);
      expect(f.box.x + f.box.width).toBeLessThanOrEqual(width);
      expect(f.box.y + f.box.height).toBeLessThanOrEqual(height);
      expect(f.score).toBeGreaterThan(0.5);
      expect(f.landmarks5).toHaveLength(5);
      for (const [x, y] of f.landmarks5) {
        expect(x).toBeGreaterThanOrEqual(f.box.x - f.box.width * 0.25);
        expect(x).toBeLessThanOrEqual(f.box.x + f.box.width * 1.25);
        expect(y).toBeGreaterThanOrEqual(f.box.y - f.box.height * 0.25);
        expect(y).toBeLessThanOrEqual(f.box.y + f.box.height * 1.25);
      }
      expect(f.landmarks).toBeUndefined();
      expect(Object.keys(f.pose).sort()).toEqual(["pitch", "roll", "yaw"]);
      expect(f.quality.score).toBeGreaterThan(0);
      expect(f.quality.score).toBeLessThanOrEqual(1);
    }
    // The dominant face is the woman at x≈1459 (see test/face/fixtures.ts).
    expect(faces[0].box.x).toBeGreaterThan(1300);
    expect(faces[0].box.x).toBeLessThan(1600);
    expect(faces[0].liveness).toMatchObject({ live: true, threshold: thresholds.liveness });
    expect(faces[0].liveness.score).toBeGreaterThanOrEqual(thresholds.liveness);
    expect(faces.slice(1).every((f: { liveness: unknown }) => f.liveness === null)).toBe(true);
    expect(Object.keys(ms)).toEqual(["decode", "detect", "landmarks", "align", "liveness", "total"]);
  });

  it("adds the 68 landmarks with ?landmarks=68, skips liveness with ?liveness=false, caps with ?max_faces", async () => {
    const res = await detectImage(sample1(), "?landmarks=68&liveness=false&max_faces=2");
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data.faces).toHaveLength(2);
    for (const f of res.data.faces) {
      expect(f.landmarks).toHaveLength(68);
      expect(f.liveness).toBeNull();
    }
  });

  it("accepts the raw image as the body, and an admin or reviewer user (the console)", async () => {
    const raw = await detect(sample3(), "", { ...reviewer, "Content-Type": "image/jpeg" });
    expect(raw.status, JSON.stringify(raw.data)).toBe(200);
    expect(raw.data.faces.length).toBeGreaterThan(0);
    // sample3's dominant face is the woman at x≈1056.
    expect(Math.abs(raw.data.faces[0].box.x - 1056)).toBeLessThan(150);
    const byAdmin = await detectImage(sample5(), "?liveness=false", admin);
    expect(byAdmin.status, JSON.stringify(byAdmin.data)).toBe(200);
    expect(byAdmin.data.faces.length).toBeGreaterThan(0);
  });

  it("answers 200 with no faces for a gradient and for a flat grey image", async () => {
    for (const bytes of [gradientPng(), flatJpeg()]) {
      const res = await detectImage(bytes);
      expect(res.status, JSON.stringify(res.data)).toBe(200);
      expect(res.data.faces).toEqual([]);
      expect(res.data.width).toBe(640);
    }
  });

  it("applies the EXIF orientation of a JPEG, so a sideways phone photo is analysed upright", async () => {
    const upright = decodeImage(sample3());
    // Orientation 6 = "rotate 90° clockwise to display": store the upright photo rotated the other way.
    const stored = applyOrientation(upright, 8);
    const bytes = jpegWithOrientation(stored, 6);
    expect(imageOrientation(bytes)).toBe(6);
    const direct = await detectImage(sample3(), "?liveness=false");
    const rotated = await detectImage(bytes, "?liveness=false");
    expect(rotated.status, JSON.stringify(rotated.data)).toBe(200);
    expect([rotated.data.width, rotated.data.height]).toEqual([upright.width, upright.height]);
    expect(rotated.data.faces).toHaveLength(direct.data.faces.length);
    const [a, b] = [direct.data.faces[0].box, rotated.data.faces[0].box];
    expect(Math.abs(a.x - b.x)).toBeLessThan(a.width * 0.15);
    expect(Math.abs(a.y - b.y)).toBeLessThan(a.height * 0.15);
  });

  it("reads no orientation from images without EXIF, and none from garbage", () => {
    expect(imageOrientation(sample1())).toBe(1);
    expect(imageOrientation(texturedJpeg())).toBe(1);
    expect(imageOrientation(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]))).toBe(1);
    expect(imageOrientation(new Uint8Array())).toBe(1);
  });

  describe("refuses bad input in the one error shape", () => {
    for (const [what, bytes, status, code] of badImages) {
      it(`${what} as the image part → ${status} ${code}`, async () => {
        const error = expectErrorShape(await detectImage(bytes()), status, code);
        if (status !== 413) expect(error.details.field).toBe("image");
      });
      it(`${what} as the raw body → ${status} ${code}`, async () => {
        const b = bytes();
        // An empty raw body is "no image sent" (400), not an empty image.
        if (b.length === 0) return;
        expectErrorShape(await detect(b, "", { ...key, "Content-Type": "application/octet-stream" }), status, code);
      });
    }

    it("no body at all → 400 VALIDATION_ERROR naming `image`", async () => {
      const error = expectErrorShape(await call("/v1/faces/detect", { method: "POST", headers: key }), 400, "VALIDATION_ERROR");
      expect(error.details.fields.image).toBeTruthy();
    });

    it("a multipart body without the image part → 400 VALIDATION_ERROR", async () => {
      expectErrorShape(await detect(form({ picture: sample1() })), 400, "VALIDATION_ERROR");
    });

    it("an image part that is text, not a file → 400 VALIDATION_ERROR", async () => {
      expectErrorShape(await detect(form({ image: "not a file" })), 400, "VALIDATION_ERROR");
    });

    it("a malformed multipart body → 400 VALIDATION_ERROR", async () => {
      const res = await detect("--nope\r\ngarbage", "", { ...key, "Content-Type": "multipart/form-data; boundary=xyz" });
      expectErrorShape(res, 400, "VALIDATION_ERROR");
    });

    it("a JSON body → 415", async () => {
      expectErrorShape(await call("/v1/faces/detect", { method: "POST", headers: key, json: { image: "aGVsbG8=" } }), 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("invalid query parameters → 400 VALIDATION_ERROR", async () => {
      for (const q of ["?max_faces=0", "?max_faces=abc", "?landmarks=12", "?liveness=maybe"]) {
        const res = await detectImage(texturedJpeg(64, 64), q);
        expect(res.status, q).toBe(400);
        expectErrorShape(res, 400, "VALIDATION_ERROR");
      }
    });
  });
});

describe("POST /v1/faces/compare", () => {
  it("two photos of the same woman → match true", async () => {
    const res = await compare({ a: sample1(), b: sample3() });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data.match).toBe(true);
    expect(res.data.threshold).toBe(thresholds.match);
    expect(res.data.similarity).toBeGreaterThanOrEqual(thresholds.match);
    expect(res.data.similarity).toBeLessThanOrEqual(1);
    expect(res.data.faces_a).toBe(3);
    expect(res.data.faces_b).toBeGreaterThan(0);
    expect(res.data.face_a.box.x).toBeGreaterThan(1300);
    expect(res.data.face_b.box.width).toBeGreaterThan(20);
    expect(res.data.ms.total).toBeGreaterThanOrEqual(0);
  });

  it("photos of two different people → match false", async () => {
    const res = await compare({ a: sample1(), b: sample5() });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data.match).toBe(false);
    expect(res.data.similarity).toBeLessThan(thresholds.match);
  });

  it("the same photo against itself → similarity ≈ 1; works for a reviewer (the console)", async () => {
    const res = await compare({ a: sample5(), b: sample5() }, reviewer);
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data.similarity).toBeGreaterThan(0.99);
    expect(res.data.match).toBe(true);
  });

  it("an image without a face → 422 UNPROCESSABLE with NO_FACE, never a 500", async () => {
    const noFaceB = expectErrorShape(await compare({ a: sample3(), b: gradientPng() }), 422, "UNPROCESSABLE");
    expect(noFaceB.details).toMatchObject({ image: "b", reason: "NO_FACE", faces_b: 0 });
    expect(noFaceB.details.faces_a).toBeGreaterThan(0);
    const noFaceA = expectErrorShape(await compare({ a: flatJpeg(), b: sample3() }), 422, "UNPROCESSABLE");
    expect(noFaceA.details).toMatchObject({ image: "a", reason: "NO_FACE" });
  });

  describe("refuses bad input in the one error shape", () => {
    for (const [what, bytes, status, code] of badImages) {
      for (const part of ["a", "b"] as const) {
        it(`${what} as part ${part} → ${status} ${code}`, async () => {
          const parts = part === "a" ? { a: bytes(), b: sample3() } : { a: sample3(), b: bytes() };
          const error = expectErrorShape(await compare(parts), status, code);
          if (status !== 413) expect(error.details.field).toBe(part);
        });
      }
    }

    it("a missing part → 400 VALIDATION_ERROR naming it", async () => {
      const onlyA = expectErrorShape(await compare({ a: sample3() }), 400, "VALIDATION_ERROR");
      expect(Object.keys(onlyA.details.fields)).toEqual(["b"]);
      const none = expectErrorShape(await compare({ c: sample3() }), 400, "VALIDATION_ERROR");
      expect(Object.keys(none.details.fields).sort()).toEqual(["a", "b"]);
    });

    it("a part that is text, not a file → 400 VALIDATION_ERROR", async () => {
      expectErrorShape(await compare({ a: sample3(), b: "hello" }), 400, "VALIDATION_ERROR");
    });

    it("a body that is not multipart → 415", async () => {
      expectErrorShape(await call("/v1/faces/compare", { method: "POST", headers: key, json: { a: "x", b: "y" } }), 415, "UNSUPPORTED_MEDIA_TYPE");
      expectErrorShape(await call("/v1/faces/compare", { method: "POST", headers: { ...key, "Content-Type": "image/jpeg" }, body: sample1() }), 415, "UNSUPPORTED_MEDIA_TYPE");
    });

    it("a malformed multipart body → 400 VALIDATION_ERROR", async () => {
      const res = await call("/v1/faces/compare", { method: "POST", headers: { ...key, "Content-Type": "multipart/form-data; boundary=xyz" }, body: "garbage" });
      expectErrorShape(res, 400, "VALIDATION_ERROR");
    });
  });
});

describe("OpenAPI", () => {
  it("documents both routes with their multipart bodies and response schemas", async () => {
    const { data } = await call("/openapi.json");
    const detectOp = data.paths["/v1/faces/detect"].post;
    const compareOp = data.paths["/v1/faces/compare"].post;
    expect(detectOp.description).toMatch(/faces: \[\]/);
    expect(Object.keys(detectOp.requestBody.content)).toContain("multipart/form-data");
    expect(detectOp.requestBody.content["multipart/form-data"].schema.properties.image.format).toBe("binary");
    expect(Object.keys(compareOp.requestBody.content["multipart/form-data"].schema.properties).sort()).toEqual(["a", "b"]);
    expect(compareOp.description).toMatch(/NO_FACE/);
    expect(detectOp.responses["200"]).toBeTruthy();
    expect(data.components.schemas.FaceCompareResult.properties.similarity.description).toMatch(/[Cc]osine/);
    expect(data.components.schemas.DetectedFace.properties.liveness).toBeTruthy();
  });
});
