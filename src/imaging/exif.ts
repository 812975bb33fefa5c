/**
 * EXIF/XMP forensics of an uploaded document photo: was it opened in an editor, are its dates consistent, does
 * it carry camera metadata at all, and where was it taken. Metadata is evidence, not proof: it is easy to strip
 * or forge, so every finding is at most a warning and the caller weighs it with the pixel-level checks.
 *
 * Never throws: bytes exifreader cannot read (PNG without EXIF, WebP, garbage, truncated segments) give
 * `EXIF_MISSING` and a summary of nulls. Reads the bytes in place (`loadView`, no copy of the image); the only
 * copies are the metadata values and the embedded thumbnail (≤ 64 KB).
 */
import ExifReader from "exifreader";
import type { ExpandedTags } from "exifreader";
import type { RgbaImage } from "../face/image";
import { isClearlyOutsideCountry } from "./geo-boxes";
import { gridMeans } from "./phash";
import { xmpDomParser } from "./xml";

export interface ExifContext {
  /** The caller's clock, `YYYY-MM-DD` (the module never reads one). */
  today: string;
  /** The document's issue date, `YYYY-MM-DD`, when known. */
  documentIssueDate?: string | null;
  /** ISO 3166 alpha-2 or alpha-3 code of the country the applicant declared. */
  declaredCountry?: string | null;
}

export type ExifFindingCode = "EXIF_EDITED" | "EXIF_MISSING" | "EXIF_DATE_MISMATCH";

export interface ExifFinding {
  code: ExifFindingCode;
  severity: "info" | "warning" | "critical";
  message: string;
  data?: Record<string, unknown>;
}

export interface ExifSummary {
  make: string | null;
  model: string | null;
  software: string | null;
  creatorTool: string | null;
  /** Wall-clock `YYYY-MM-DDTHH:MM:SS` as the camera wrote it (EXIF has no time zone). */
  dates: { original: string | null; digitized: string | null; modified: string | null };
  /** EXIF orientation 1–8 (1 when absent): how the stored pixels must be turned to stand upright. */
  orientation: number;
  hasThumbnail: boolean;
  /** Rounded to 0.1° (~11 km) so that summaries can be logged; the precise point never leaves this module. */
  gps: { lat: number; lon: number } | null;
  /** Point clearly outside the declared country's coarse box; null when there is no point, no country or no box. */
  gpsCountryMismatch: boolean | null;
  /** A JPEG APP13 "Photoshop 3.0" resource block (written by Photoshop and tools that imitate it). */
  photoshopIrb: boolean;
}

export interface ExifExamination {
  findings: ExifFinding[];
  summary: ExifSummary;
  /** The embedded EXIF thumbnail (JPEG bytes), for `compareThumbnail` after decoding. */
  thumbnail: Uint8Array | null;
}

/**
 * Editors and image-processing tools by name. Camera firmware ("HDR+ 1.0", "iOS 17.1", "G998BXXU5CVDD",
 * "Ver.1.00") matches none of them. ImageMagick and GraphicsMagick are listed though servers use them too:
 * an applicant's upload has no business passing through one.
 */
const EDITOR_PATTERNS: readonly RegExp[] = [
  /photoshop/i,
  /lightroom/i,
  /\bgimp\b/i,
  /affinity/i,
  /pixelmator/i,
  /paint\.net/i,
  /paintshop/i,
  /\bcanva\b/i,
  /snapseed/i,
  /picsart/i,
  /photopea/i,
  /pixlr/i,
  /imagemagick/i,
  /graphicsmagick/i,
  /facetune/i,
  /airbrush/i,
  /meitu/i,
  /\bfotor\b/i,
  /befunky/i,
  /photoscape/i,
  /photodirector/i,
  /corel/i,
  /luminar/i,
  /capture one/i,
  /darktable/i,
  /rawtherapee/i,
  /acdsee/i,
  /krita/i,
  /inkscape/i,
  /adobe (express|firefly|illustrator)/i,
];

