/**
 * examineExif on JPEGs made with sharp (withExif / withXmp) and, where sharp cannot write it (an IFD1
 * thumbnail, a Photoshop APP13 block), with a small EXIF writer below; compareThumbnail on face-api's demo
 * photos with a portrait-sized region swapped.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decodeImage } from "../../../src/face/decode";
import type { RgbaImage } from "../../../src/face/image";
import { compareThumbnail, examineExif, type ExifContext } from "../../../src/imaging/exif";

// workerd bundles exifreader's ES module build, whose XMP fallback (require("@xmldom/xmldom")) is missing there;
// the Node build finds xmldom by itself and would hide a missing `domParser`. Test the build the Worker runs.
vi.mock("exifreader", () => import("exifreader/src/exif-reader.js" as string));

const root = path.resolve(__dirname, "../../..");
const demo = (n: number) => readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));
const ctx: ExifContext = { today: "2024-06-01" };
const codes = (bytes: Uint8Array, c: ExifContext = ctx) => examineExif(bytes, c).findings.map((f) => f.code);

async function plain(): Promise<sharp.Sharp> {
  return sharp({ create: { width: 96, height: 64, channels: 3, background: "#7a8a9a" } });
}

async function camera(ifd0: Record<string, string>, exifIfd: Record<string, string> = {}, gps: Record<string, string> = {}) {
  const img = (await plain()).withExif({ IFD0: ifd0, IFD2: exifIfd, IFD3: gps });
  return new Uint8Array(await img.jpeg().toBuffer());
}

const iphone = { Make: "Apple", Model: "iPhone 13", DateTime: "2024:05:01 10:00:00" };
const capturedAt = { DateTimeOriginal: "2024:05:01 10:00:00", DateTimeDigitized: "2024:05:01 10:00:00" };

function xmpPacket(attributes: string, body = ""): string {
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" ` +
    `xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" ${attributes}>${body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}

// ---- A minimal EXIF (TIFF) writer, for what sharp cannot write: the IFD1 thumbnail. ----
type Entry = { tag: number; type: 2 | 3 | 4 | 5; value: string | number[] };
const TYPE_SIZE = { 2: 1, 3: 2, 4: 4, 5: 8 } as const;
const byteLength = (e: Entry) => (e.type === 2 ? (e.value as string).length + 1 : (e.value as number[]).length * TYPE_SIZE[e.type]);
const ifdSize = (entries: Entry[]) => 6 + 12 * entries.length + entries.reduce((n, e) => n + (byteLength(e) > 4 ? (byteLength(e) + 1) & ~1 : 0), 0);

/** APP1 "Exif" segment (little-endian TIFF) with IFD0, an EXIF IFD and IFD1 pointing at `thumbnail`. */
function exifSegment(ifd0: Entry[], exifIfd: Entry[], thumbnail: Uint8Array): Uint8Array {
  const ifd1: Entry[] = [
    { tag: 0x0103, type: 3, value: [6] },
    { tag: 0x0201, type: 4, value: [0] },
    { tag: 0x0202, type: 4, value: [thumbnail.length] },
  ];
  const ifd0All: Entry[] = [...ifd0, { tag: 0x8769, type: 4, value: [0] }];
  const at0 = 8;
  const atExif = at0 + ifdSize(ifd0All);
  const at1 = atExif + ifdSize(exifIfd);
  const atThumb = at1 + ifdSize(ifd1);
  ifd0All[ifd0All.length - 1].value = [atExif];
  ifd1[1].value = [atThumb];
  const tiff = new Uint8Array(atThumb + thumbnail.length);
  const view = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  const writeIfd = (offset: number, entries: Entry[], next: number) => {
    const sorted = [...entries].sort((a, b) => a.tag - b.tag);
    view.setUint16(offset, sorted.length, true);
    let data = offset + 2 + 12 * sorted.length + 4;
    sorted.forEach((e, i) => {
      const p = offset + 2 + 12 * i;
      const count = e.type === 2 ? (e.value as string).length + 1 : e.type === 5 ? (e.value as number[]).length / 2 : (e.value as number[]).length;
      view.setUint16(p, e.tag, true);
      view.setUint16(p + 2, e.type, true);
      view.setUint32(p + 4, count, true);
      const size = byteLength(e);
      let target = p + 8;
      if (size > 4) {
        view.setUint32(p + 8, data, true);
        target = data;
        data += (size + 1) & ~1;
      }
      if (e.type === 2) for (let k = 0; k < (e.value as string).length; k++) tiff[target + k] = (e.value as string).charCodeAt(k);
      else (e.value as number[]).forEach((v, k) => (e.type === 3 ? view.setUint16(target + 2 * k, v, true) : view.setUint32(target + 4 * k, v, true)));
    });
    view.setUint32(offset + 2 + 12 * sorted.length, next, true);
  };
  writeIfd(at0, ifd0All, at1);
  writeIfd(atExif, exifIfd, 0);
  writeIfd(at1, ifd1, 0);
  tiff.set(thumbnail, atThumb);
  return segment(0xe1, concat(new TextEncoder().encode("Exif\0\0"), tiff));
}

