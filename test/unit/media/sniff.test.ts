import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { sniffImage } from "../../../src/media/sniff";

const sample = new Uint8Array(readFileSync("node_modules/@vladmandic/face-api/demo/sample1.jpg"));

function crc32(buf: Uint8Array) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
function chunk(type: string, data: Uint8Array) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
/** A real PNG; `claimed` overrides the IHDR size to forge a decompression bomb header. */
export function makePng(width: number, height: number, claimed?: { width: number; height: number }) {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, claimed?.width ?? width);
  v.setUint32(4, claimed?.height ?? height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = new Uint8Array((width * 3 + 1) * height);
  const idat = deflateSync(raw);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new Uint8Array())];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe("sniffImage", () => {
  it("reads a real JPEG's type and size from its header", () => {
    const r = sniffImage(sample);
    expect(r).toMatchObject({ ok: true, type: "image/jpeg" });
    if (r.ok) expect(r.width * r.height).toBeGreaterThan(100_000);
  });

  it("refuses a JPEG cut short, wherever it is cut", () => {
    for (const keep of [0.05, 0.5, 0.99]) {
      const r = sniffImage(sample.subarray(0, Math.floor(sample.length * keep)));
      expect(r, `kept ${keep}`).toMatchObject({ ok: false, reason: "TRUNCATED" });
    }
  });

  it("accepts a JPEG followed by any amount of padding after its end-of-image marker, as decoders do", () => {
    for (const [what, pad] of [
      ["26 KB of spaces", new Uint8Array(26 * 1024).fill(0x20)],
      ["1 MB of zeros", new Uint8Array(1024 * 1024)],
      ["bytes that look like markers", Uint8Array.from({ length: 8192 }, (_, i) => (i % 2 ? 0xd8 : 0xff))],
    ] as const) {
      const padded = new Uint8Array(sample.length + pad.length);
      padded.set(sample);
      padded.set(pad, sample.length);
      expect(sniffImage(padded), what).toMatchObject({ ok: true, type: "image/jpeg" });
    }
  });

  it("refuses a JPEG cut just before its end-of-image marker, even when padding follows the cut", () => {
    const eoi = sample.length - 2;
    expect(sample[eoi]).toBe(0xff);
    expect(sample[eoi + 1]).toBe(0xd9);
    expect(sniffImage(sample.subarray(0, eoi))).toMatchObject({ ok: false, reason: "TRUNCATED" });
    const cutThenPadded = new Uint8Array(eoi - 1000 + 26 * 1024).fill(0x20);
    cutThenPadded.set(sample.subarray(0, eoi - 1000));
    expect(sniffImage(cutThenPadded)).toMatchObject({ ok: false, reason: "TRUNCATED" });
  });

  it("reads PNG dimensions and sees a forged 20000×20000 header before decoding", () => {
    expect(sniffImage(makePng(4, 3))).toEqual({ ok: true, type: "image/png", width: 4, height: 3 });
    expect(sniffImage(makePng(4, 3, { width: 20000, height: 20000 }))).toMatchObject({ ok: true, width: 20000, height: 20000 });
  });

  it("refuses a PNG without its end chunk", () => {
    const png = makePng(8, 8);
    expect(sniffImage(png.subarray(0, png.length - 12))).toMatchObject({ ok: false, reason: "TRUNCATED" });
  });

  it("refuses empty files and non-images whatever their name", () => {
    expect(sniffImage(new Uint8Array())).toMatchObject({ ok: false, reason: "EMPTY" });
    expect(sniffImage(new TextEncoder().encode("%PDF-1.7 hello"))).toMatchObject({ ok: false, reason: "UNSUPPORTED_TYPE" });
    expect(sniffImage(new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toMatchObject({ ok: false, reason: "UNSUPPORTED_TYPE" });
  });

  it("reads a lossless WebP header", () => {
    // RIFF....WEBPVP8L with a 0x2f signature and 14-bit (w-1),(h-1) fields: 640×480.
    const b = new Uint8Array(40);
    b.set(new TextEncoder().encode("RIFF"), 0);
    new DataView(b.buffer).setUint32(4, 32, true);
    b.set(new TextEncoder().encode("WEBPVP8L"), 8);
    new DataView(b.buffer).setUint32(16, 20, true);
    b[20] = 0x2f;
    const bits = (640 - 1) | ((480 - 1) << 14);
    new DataView(b.buffer).setUint32(21, bits, true);
    expect(sniffImage(b)).toEqual({ ok: true, type: "image/webp", width: 640, height: 480 });
  });
});