/** Capture and modification more than this apart means the file was saved again after it was taken. */
const EDIT_GAP_SECONDS = 60;
const FUTURE_TOLERANCE_DAYS = 1;
/** Longest metadata string kept: values are applicant-controlled and end up in logs. */
const MAX_TEXT = 120;

/**
 * The part of a JPEG where its metadata lives: every segment before the first scan (EXIF and XMP are APP1 segments,
 * which must precede it), as a view of `bytes`. Anything else, or a JPEG whose segments cannot be walked, is returned
 * whole. Why: exifreader copies whatever it is given, and a 12 MP upload copied to read one orientation tag is 2–4 MB
 * of garbage the isolate counts until V8 gets round to collecting it.
 *
 * @example
 * imageOrientation(metadataHead(upload)); // reads (and copies) the first few KB instead of the whole photo
 */
export function metadataHead(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return bytes;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return bytes;
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xda) return bytes.subarray(0, p);
    // The end, or a marker without a length (RSTn, TEM) where only segments belong: read the file whole.
    if (marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return bytes;
    p += 2 + ((bytes[p + 2] << 8) | bytes[p + 3]);
  }
  return bytes;
}

/**
 * Examines the metadata of an image file.
 *
 * @example
 * const { findings, summary, thumbnail } = examineExif(bytes, { today: "2025-03-01", documentIssueDate: "2021-06-15", declaredCountry: "FRA" });
 * findings.map((f) => f.code); // ["EXIF_EDITED"] for a file saved from Photoshop
 */
export function examineExif(bytes: Uint8Array, ctx: ExifContext): ExifExamination {
  const summary = emptySummary();
  let tags: ExpandedTags;
  try {
    summary.photoshopIrb = hasPhotoshopIrb(bytes);
    tags = ExifReader.loadView(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      expanded: true,
      domParser: xmpDomParser,
    });
  } catch {
    return withEditFinding(summary, [missing("no readable metadata")], null);
  }
  try {
    return examineTags(tags, summary, ctx);
  } catch {
    // A tag of an unexpected shape: keep what was learned rather than fail the whole check.
    return withEditFinding(summary, [], null);
  }
}

function examineTags(tags: ExpandedTags, summary: ExifSummary, ctx: ExifContext): ExifExamination {
  const exif = (tags.exif ?? {}) as Record<string, { value?: unknown; description?: unknown } | undefined>;
  const xmp = (tags.xmp ?? {}) as Record<string, { value?: unknown; description?: unknown } | undefined>;
  summary.make = text(exif.Make);
  summary.model = text(exif.Model);
  summary.software = text(exif.Software);
  summary.creatorTool = text(xmp.CreatorTool);
  summary.dates = {
    original: exifDate(text(exif.DateTimeOriginal) ?? text(xmp.DateTimeOriginal)),
    digitized: exifDate(text(exif.DateTimeDigitized) ?? text(xmp.CreateDate)),
    modified: exifDate(text(exif.DateTime) ?? text(xmp.ModifyDate)),
  };
  const orientation = exif.Orientation?.value;
  summary.orientation = typeof orientation === "number" && orientation >= 1 && orientation <= 8 ? orientation : 1;

  const image = tags.Thumbnail?.image;
  const thumbnail = image && image.byteLength > 4 ? new Uint8Array(image as ArrayBuffer) : null;
  summary.hasThumbnail = thumbnail !== null && thumbnail[0] === 0xff && thumbnail[1] === 0xd8;

  const lat = tags.gps?.Latitude;
  const lon = tags.gps?.Longitude;
  if (typeof lat === "number" && typeof lon === "number" && validPoint(lat, lon)) {
    summary.gps = { lat: Math.round(lat * 10) / 10, lon: Math.round(lon * 10) / 10 };
    summary.gpsCountryMismatch = ctx.declaredCountry ? isClearlyOutsideCountry(lat, lon, ctx.declaredCountry) : null;
  }

  const findings: ExifFinding[] = [];
  const hasExif = Object.keys(exif).length > 0;
  if (!hasExif) findings.push(missing("no EXIF"));
  else if (!summary.make && !summary.model) findings.push(missing("EXIF without camera make or model"));
  const dates = dateFinding(summary.dates, ctx);
  if (dates) findings.push(dates);
  const editSources: { field: string; value: string | null }[] = [
    { field: "Software", value: summary.software },
    { field: "ProcessingSoftware", value: text(exif.ProcessingSoftware) },
    { field: "xmp:CreatorTool", value: summary.creatorTool },
    ...historyAgents(xmp.History).map((value) => ({ field: "xmpMM:History softwareAgent", value })),
  ];
  return withEditFinding(summary, findings, summary.hasThumbnail ? thumbnail : null, editSources);
}

