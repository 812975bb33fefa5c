/**
 * Provenance of our own captures (issue 14): the hosted page draws every capture on a canvas and encodes it itself, so
 * its files carry no camera EXIF and, for a picked photo, a second JPEG compression. Those two traces are ours: on a
 * `hosted_capture` file the `jpeg` layer reports a double compression without counting it and the `exif` layer says why
 * EXIF is missing, while every other trace still counts (an editor's quantisation tables on a file that claims to come
 * from our page is a file our page never wrote). The same bytes uploaded through the API keep their full weight.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PhotonImage } from "@cf-wasm/photon";
import { beforeAll, describe, expect, it } from "vitest";
import { photograph, randomHolder, renderDocument, SPLITS, tamper } from "../../../scripts/docgen/index.mjs";
import { exifLayer } from "../../../src/pipeline/layers/exif";
import { JpegEvidence, jpegLayer } from "../../../src/pipeline/layers/jpeg";
import { decodeOnce } from "../../../src/pipeline/images";
import type { LayerContext, MediaInput, PipelineInputs } from "../../../src/pipeline/types";

const root = path.resolve(__dirname, "../../..");
const demo = (n: number) => new Uint8Array(readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));

function inputsFor(bytes: Uint8Array, source: MediaInput["source"]): PipelineInputs {
  return {
    verificationId: "v",
    tenantId: "t",
    declared: { firstName: "A", lastName: "B", dateOfBirth: "1990-01-01", country: null, documentType: "id_card", documentNumber: null, documentIssuingCountry: null, documentExpiry: null, mrz: null },
    media: [{ kind: "document_front", bytes, contentType: "image/jpeg", sha256: `${source}:${bytes.length}`, source }],
    request: { country: null, ip: null },
  };
}

const ctx = (): LayerContext => ({ clock: () => performance.now(), today: "2026-12-03", images: decodeOnce() });

let resaved: Uint8Array;
let edited: Uint8Array;
let canvasLike: Uint8Array;

beforeAll(async () => {
  const seed = 33;
  const flat = await renderDocument({ kind: "td1", holder: randomHolder(seed), face: demo(1), layout: "blue-left", fonts: SPLITS.tuning.fonts, seed });
  const photo = await photograph(flat, { seed, width: 1600, quality: 85, tables: "ijg" });
  resaved = (await tamper(photo, { type: "double_compression", seed, split: "tuning" })).bytes;
  edited = (await tamper(photo, { type: "editor_resave", seed, split: "tuning" })).bytes;
  // What a canvas writes: a plain JFIF without any EXIF.
  const image = PhotonImage.new_from_byteslice(photo.bytes);
  canvasLike = image.get_bytes_jpeg(92);
  image.free();
}, 60_000);

describe("a double-compressed document", () => {
  it("through the API: JPEG_DOUBLE_COMPRESSED is a warning and counts (risk ≥ 40)", async () => {
    const result = await jpegLayer(new JpegEvidence()).run(inputsFor(resaved, "api"), ctx());
    const found = result.findings.find((f) => f.code === "JPEG_DOUBLE_COMPRESSED");
    expect(found?.severity).toBe("warning");
    expect(result.status).toBe("warning");
    expect(result.score).toBeGreaterThanOrEqual(40);
  });

  it("captured by the hosted page: reported as info, marked not counted, and the layer passes with no risk from it", async () => {
    const result = await jpegLayer(new JpegEvidence()).run(inputsFor(resaved, "hosted_capture"), ctx());
    const found = result.findings.find((f) => f.code === "JPEG_DOUBLE_COMPRESSED");
    expect(found).toMatchObject({ severity: "info", data: { not_counted: "hosted_capture" } });
    expect(found?.message).toMatch(/capture page/);
    expect(result.status).toBe("passed");
    expect(result.score).toBeLessThan(40);
  });

  it("a tenant's app with the client secret (applicant_app) gets no discount: its encoder is not ours", async () => {
    const result = await jpegLayer(new JpegEvidence()).run(inputsFor(resaved, "applicant_app"), ctx());
    expect(result.findings.find((f) => f.code === "JPEG_DOUBLE_COMPRESSED")?.severity).toBe("warning");
    expect(result.score).toBeGreaterThanOrEqual(40);
  });
});

describe("other traces still count on a hosted capture", () => {
  it("an editor's quantisation tables are a warning with their full risk (our page never writes them)", async () => {
    const result = await jpegLayer(new JpegEvidence()).run(inputsFor(edited, "hosted_capture"), ctx());
    expect(result.findings.find((f) => f.code === "JPEG_EDITOR_TABLES")?.severity).toBe("warning");
    expect(result.score).toBeGreaterThanOrEqual(60);
  });
});

describe("missing EXIF", () => {
  it("is explained as our page's encoding on a hosted capture, and stays no risk either way", async () => {
    const ours = await exifLayer.run(inputsFor(canvasLike, "hosted_capture"), ctx());
    const theirs = await exifLayer.run(inputsFor(canvasLike, "api"), ctx());
    const missingOurs = ours.findings.find((f) => f.code === "EXIF_MISSING");
    const missingTheirs = theirs.findings.find((f) => f.code === "EXIF_MISSING");
    expect(missingOurs).toMatchObject({ severity: "info", data: { not_counted: "hosted_capture" } });
    expect(missingOurs?.message).toMatch(/hosted page/);
    expect(missingTheirs?.message).not.toMatch(/hosted page/);
    expect(ours.score).toBe(0);
    expect(theirs.score).toBe(0);
  });
});
