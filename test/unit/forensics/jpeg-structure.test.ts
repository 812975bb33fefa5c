import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { JpegFormatError, readJpegStructure } from "../../../src/imaging/jpeg/structure";

const SAMPLE = "node_modules/@vladmandic/face-api/demo/sample4.jpg";

/** Offset of the first segment with this marker. */
function find(bytes: Uint8Array, marker: number): number {
  const s = readJpegStructure(bytes).segments.find((segment) => segment.marker === marker);
  if (!s) throw new Error(`marker ${marker.toString(16)} not found`);
  return s.offset;
}

const insert = (bytes: Uint8Array, at: number, extra: number[]) => Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
const comment = [0xff, 0xfe, 0x00, 0x06, 0x68, 0x69, 0x21, 0x21];

describe("readJpegStructure", () => {
  let baseline: Uint8Array;
  let progressive: Uint8Array;
  beforeAll(async () => {
    baseline = new Uint8Array(await sharp(SAMPLE).resize(123, 77).jpeg({ quality: 80 }).toBuffer());
    progressive = new Uint8Array(await sharp(SAMPLE).resize(123, 77).toColourspace("b-w").jpeg({ quality: 80, progressive: true }).toBuffer());
  });

  it("reads frame, components, natural-order tables and segment order of a clean baseline file", () => {
    const s = readJpegStructure(baseline);
    expect(s).toMatchObject({ width: 123, height: 77, progressive: false, arithmetic: false, restartInterval: 0, trailingBytes: 0 });
    expect(s.components.map((c) => [c.h, c.v])).toEqual([[2, 2], [1, 1], [1, 1]]);
    // Annex K at quality 80: natural [0][1] is 11 * 0.4 = 4.4 → 4, [1][0] is 12 * 0.4 → 5.
    expect(s.qtables[0]![1]).toBe(4);
    expect(s.qtables[0]![8]).toBe(5);
    expect(s.segments[0].marker).toBe(0xd8);
    expect(s.segments.at(-1)!.marker).toBe(0xd9);
    const order = s.segments.map((segment) => segment.marker);
    expect(order.indexOf(0xdb)).toBeLessThan(order.indexOf(0xc0));
    expect(order.indexOf(0xc0)).toBeLessThan(order.indexOf(0xda));
    expect(s.anomalies).toEqual([]);
  });

  it("flags a progressive file without calling its between-scan tables an anomaly", () => {
    const s = readJpegStructure(progressive);
    expect(s.progressive).toBe(true);
    expect(s.components).toHaveLength(1);
    expect(s.segments.filter((segment) => segment.marker === 0xda).length).toBeGreaterThan(1);
    expect(s.anomalies).toEqual([]);
  });

  it("reports APPn after the tables, tables redefined between scans, extra SOF, unknown markers", () => {
    const app = [0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00];
    const withLateApp = insert(baseline, find(baseline, 0xda), app);
    expect(readJpegStructure(withLateApp).anomalies).toContain("APP1 after DQT/SOF");

    const eoi = find(baseline, 0xd9);
    const dqt = find(baseline, 0xdb);
    const dqtLength = (baseline[dqt + 2] << 8) | baseline[dqt + 3];
    const sos = find(baseline, 0xda);
    const secondScan = [...baseline.subarray(dqt, dqt + 2 + dqtLength), ...baseline.subarray(sos, eoi)];
    expect(readJpegStructure(insert(baseline, eoi, secondScan)).anomalies).toContain("DQT redefined between scans");

    const sof = find(baseline, 0xc0);
    const sofLength = (baseline[sof + 2] << 8) | baseline[sof + 3];
    expect(readJpegStructure(insert(baseline, sos, [...baseline.subarray(sof, sof + 2 + sofLength)])).anomalies).toContain("multiple SOF");

    expect(readJpegStructure(insert(baseline, sos, [0xff, 0xf5, 0x00, 0x04, 0x00, 0x00])).anomalies).toContain("unknown marker 0xf5");
    expect(readJpegStructure(insert(baseline, sos, comment)).anomalies).toEqual([]);
  });

  it("reports JFIF and EXIF together, and EXIF behind another APP segment", async () => {
    const withExif = new Uint8Array(await sharp(SAMPLE).resize(40, 30).withMetadata().jpeg().toBuffer());
    const kinds = readJpegStructure(withExif).segments.filter((s) => s.marker >= 0xe0 && s.marker <= 0xef).map((s) => s.marker);
    expect(kinds).toContain(0xe1);
    const exifFirst = readJpegStructure(withExif).anomalies;
    const jfif = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
    const both = readJpegStructure(insert(withExif, 2, jfif)).anomalies;
    expect(both).toContain("JFIF and EXIF both present");
    const app2 = [0xff, 0xe2, 0x00, 0x04, 0x00, 0x00];
    const exifLater = readJpegStructure(insert(withExif.slice(), 2, app2)).anomalies;
    expect(exifLater.some((a) => a === "EXIF not the first APP segment" || a === "JFIF and EXIF both present")).toBe(true);
    expect(exifFirst).not.toContain("EXIF not the first APP segment");
  });

  it("counts bytes after EOI and notices a missing EOI", () => {
    const trailing = Uint8Array.from([...baseline, 1, 2, 3, 4, 5]);
    const s = readJpegStructure(trailing);
    expect(s.trailingBytes).toBe(5);
    expect(s.anomalies).toContain("5 bytes after EOI");
    expect(readJpegStructure(baseline.subarray(0, baseline.length - 2)).anomalies).toContain("missing EOI");
  });

  it("throws JpegFormatError (never RangeError, never hangs) on truncated, zeroed, random and PNG bytes", async () => {
    const png = new Uint8Array(await sharp(SAMPLE).resize(20, 20).png().toBuffer());
    let seed = 3;
    const random = new Uint8Array(100_000).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255);
    const soiThenRandom = random.slice();
    soiThenRandom.set([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x02]);
    const cases = [baseline.subarray(0, 100), baseline.subarray(0, 3), new Uint8Array(10_000), random, soiThenRandom, png, insert(baseline, 2, [0xff, 0xe0, 0x00, 0x00])];
    const started = performance.now();
    for (const bytes of cases) expect(() => readJpegStructure(bytes)).toThrow(JpegFormatError);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