/** Adds `EXIF_EDITED` (first, as the strongest signal) when a source names an editor or the Photoshop IRB is there. */
function withEditFinding(
  summary: ExifSummary,
  findings: ExifFinding[],
  thumbnail: Uint8Array | null,
  sources: { field: string; value: string | null }[] = [],
): ExifExamination {
  const hits = sources.filter((s) => s.value !== null && EDITOR_PATTERNS.some((p) => p.test(s.value as string)));
  if (summary.photoshopIrb) hits.push({ field: "APP13", value: "Photoshop 3.0 resource block" });
  if (hits.length > 0) {
    findings.unshift({
      code: "EXIF_EDITED",
      severity: "warning",
      message: `saved by editing software (${hits[0].value})`,
      data: { software: hits[0].value, fields: [...new Set(hits.map((h) => h.field))] },
    });
  }
  return { findings, summary, thumbnail };
}

function missing(reason: string): ExifFinding {
  return { code: "EXIF_MISSING", severity: "info", message: `${reason}; many upload paths strip EXIF, so this is no risk by itself` };
}

function emptySummary(): ExifSummary {
  return {
    make: null,
    model: null,
    software: null,
    creatorTool: null,
    dates: { original: null, digitized: null, modified: null },
    orientation: 1,
    hasThumbnail: false,
    gps: null,
    gpsCountryMismatch: null,
    photoshopIrb: false,
  };
}

/**
 * Dates that contradict each other or the context: modified more than a minute away from capture, any date more
 * than a day after `today`, capture before the document was issued. One finding listing every reason.
 */
function dateFinding(dates: ExifSummary["dates"], ctx: ExifContext): ExifFinding | null {
  const reasons: string[] = [];
  const original = seconds(dates.original);
  const modified = seconds(dates.modified);
  if (original !== null && modified !== null && Math.abs(modified - original) > EDIT_GAP_SECONDS) {
    reasons.push(modified > original ? "modified after capture" : "modified before capture");
  }
  const today = seconds(isoDay(ctx.today) ? `${ctx.today}T00:00:00` : null);
  if (today !== null) {
    const limit = today + (1 + FUTURE_TOLERANCE_DAYS) * 86_400;
    if ([dates.original, dates.digitized, dates.modified].some((d) => (seconds(d) ?? -Infinity) >= limit)) reasons.push("date in the future");
  }
  const capture = dates.original ?? dates.digitized;
  const issued = ctx.documentIssueDate && isoDay(ctx.documentIssueDate) ? ctx.documentIssueDate : null;
  if (capture && issued && capture.slice(0, 10) < issued) reasons.push("captured before the document was issued");
  if (reasons.length === 0) return null;
  return {
    code: "EXIF_DATE_MISMATCH",
    severity: "warning",
    message: `inconsistent dates: ${reasons.join("; ")}`,
    data: { reasons, ...dates, today: ctx.today, documentIssueDate: issued },
  };
}

function isoDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/**
 * EXIF `YYYY:MM:DD HH:MM:SS` or XMP `YYYY-MM-DDTHH:MM[:SS][.fff][zone]` → `YYYY-MM-DDTHH:MM:SS` wall-clock time.
 * The XMP zone is dropped: EXIF times have none, and both are the device's local time.
 * Blank ("0000:00:00 00:00:00", "    :  :     ") or impossible values → null.
 */
