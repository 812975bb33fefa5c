/**
 * The image-resizer port's pure twin (photon) and the size rule every resizer follows, and whose fault a failed
 * decode is: the decode path the pipeline and the faces API share, in Node.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PhotonImage } from "@cf-wasm/photon";
import { ANALYSIS_MAX_PIXELS, ANALYSIS_MAX_SIDE, decodeBounded } from "../../../src/face/decode";
import { fitInside, photonResizer } from "../../../src/face/resizer";
import { decodeUpload } from "../../../src/pipeline/images";

const root = path.resolve(__dirname, "../../..");
const sample = async (n: number) => new Uint8Array(await readFile(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));

describe("fitInside", () => {
  it("bounds the longest side and the pixel count, keeps the aspect, and never enlarges", () => {
    expect(fitInside(4032, 3024, 1600, 1600 * 1200)).toEqual({ width: 1600, height: 1200 });
    expect(fitInside(3024, 4032, 1600, 1600 * 1200)).toEqual({ width: 1200, height: 1600 });
    const square = fitInside(4096, 4096, 1600, 1600 * 1200);
    expect(square.width).toBe(square.height);
    expect(square.width * square.height).toBeLessThanOrEqual(1600 * 1200 * 1.002);
    expect(fitInside(800, 600, 1600, 1600 * 1200)).toEqual({ width: 800, height: 600 });
  });
});

describe("photon resizer (the twin of the Images binding adapter)", () => {
  it("shrinks a photo to the analysis size and reports both sizes; a small one comes back unchanged", async () => {
    const bytes = await sample(1); // 1920×1280
    const r = await photonResizer().resize(bytes, 960, ANALYSIS_MAX_PIXELS);
    expect([r.width, r.height, r.sourceWidth, r.sourceHeight]).toEqual([960, 640, 1920, 1280]);
    const img = PhotonImage.new_from_byteslice(r.bytes);
    expect([img.get_width(), img.get_height()]).toEqual([960, 640]);
    img.free();
    const same = await photonResizer().resize(bytes, 4000, ANALYSIS_MAX_PIXELS * 4);
    expect(same.bytes).toBe(bytes);
  });

  it("refuses bytes that are not an image as IMAGE_UNDECODABLE", async () => {
    await expect(photonResizer().resize(new Uint8Array(2000).fill(7), ANALYSIS_MAX_SIDE)).rejects.toMatchObject({ code: "IMAGE_UNDECODABLE" });
  });
});

describe("whose fault a failed decode is", () => {
  it("junk or a truncated file is the upload's (IMAGE_UNDECODABLE); a well-formed JPEG the decoder fails on is ours (DECODE_FAILED)", async () => {
    const photo = await sample(3);
    expect(() => decodeBounded(new Uint8Array(2000).fill(7))).toThrow(expect.objectContaining({ code: "IMAGE_UNDECODABLE" }));
    expect(() => decodeBounded(photo.slice(0, photo.length / 2))).toThrow(expect.objectContaining({ code: "IMAGE_UNDECODABLE" }));
    // Same segments, scan and end, but the Huffman tables renamed away: every header check passes, decoding fails.
    const wellFormed = photo.slice();
    for (let i = 2; i < wellFormed.length - 1 && !(wellFormed[i] === 0xff && wellFormed[i + 1] === 0xda); i++) {
      if (wellFormed[i] === 0xff && wellFormed[i + 1] === 0xc4) wellFormed[i + 1] = 0xe5;
    }
    expect(() => decodeBounded(wellFormed)).toThrow(expect.objectContaining({ code: "DECODE_FAILED" }));
  });

  it("decodeUpload through the twin gives pixels within the analysis size and the scale back to the source", async () => {
    const d = await decodeUpload(await sample(1), photonResizer(), 960);
    expect([d.image.width, d.image.height, d.sourceWidth, d.sourceHeight]).toEqual([960, 640, 1920, 1280]);
    expect(d.scale).toBeCloseTo(0.5, 5);
  });
});