function segment(marker: number, payload: Uint8Array): Uint8Array {
  const length = payload.length + 2;
  return concat(new Uint8Array([0xff, marker, length >> 8, length & 0xff]), payload);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A JPEG with `segments` right after its SOI marker. */
const withSegments = (jpeg: Uint8Array, ...segments: Uint8Array[]) => concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2));
const ascii = (tag: number, value: string): Entry => ({ tag, type: 2, value });

/** face-api demo photo `n` drawn at the given size. */
async function photo(n: number, width = 1600, height = 1066) {
  return sharp(demo(n)).resize(width, height, { fit: "fill" });
}

async function rgba(img: sharp.Sharp): Promise<RgbaImage> {
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function thumbnailOf(img: sharp.Sharp, width = 160, height = 107): Promise<Uint8Array> {
  return new Uint8Array(await img.clone().resize(width, height, { fit: "fill" }).jpeg({ quality: 70 }).toBuffer());
}

/** sample1 with the face at (1459, 330) covered by another woman's face from sample3: ~10 % of the frame. */
async function editedPortrait(): Promise<sharp.Sharp> {
  const main = await (await photo(1)).png().toBuffer();
  // sample1 is 1920×1280, drawn at 1600×1066 (×0.833): the right-hand face is near (1316, 282) there.
  const patch = await sharp(demo(3)).extract({ left: 1050, top: 150, width: 420, height: 420 }).resize(410, 410).toBuffer();
  return sharp(main).composite([{ input: patch, left: 1316 - 205, top: 282 - 180 }]);
}

describe("examineExif", () => {
  const spies: ReturnType<typeof vi.spyOn>[] = [];
  beforeEach(() => {
    for (const method of ["warn", "log", "error", "info", "debug"] as const) spies.push(vi.spyOn(console, method).mockImplementation(() => undefined));
  });
  afterEach(() => {
    // Nothing may reach the console: "DOMParser is not available", xmldom's parse errors, anything.
    const printed = spies.flatMap((spy) => spy.mock.calls.map((call: unknown[]) => call.join(" ")));
    spies.splice(0).forEach((spy) => spy.mockRestore());
    expect(printed).toEqual([]);
  });

  it("reports nothing for a camera photo with consistent metadata and fills the summary", async () => {
    const bytes = await camera({ ...iphone, Software: "17.1" }, capturedAt);
    const { findings, summary, thumbnail } = examineExif(bytes, ctx);
    expect(findings).toEqual([]);
    expect(summary).toMatchObject({
      make: "Apple",
      model: "iPhone 13",
      software: "17.1",
      creatorTool: null,
      dates: { original: "2024-05-01T10:00:00", digitized: "2024-05-01T10:00:00", modified: "2024-05-01T10:00:00" },
      hasThumbnail: false,
      gps: null,
      photoshopIrb: false,
    });
    expect(thumbnail).toBeNull();
  });

  it("flags XMP CreatorTool Photoshop, parsed with xmldom and without a DOMParser warning", async () => {
    const xmp = xmpPacket('xmp:CreatorTool="Adobe Photoshop 25.0"');
    const bytes = new Uint8Array(await (await plain()).withExif({ IFD0: iphone }).withXmp(xmp).jpeg().toBuffer());
    const { findings, summary } = examineExif(bytes, ctx);
    expect(findings.map((f) => f.code)).toEqual(["EXIF_EDITED"]);
    expect(findings[0]).toMatchObject({ severity: "warning", data: { software: "Adobe Photoshop 25.0", fields: ["xmp:CreatorTool"] } });
    expect(summary.creatorTool).toBe("Adobe Photoshop 25.0");
  });

  it("flags an editor found only in the XMP history, and XMP whose namespace prefix is undeclared", async () => {
    const history = xmpPacket(
      "",
      '<xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved" stEvt:softwareAgent="GIMP 2.10"/></rdf:Seq></xmpMM:History>',
    );
    const withHistory = new Uint8Array(await (await plain()).withExif({ IFD0: iphone }).withXmp(history).jpeg().toBuffer());
    expect(examineExif(withHistory, ctx).findings[0]).toMatchObject({ code: "EXIF_EDITED", data: { software: "GIMP 2.10" } });
    // photoshop: is used without xmlns:photoshop — exifreader retries after declaring it.
    const sloppy = xmpPacket('photoshop:History="" xmp:CreatorTool="Pixelmator Pro 3.5"');
    const sloppyBytes = new Uint8Array(await (await plain()).withExif({ IFD0: iphone }).withXmp(sloppy).jpeg().toBuffer());
    expect(examineExif(sloppyBytes, ctx).summary.creatorTool).toBe("Pixelmator Pro 3.5");
  });

  it.each(["GIMP 2.10.34", "Adobe Photoshop Lightroom Classic 13.0 (Windows)", "Snapseed 2.0", "Canva", "PicsArt", "Paint.NET 5.0", "Affinity Photo 2"])(
    "flags Software %s",
    async (software) => {
      expect(codes(await camera({ ...iphone, Software: software }, capturedAt))).toEqual(["EXIF_EDITED"]);
    },
  );

  it.each(["HDR+ 1.0.540104767zd", "iOS 17.1", "17.1", "G998BXXU5CVDD", "Ver.1.00", "RQ3A.211001.001", "MediaTek Camera Application"])(
    "does not take camera firmware %s for an editor",
    async (software) => {
      expect(codes(await camera({ ...iphone, Software: software }, capturedAt))).toEqual([]);
    },
  );

  it("flags a Photoshop APP13 resource block even without any software tag", async () => {
    const base = await camera(iphone, capturedAt);
    const irb = segment(0xed, concat(new TextEncoder().encode("Photoshop 3.0\0" + "8BIM"), new Uint8Array([0x04, 0x04, 0, 0, 0, 0, 0, 0])));
    const { findings, summary } = examineExif(withSegments(base, irb), ctx);
    expect(summary.photoshopIrb).toBe(true);
    expect(findings.map((f) => f.code)).toEqual(["EXIF_EDITED"]);
  });

  it("reports EXIF_MISSING (info) for a stripped JPEG, a PNG, a WebP and EXIF without make or model", async () => {
    const stripped = new Uint8Array(await (await plain()).jpeg().toBuffer());
    const png = new Uint8Array(await (await plain()).png().toBuffer());
    const webp = new Uint8Array(await (await plain()).webp().toBuffer());
    const softwareOnly = await camera({ Software: "17.1", DateTime: "2024:05:01 10:00:00" });
    for (const bytes of [stripped, png, webp, softwareOnly]) {
      const { findings } = examineExif(bytes, ctx);
      expect(findings).toEqual([expect.objectContaining({ code: "EXIF_MISSING", severity: "info" })]);
    }
  });

  it("flags a modification more than a minute after capture, not one 30 s after", async () => {
    const edited = examineExif(await camera({ ...iphone, DateTime: "2024:05:01 12:30:00" }, capturedAt), ctx).findings;
    expect(edited).toEqual([
      expect.objectContaining({
        code: "EXIF_DATE_MISMATCH",
        data: expect.objectContaining({ reasons: ["modified after capture"], original: "2024-05-01T10:00:00", modified: "2024-05-01T12:30:00" }),
      }),
    ]);
    expect(codes(await camera({ ...iphone, DateTime: "2024:05:01 10:00:30" }, capturedAt))).toEqual([]);
  });

  it("flags dates more than a day after today, tolerating one day of clock and time-zone skew", async () => {
    const at = (day: string) => camera({ ...iphone, DateTime: `${day} 09:00:00` }, { DateTimeOriginal: `${day} 09:00:00` });
    expect(examineExif(await at("2024:06:03"), ctx).findings[0]?.data?.reasons).toEqual(["date in the future"]);
    expect(codes(await at("2024:06:02"))).toEqual([]);
    expect(codes(await at("2024:06:01"))).toEqual([]);
  });

  it("flags a capture before the document's issue date", async () => {
    const bytes = await camera(iphone, capturedAt);
    expect(examineExif(bytes, { ...ctx, documentIssueDate: "2024-05-02" }).findings[0]?.data?.reasons).toEqual(["captured before the document was issued"]);
    expect(codes(bytes, { ...ctx, documentIssueDate: "2024-05-01" })).toEqual([]);
  });

  it("ignores blank dates cameras write when their clock is unset", async () => {
    const bytes = await camera({ ...iphone, DateTime: "0000:00:00 00:00:00" }, { DateTimeOriginal: "    :  :     :  :  " });
    const { findings, summary } = examineExif(bytes, ctx);
    expect(findings).toEqual([]);
    expect(summary.dates).toEqual({ original: null, digitized: null, modified: null });
  });

  it("rounds GPS to 0.1° in the summary and tells whether it is clearly outside the declared country", async () => {
    const paris = { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2935/100", GPSLongitudeRef: "E", GPSLongitude: "2/1 21/1 1234/100" };
    const bytes = await camera(iphone, capturedAt, paris);
    const fr = examineExif(bytes, { ...ctx, declaredCountry: "FRA" }).summary;
    expect(fr.gps).toEqual({ lat: 48.9, lon: 2.4 });
    expect(fr.gpsCountryMismatch).toBe(false);
    expect(JSON.stringify(fr)).not.toMatch(/48\.85|2\.35/);
    expect(examineExif(bytes, { ...ctx, declaredCountry: "fr" }).summary.gpsCountryMismatch).toBe(false);
    expect(examineExif(bytes, { ...ctx, declaredCountry: "BR" }).summary.gpsCountryMismatch).toBe(true);
    expect(examineExif(bytes, { ...ctx, declaredCountry: "DEU" }).summary.gpsCountryMismatch).toBe(true);
    expect(examineExif(bytes, { ...ctx, declaredCountry: "ZZ" }).summary.gpsCountryMismatch).toBeNull();
    expect(examineExif(bytes, ctx).summary.gpsCountryMismatch).toBeNull();
    // Southern and western hemispheres keep their signs: Buenos Aires.
    const ba = { GPSLatitudeRef: "S", GPSLatitude: "34/1 36/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "58/1 22/1 0/1" };
    const south = examineExif(await camera(iphone, capturedAt, ba), { ...ctx, declaredCountry: "ARG" }).summary;
    expect(south.gps).toEqual({ lat: -34.6, lon: -58.4 });
    expect(south.gpsCountryMismatch).toBe(false);
    // Vladivostok-side of the antimeridian and Alaska's far west, both "inside" their countries.
    const chukotka = { GPSLatitudeRef: "N", GPSLatitude: "66/1 0/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "170/1 0/1 0/1" };
    expect(examineExif(await camera(iphone, capturedAt, chukotka), { ...ctx, declaredCountry: "RU" }).summary.gpsCountryMismatch).toBe(false);
  });

  it("never throws on garbage, truncated or corrupted files", async () => {
    const thumb = await thumbnailOf(await photo(1, 320, 213));
    const valid = withSegments(new Uint8Array(await (await plain()).jpeg().toBuffer()), exifSegment([ascii(0x010f, "Apple")], [], thumb));
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const inputs: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0xff, 0xd8]), new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45])];
    inputs.push(Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256)));
    for (let cut = 4; cut < 600; cut += 37) inputs.push(valid.slice(0, cut));
    for (let round = 0; round < 300; round++) {
      const mutated = valid.slice();
      for (let k = 0; k < 6; k++) mutated[2 + Math.floor(random() * 700)] = Math.floor(random() * 256);
      inputs.push(mutated);
    }
    // A view into a larger buffer must be read at its own offset.
    const padded = concat(new Uint8Array(17), valid);
    expect(examineExif(padded.subarray(17), ctx).summary.make).toBe("Apple");
    for (const bytes of inputs) {
      const result = examineExif(bytes, ctx);
      expect(Array.isArray(result.findings)).toBe(true);
    }
    expect(codes(inputs[3])).toEqual(["EXIF_MISSING"]);
  });
});

