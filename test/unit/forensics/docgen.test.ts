/**
 * The synthetic document generator (scripts/docgen): its JPEG encoder writes the tables it is given and decodes
 * cleanly, its MRZs are valid ICAO 9303, its phone photos carry camera EXIF with a thumbnail, its forgeries change
 * pixels only inside the box they report, and a set is byte-identical for a seed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ExifReader from "exifreader";
import { parse } from "mrz";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PHOTOSHOP_SOFTWARE,
  PHOTOSHOP_TABLES,
  SPLITS,
  TAMPER_TYPES,
  cameraTables,
  documentSet,
  encodeJpeg,
  ijgTables,
  listSegments,
  photograph,
  randomHolder,
  readQuantTables,
  renderDocument,
  tamper,
  td1Lines,
  td3Lines,
  buildExifSegment,
  buildJfifSegment,
  buildXmpSegment,
  type Box,
  type DocumentSetItem,
  type Photo,
  type TamperType,
} from "../../../scripts/docgen/index.mjs";
import { PHOTOSHOP_TABLES as SHARED_PHOTOSHOP_TABLES, IJG_CHROMA, IJG_LUMA, ijgTable } from "../../../src/imaging/jpeg/tables";

const root = path.resolve(__dirname, "../../..");
const demo = (n: number) => new Uint8Array(readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));

async function decode(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

function exifTags(bytes: Uint8Array) {
  return ExifReader.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
}

function inside(box: Box, x: number, y: number) {
  return x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
}

/** Mean absolute difference per channel, inside and outside a box. */
function diffByRegion(a: Uint8Array, b: Uint8Array, width: number, box: Box | null) {
  let inSum = 0, inCount = 0, outSum = 0, outCount = 0;
  for (let p = 0; p < a.length / 3; p++) {
    const d = Math.abs(a[p * 3] - b[p * 3]) + Math.abs(a[p * 3 + 1] - b[p * 3 + 1]) + Math.abs(a[p * 3 + 2] - b[p * 3 + 2]);
    if (box && inside(box, p % width, Math.floor(p / width))) {
      inSum += d;
      inCount += 3;
    } else {
      outSum += d;
      outCount += 3;
    }
  }
  return { inside: inCount ? inSum / inCount : 0, outside: outSum / outCount };
}