function exifDate(value: string | null): string | null {
  const m = value?.match(/^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? "00", m[5] ?? "00", m[6] ?? "00"].map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(time);
  if (year < 1900 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? "00"}:${m[5] ?? "00"}:${m[6] ?? "00"}`;
}

function seconds(date: string | null): number | null {
  if (!date) return null;
  const [y, mo, d, h, mi, s] = date.split(/[-T:]/).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** A tag's text: exifreader gives ASCII tags as `["text"]` and XMP as strings; control characters and length capped. */
function text(tag: { value?: unknown; description?: unknown } | undefined): string | null {
  if (!tag) return null;
  const raw = Array.isArray(tag.value) && typeof tag.value[0] === "string" ? tag.value[0] : typeof tag.value === "string" ? tag.value : tag.description;
  if (typeof raw !== "string") return null;
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const clean = raw.replace(/[\u0000-\u001f\u007f]+/g, " ").trim().slice(0, MAX_TEXT);
  return clean.length > 0 ? clean : null;
}

/** `softwareAgent` of every xmpMM:History event (exifreader: an array of `{ softwareAgent: { value } }`). */
function historyAgents(history: { value?: unknown } | undefined): string[] {
  if (!history || !Array.isArray(history.value)) return [];
  return history.value
    .map((event) => text((event as Record<string, { value?: unknown } | undefined> | null)?.softwareAgent))
    .filter((agent): agent is string => agent !== null);
}

function validPoint(lat: number, lon: number): boolean {
  // (0, 0) is what a GPS without a fix writes, not a place anyone photographs documents.
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && (lat !== 0 || lon !== 0);
}

/** Walks the JPEG marker segments up to the image data, looking for APP13 "Photoshop 3.0\0". */
function hasPhotoshopIrb(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  const signature = "Photoshop 3.0\0";
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return false;
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return false;
    const length = (bytes[p + 2] << 8) | bytes[p + 3];
    if (length < 2) return false;
    if (marker === 0xed && p + 4 + signature.length <= bytes.length) {
      let match = true;
      for (let i = 0; i < signature.length && match; i++) match = bytes[p + 4 + i] === signature.charCodeAt(i);
      if (match) return true;
    }
    p += 2 + length;
  }
  return false;
}

/** Grid the two images are compared on: 32 cells along the long side. */
const THUMB_GRID = 32;
/** Window of cells whose mean difference is the local score: ~3 % of the frame, inside any 10 % edit. */
const THUMB_WINDOW = 5;
/** Measured on face-api's six demo photos: genuine thumbnails 0.07–0.28; a face swapped over 10 % of the frame 0.50–2.8, over 5 % 0.33–2.5. */
const THUMB_LOCAL_LIMIT = 0.45;

/**
 * Whether the EXIF thumbnail still shows the main picture. Editors often keep the camera's thumbnail when they
 * save, so a portrait swapped in the main image survives unchanged in the thumbnail. Both images are averaged
 * into a 32-cell grey grid (the thumbnail cropped to the main image's aspect, black letterbox bars trimmed),
 * normalised to zero mean and unit spread (brightness and contrast do not count), and compared in 5×5-cell
 * windows: `distance` is the largest window's mean difference, in standard deviations. The four rotations of
 * the thumbnail are tried and the best kept, so EXIF orientation need not be applied to either.
 *
 * @example
 * const { mismatch } = compareThumbnail(decodeImage(examination.thumbnail!), decodeImage(bytes));
 */
export function compareThumbnail(thumb: RgbaImage, main: RgbaImage): { distance: number; mismatch: boolean } {
  const landscape = main.width >= main.height;
  const gw = landscape ? THUMB_GRID : Math.max(THUMB_WINDOW, Math.round((THUMB_GRID * main.width) / main.height));
  const gh = landscape ? Math.max(THUMB_WINDOW, Math.round((THUMB_GRID * main.height) / main.width)) : THUMB_GRID;
  const reference = normalise(gridMeans(main, { x: 0, y: 0, width: main.width, height: main.height }, gw, gh, 1));
  const whole = { x: 0, y: 0, width: thumb.width, height: thumb.height };
  let best = Infinity;
  for (const quarterTurns of [0, 1, 2, 3]) {
    const sideways = quarterTurns % 2 === 1;
    // The thumbnail's grid before turning: sideways turns swap its axes.
    const [tw, th] = sideways ? [gh, gw] : [gw, gh];
    // Black bars only where the aspects disagree: a dark photo's own edges must stay.
    const sameAspect = Math.abs(thumb.width / thumb.height / (tw / th) - 1) < 0.03;
    const rect = sameAspect ? whole : cropToAspect(trimBlackBars(thumb), tw / th);
    const grid = rotateGrid(gridMeans(thumb, rect, tw, th, 1), tw, th, quarterTurns);
    best = Math.min(best, localDifference(reference, normalise(grid), gw, gh));
  }
  return { distance: Math.round(best * 1000) / 1000, mismatch: best > THUMB_LOCAL_LIMIT };
}

function normalise(grid: Float32Array): Float32Array {
  let mean = 0;
  for (const v of grid) mean += v;
  mean /= grid.length;
  let variance = 0;
  for (const v of grid) variance += (v - mean) ** 2;
  const spread = Math.max(4, Math.sqrt(variance / grid.length)); // a flat picture must not blow noise up
  return grid.map((v) => (v - mean) / spread);
}

/** Largest mean absolute difference over the `THUMB_WINDOW`-square windows of two grids. */
function localDifference(a: Float32Array, b: Float32Array, gw: number, gh: number): number {
  const k = Math.min(THUMB_WINDOW, gw, gh);
  let worst = 0;
  for (let y = 0; y + k <= gh; y++) {
    for (let x = 0; x + k <= gw; x++) {
      let sum = 0;
      for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) sum += Math.abs(a[(y + j) * gw + x + i] - b[(y + j) * gw + x + i]);
      worst = Math.max(worst, sum / (k * k));
    }
  }
  return worst;
}

/** Turns a `w`×`h` grid clockwise by `quarterTurns` × 90°. */
function rotateGrid(grid: Float32Array, w: number, h: number, quarterTurns: number): Float32Array {
  if (quarterTurns === 0) return grid;
  const out = new Float32Array(grid.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = grid[y * w + x];
      if (quarterTurns === 1) out[x * h + (h - 1 - y)] = v;
      else if (quarterTurns === 2) out[(h - 1 - y) * w + (w - 1 - x)] = v;
      else out[(w - 1 - x) * h + y] = v;
    }
  }
  return out;
}

/** The thumbnail without the near-black bars cameras add when its aspect differs from the photo's (e.g. 16:9 in 4:3). */
function trimBlackBars(image: RgbaImage): { x: number; y: number; width: number; height: number } {
  const dark = (x0: number, y0: number, w: number, h: number) => {
    let sum = 0;
    let max = 0;
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const p = (y * image.width + x) * 4;
        const v = Math.max(image.data[p], image.data[p + 1], image.data[p + 2]);
        sum += v;
        max = Math.max(max, v);
      }
    }
    return sum / (w * h) < 12 && max < 40;
  };
  let top = 0;
  let bottom = image.height;
  let left = 0;
  let right = image.width;
  while (bottom - top > image.height / 2 && dark(0, top, image.width, 1)) top++;
  while (bottom - top > image.height / 2 && dark(0, bottom - 1, image.width, 1)) bottom--;
  while (right - left > image.width / 2 && dark(left, top, 1, bottom - top)) left++;
  while (right - left > image.width / 2 && dark(right - 1, top, 1, bottom - top)) right--;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** The centred part of `rect` with the given width/height ratio. */
function cropToAspect(rect: { x: number; y: number; width: number; height: number }, aspect: number) {
  if (rect.width / rect.height > aspect) {
    const width = Math.max(1, Math.round(rect.height * aspect));
    return { x: rect.x + Math.floor((rect.width - width) / 2), y: rect.y, width, height: rect.height };
  }
  const height = Math.max(1, Math.round(rect.width / aspect));
  return { x: rect.x, y: rect.y + Math.floor((rect.height - height) / 2), width: rect.width, height };
}