describe("EXIF thumbnail vs main picture", () => {
  it("returns the embedded thumbnail, which matches its photo but not the photo with a swapped portrait", async () => {
    const original = await photo(1);
    const thumb = await thumbnailOf(original);
    const mainJpeg = new Uint8Array(await original.clone().jpeg({ quality: 88 }).toBuffer());
    const bytes = withSegments(mainJpeg, exifSegment([ascii(0x010f, "samsung"), ascii(0x0110, "SM-G998B")], [ascii(0x9003, "2024:05:01 10:00:00")], thumb));
    const { summary, thumbnail } = examineExif(bytes, ctx);
    expect(summary.hasThumbnail).toBe(true);
    expect(thumbnail).toEqual(thumb);
    const decodedThumb = decodeImage(thumbnail!);
    const genuine = compareThumbnail(decodedThumb, decodeImage(bytes));
    const edited = compareThumbnail(decodedThumb, await rgba(await editedPortrait()));
    expect(genuine.mismatch).toBe(false);
    expect(edited.mismatch).toBe(true);
    expect(edited.distance).toBeGreaterThan(2 * genuine.distance);
  });

  it("matches through brightness and contrast changes, other thumbnail encoders, rotations and letterboxing", async () => {
    const original = await photo(3, 1600, 1125);
    const thumb = decodeImage(await thumbnailOf(original, 160, 112));
    // A brighter, contrastier main picture (as an auto-enhance would leave it) is not an edit of content.
    expect(compareThumbnail(thumb, await rgba(original.clone().linear(1.25, 10))).mismatch).toBe(false);
    // The main picture stored turned by 90° (orientation applied on save) while the thumbnail was not.
    for (const angle of [90, 180, 270]) {
      expect(compareThumbnail(thumb, await rgba(original.clone().rotate(angle))).mismatch, `${angle}°`).toBe(false);
    }
    // A 16:9 photo whose thumbnail is 160×120 with black bars above and below.
    const wide = await photo(2, 1600, 900);
    const barred = await sharp(await wide.clone().resize(160, 90).toBuffer())
      .extend({ top: 15, bottom: 15, background: "#000" })
      .jpeg({ quality: 75 })
      .toBuffer();
    expect(compareThumbnail(decodeImage(new Uint8Array(barred)), await rgba(wide)).mismatch).toBe(false);
  });

  it("catches a thumbnail of another photo, whatever the rotation", async () => {
    const thumb = decodeImage(await thumbnailOf(await photo(5, 1600, 1165), 160, 116));
    expect(compareThumbnail(thumb, await rgba(await photo(6, 1600, 1281))).mismatch).toBe(true);
  });
});