/** Point-in-convex-quad with a tolerance in pixels. */
function inQuad(quad: [number, number][], x: number, y: number, tolerance = 2) {
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = quad[i];
    const [bx, by] = quad[(i + 1) % 4];
    const length = Math.hypot(bx - ax, by - ay);
    if (((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / length < -tolerance) return false;
  }
  return true;
}

describe("jpeg encoder", () => {
  it("writes exactly the quantisation tables it is given and decodes close to the source", async () => {
    const { data, info } = await sharp(demo(1)).resize(320, 213).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
    // Arbitrary, non-IJG tables: a ramp and a constant.
    const luma = Array.from({ length: 64 }, (_, i) => 1 + (i % 8) + Math.floor(i / 8));
    const chroma = Array.from({ length: 64 }, () => 7);
    for (const subsampling of ["4:2:0", "4:4:4"] as const) {
      const jpeg = encodeJpeg({ width: info.width, height: info.height, channels: 3, data: pixels }, { luma, chroma, subsampling });
      const tables = readQuantTables(jpeg);
      expect(tables.get(0)).toEqual(luma);
      expect(tables.get(1)).toEqual(chroma);
      const decoded = await decode(jpeg);
      expect([decoded.width, decoded.height]).toEqual([info.width, info.height]);
      const meta = await sharp(jpeg).metadata();
      expect(meta.chromaSubsampling).toBe(subsampling);
      expect(diffByRegion(decoded.data, pixels, info.width, null).outside).toBeLessThan(subsampling === "4:2:0" ? 2.5 : 1.5);
    }
  });

  it("encodes odd sizes and RGBA input (edge MCUs replicate the last row and column)", async () => {
    const width = 37, height = 23;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([(i * 7) % 256, 128, 255 - ((i * 3) % 256), 255], i * 4);
    const jpeg = encodeJpeg({ width, height, channels: 4, data: rgba }, ijgTables(95));
    const decoded = await decode(jpeg);
    expect([decoded.width, decoded.height]).toEqual([width, height]);
  });

  it("puts a JFIF APP0 first and the Exif APP1 right after it, whatever order the caller gives", () => {
    const exif = buildExifSegment({ make: "Google", model: "Pixel 7", dateTime: "2025:01:02 03:04:05", width: 16, height: 16 });
    const xmp = buildXmpSegment({ creatorTool: PHOTOSHOP_SOFTWARE, modifyDate: "2025-01-03T00:00:00" });
    const jpeg = encodeJpeg({ width: 16, height: 16, channels: 3, data: new Uint8Array(16 * 16 * 3) }, { ...ijgTables(90), segments: [xmp, exif, buildJfifSegment()] });
    const segments = listSegments(jpeg);
    expect(segments.slice(0, 3).map((s) => s.marker)).toEqual([0xe0, 0xe1, 0xe1]);
    expect(new TextDecoder().decode(segments[1].data.subarray(0, 4))).toBe("Exif");
    expect(new TextDecoder().decode(segments[2].data.subarray(0, 28))).toBe("http://ns.adobe.com/xap/1.0/");
  });

  it("scales Annex K like libjpeg and keeps the Photoshop tables identical to src/imaging/jpeg/tables.ts", () => {
    for (const quality of [10, 50, 75, 86, 90, 94, 100]) {
      expect(ijgTables(quality).luma).toEqual(Array.from(ijgTable(IJG_LUMA, quality)));
      expect(ijgTables(quality).chroma).toEqual(Array.from(ijgTable(IJG_CHROMA, quality)));
    }
    expect(PHOTOSHOP_TABLES.map((t) => [t.quality, t.scale, t.luma, t.chroma])).toEqual(
      SHARED_PHOTOSHOP_TABLES.map((t) => [t.quality, t.scale, Array.from(t.luma), Array.from(t.chroma)]),
    );
    // The vendor tables are not IJG tables at any quality, so a detector cannot call every camera "libjpeg".
    const vendor = cameraTables("vendor-flat", 90).luma;
    expect(Array.from({ length: 100 }, (_, q) => Array.from(ijgTable(IJG_LUMA, q + 1))).some((t) => t.every((v, i) => v === vendor[i]))).toBe(false);
  });
});

describe("MRZ", () => {
  it("produces valid TD1 and TD3 zones (check digits, composite) for many holders", () => {
    for (let seed = 0; seed < 150; seed++) {
      const holder = randomHolder(seed);
      const td1 = parse(td1Lines(holder));
      const td3 = parse(td3Lines(holder));
      expect(td1.valid, td1Lines(holder).join("\n")).toBe(true);
      expect(td3.valid, td3Lines(holder).join("\n")).toBe(true);
      expect(td1.fields.documentNumber).toBe(holder.documentNumber);
      expect(td3.fields.birthDate).toBe(holder.birthDate.slice(2).replace(/-/g, ""));
    }
  });
});

describe("rendered document and phone photo", () => {
  let photo: Photo;
  beforeAll(async () => {
    const flat = await renderDocument({ kind: "td1", holder: randomHolder(11), face: demo(1), layout: "blue-left", fonts: SPLITS.tuning.fonts, seed: 11 });
    photo = await photograph(flat, { seed: 11, width: 1200, quality: 90, tables: "ijg", gps: true, glare: true });
  }, 20_000);

  it("renders the ID-1 card with the MRZ of its holder, 3 × 30", async () => {
    const flat = await renderDocument({ kind: "td3", holder: randomHolder(12), face: demo(2), layout: "sand-left", fonts: SPLITS.heldout.fonts, seed: 12 });
    expect(flat.width / flat.height).toBeCloseTo(125 / 88, 2);
    expect(flat.mrz).toHaveLength(2);
    expect(parse(flat.mrz).valid).toBe(true);
    expect(photo.truth.mrz).toHaveLength(3);
    expect(photo.truth.width / 1200).toBe(1);
    expect(parse(photo.truth.mrz).valid).toBe(true);
  });

  it("writes camera EXIF that exifreader reads: make, model, capture date, GPS and a 160×120 thumbnail", async () => {
    const tags = exifTags(photo.bytes);
    expect(tags.Make?.description).toBe(photo.truth.camera.make);
    expect(tags.Model?.description).toBe(photo.truth.camera.model);
    expect(tags.DateTimeOriginal?.description).toBe(photo.truth.exif.dateTime);
    expect(tags.Orientation?.value).toBe(1);
    expect(tags.Software).toBeUndefined();
    expect(Number(tags.GPSLatitude?.description)).toBeCloseTo(photo.truth.exif.gps!.latitude, 3);
    const thumbnail = tags.Thumbnail?.image as ArrayBuffer | undefined;
    expect(thumbnail).toBeDefined();
    const thumbMeta = await sharp(new Uint8Array(thumbnail!)).metadata();
    expect([thumbMeta.width, thumbMeta.height]).toEqual([160, 120]);
    expect(listSegments(photo.bytes)[0].marker).toBe(0xe1);
  });

  it("encodes once with the camera's tables and maps the card inside the frame at the requested fill", () => {
    expect(readQuantTables(photo.bytes).get(0)).toEqual(ijgTables(90).luma);
    const { corners, width, height } = photo.truth;
    for (const [x, y] of corners) {
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(width);
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(height);
    }
    const span = Math.max(...corners.map((c) => c[0])) - Math.min(...corners.map((c) => c[0]));
    expect(span / width).toBeGreaterThan(0.5);
    expect(span / width).toBeLessThan(0.95);
    const portrait = photo.truth.boxes.portrait!.bbox;
    expect(inQuad(corners, portrait.x, portrait.y) && inQuad(corners, portrait.x + portrait.width, portrait.y + portrait.height)).toBe(true);
  });

  it("tampers only inside the reported box (outside: recompression noise only)", async () => {
    const genuine = await decode(photo.bytes);
    for (const type of ["paste_portrait", "alter_text", "copy_move"] as TamperType[]) {
      const forged = await tamper(photo, { type, seed: 5, face: demo(4), editorTable: "save-as-10", exifMode: "software" });
      const box = forged.truth.box!;
      expect(box, type).not.toBeNull();
      for (const [x, y] of [[box.x, box.y], [box.x + box.width, box.y], [box.x, box.y + box.height], [box.x + box.width, box.y + box.height]]) {
        expect(inQuad(photo.truth.corners, x, y), `${type} box corner ${x},${y}`).toBe(true);
      }
      const decoded = await decode(forged.bytes);
      const diff = diffByRegion(genuine.data, decoded.data, genuine.width, box);
      expect(diff.outside, type).toBeLessThan(1.5);
      expect(diff.inside, type).toBeGreaterThan(4 * diff.outside);
      expect(exifTags(forged.bytes).Software?.description).toBe(PHOTOSHOP_SOFTWARE);
      expect(readQuantTables(forged.bytes).get(0)).toEqual(PHOTOSHOP_TABLES.find((t) => t.name === "save-as-10")!.luma);
    }
  });

  it("copy_move copies the pixels of a source region 2–6 % of the card, usually off the 8×8 grid", async () => {
    let offGrid = 0;
    for (let seed = 0; seed < 5; seed++) {
      const forged = await tamper(photo, { type: "copy_move", seed, exifMode: "stripped" });
      const { box, source } = forged.truth;
      expect(source).toBeDefined();
      const cardArea = photo.truth.boxes.card.bbox.width * photo.truth.boxes.card.bbox.height;
      expect((box!.width * box!.height) / cardArea).toBeGreaterThan(0.015);
      expect((box!.width * box!.height) / cardArea).toBeLessThan(0.06);
      if ((box!.x - source!.x) % 8 !== 0 || (box!.y - source!.y) % 8 !== 0) offGrid++;
      expect(exifTags(forged.bytes).Make).toBeUndefined();
    }
    expect(offGrid).toBeGreaterThanOrEqual(3);
  });

  it("editor_resave adds Photoshop's Software tag, XMP and APP13 without touching pixels", async () => {
    const forged = await tamper(photo, { type: "editor_resave", seed: 2 });
    expect(forged.truth.box).toBeNull();
    expect(exifTags(forged.bytes).Software?.description).toBe(PHOTOSHOP_SOFTWARE);
    const markers = listSegments(forged.bytes).map((s) => s.marker);
    expect(markers).toContain(0xed);
    expect(listSegments(forged.bytes).some((s) => new TextDecoder().decode(s.data).includes(`xmp:CreatorTool="${PHOTOSHOP_SOFTWARE}"`))).toBe(true);
    const genuine = await decode(photo.bytes);
    expect(diffByRegion(genuine.data, (await decode(forged.bytes)).data, genuine.width, null).outside).toBeLessThan(1.5);
  });

  it("double_compression and thumbnail_mismatch keep the camera's APP1 byte for byte, with IJG tables at another quality", async () => {
    const originalApp1 = listSegments(photo.bytes).find((s) => s.marker === 0xe1)!.data;
    for (const type of ["double_compression", "thumbnail_mismatch"] as TamperType[]) {
      const forged = await tamper(photo, { type, seed: 3, face: demo(5) });
      const app1 = listSegments(forged.bytes).find((s) => s.marker === 0xe1)!.data;
      expect(Buffer.from(app1).equals(Buffer.from(originalApp1)), type).toBe(true);
      expect(forged.truth.save.quality).not.toBe(photo.truth.quality);
      expect(readQuantTables(forged.bytes).get(0)).toEqual(ijgTables(forged.truth.save.quality).luma);
      expect(exifTags(forged.bytes).Software).toBeUndefined();
      expect(forged.truth.box === null).toBe(type === "double_compression");
    }
  });
});

describe("documentSet", () => {
  it("is byte-identical for a seed, spreads the tamper types evenly and keeps every box on the card", async () => {
    const faces = [demo(1), demo(2), demo(3)];
    const options = { split: "tuning" as const, genuine: 1, tampered: 6, seed: 21, faces, width: 800 };
    const items: DocumentSetItem[] = [];
    for await (const item of documentSet(options)) items.push(item);
    expect(items.map((i) => i.truth.type).filter(Boolean).sort()).toEqual([...TAMPER_TYPES].sort());
    for (const item of items) {
      expect(item.truth.split).toBe("tuning");
      expect(SPLITS.tuning.cameraQualities).toContain(item.truth.quality);
      if (item.truth.box) {
        const { x, y, width, height } = item.truth.box;
        expect(inQuad(item.truth.corners, x, y) && inQuad(item.truth.corners, x + width, y + height), item.id).toBe(true);
      }
    }
    const again: DocumentSetItem[] = [];
    for await (const item of documentSet(options)) {
      again.push(item);
      if (again.length === 2) break;
    }
    expect(again.map((i) => i.id)).toEqual(items.slice(0, 2).map((i) => i.id));
    for (let i = 0; i < 2; i++) expect(Buffer.from(again[i].bytes).equals(Buffer.from(items[i].bytes))).toBe(true);
    const other = await documentSet({ ...options, seed: 22 }).next();
    expect(Buffer.from(other.value!.bytes).equals(Buffer.from(items[0].bytes))).toBe(false);
  }, 28_000);
});
