/**
 * JPEG marker walk: frame header, quantisation tables and the segment order of a file, without
 * touching pixels.
 *
 * Contract: `readJpegStructure` never throws anything but `JpegFormatError`, never reads past the
 * buffer and always terminates (every loop advances the cursor). Entropy-coded data is skipped by
 * scanning for the next marker that is neither a stuffed 0xFF00 nor a restart marker.
 * The segment-order anomalies are the ones a document examiner asks about: editors add APPn blocks
 * after the tables, re-define tables between scans, or append data after EOI.
 */

/** Malformed or unsupported JPEG input. Always this class, never a RangeError. */
export class JpegFormatError extends Error {
  override name = "JpegFormatError";
}

/** One frame component as declared in the SOF header. */
export interface JpegComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
}

/** One marker segment; `length` counts the two length bytes but not the marker (0 for SOI/EOI/RST). */
export interface JpegSegment {
  marker: number;
  offset: number;
  length: number;
}

export interface JpegStructure {
  width: number;
  height: number;
  progressive: boolean;
  arithmetic: boolean;
  /** SOF marker byte (0xC0 baseline, 0xC1 extended, 0xC2 progressive, …). */
  frameType: number;
  components: JpegComponent[];
  /** Four table slots, 64 values each in natural row-major order; the last definition wins. */
  qtables: (Uint16Array | null)[];
  restartInterval: number;
  segments: JpegSegment[];
  anomalies: string[];
  /** Bytes after the EOI marker (0 when EOI is missing). */
  trailingBytes: number;
}

/** Zigzag index → natural (row-major) index. */
export const ZIGZAG_TO_NATURAL = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56,
  57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

export const MARKER = {
  SOI: 0xd8,
  EOI: 0xd9,
  SOS: 0xda,
  DQT: 0xdb,
  DHT: 0xc4,
  DRI: 0xdd,
  DAC: 0xcc,
  COM: 0xfe,
  APP0: 0xe0,
  APP1: 0xe1,
} as const;

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
export function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function isRestart(marker: number): boolean {
  return marker >= 0xd0 && marker <= 0xd7;
}

function isKnownMarker(marker: number): boolean {
  return (
    isStartOfFrame(marker) ||
    isRestart(marker) ||
    (marker >= 0xe0 && marker <= 0xef) ||
    marker === MARKER.DHT ||
    marker === MARKER.DQT ||
    marker === MARKER.SOS ||
    marker === MARKER.DRI ||
    marker === MARKER.DAC ||
    marker === MARKER.COM ||
    marker === MARKER.SOI ||
    marker === MARKER.EOI ||
    marker === 0xdc || // DNL
    marker === 0x01 // TEM
  );
}

/** Reads a big-endian u16, throwing a format error instead of reading `undefined`. */
export function readU16(bytes: Uint8Array, offset: number): number {
  if (offset + 1 >= bytes.length) throw new JpegFormatError(`truncated at byte ${offset}`);
  return (bytes[offset] << 8) | bytes[offset + 1];
}

/**
 * Parses a DQT payload into `slots` (natural order). `start`/`end` bound the payload after the length.
 *
 * @example
 * const slots: (Uint16Array | null)[] = [null, null, null, null];
 * parseQuantisationTables(bytes, segmentStart + 4, segmentStart + 2 + length, slots);
 */
export function parseQuantisationTables(bytes: Uint8Array, start: number, end: number, slots: (Uint16Array | null)[]): void {
  let p = start;
  while (p < end) {
    const pq = bytes[p] >> 4;
    const tq = bytes[p] & 15;
    p++;
    if (pq > 1 || tq > 3) throw new JpegFormatError(`bad DQT table spec ${pq}/${tq}`);
    const size = pq ? 128 : 64;
    if (p + size > end) throw new JpegFormatError("DQT segment too short");
    const table = new Uint16Array(64);
    for (let k = 0; k < 64; k++) {
      table[ZIGZAG_TO_NATURAL[k]] = pq ? (bytes[p + 2 * k] << 8) | bytes[p + 2 * k + 1] : bytes[p + k];
    }
    slots[tq] = table;
    p += size;
  }
}

/** Frame header (SOF) fields. */
export interface FrameHeader {
  precision: number;
  width: number;
  height: number;
  components: JpegComponent[];
}

/**
 * Parses an SOF payload (`start` = first byte after the length field).
 *
 * @example
 * const frame = parseFrameHeader(bytes, sofOffset + 4, sofOffset + 2 + length);
 */
export function parseFrameHeader(bytes: Uint8Array, start: number, end: number): FrameHeader {
  if (end - start < 6) throw new JpegFormatError("SOF segment too short");
  const precision = bytes[start];
  const height = (bytes[start + 1] << 8) | bytes[start + 2];
  const width = (bytes[start + 3] << 8) | bytes[start + 4];
  const count = bytes[start + 5];
  if (count < 1 || count > 4 || end - start < 6 + 3 * count) throw new JpegFormatError("bad SOF component count");
  const components: JpegComponent[] = [];
  for (let i = 0; i < count; i++) {
    const p = start + 6 + 3 * i;
    const h = bytes[p + 1] >> 4;
    const v = bytes[p + 1] & 15;
    const tq = bytes[p + 2];
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) throw new JpegFormatError("bad SOF sampling factors");
    components.push({ id: bytes[p], h, v, tq });
  }
  if (width === 0) throw new JpegFormatError("zero width");
  return { precision, width, height, components };
}

/**
 * Offset of the first marker at or after `from` that ends entropy-coded data
 * (not a stuffed 0xFF00, not RSTn, not fill bytes). Returns `bytes.length` when none.
 */
export function skipEntropyData(bytes: Uint8Array, from: number): number {
  let p = from;
  const n = bytes.length;
  while (p + 1 < n) {
    if (bytes[p] !== 0xff) {
      p++;
      continue;
    }
    const next = bytes[p + 1];
    if (next === 0x00 || next === 0xff || isRestart(next)) {
      p += next === 0xff ? 1 : 2;
      continue;
    }
    return p;
  }
  return n;
}

interface WalkState {
  sawSof: boolean;
  sawTables: boolean;
  scans: number;
  appOrder: string[];
}

/**
 * Walks every marker segment of a JPEG file.
 *
 * @example
 * const s = readJpegStructure(bytes);
 * s.width; s.qtables[s.components[0].tq]; s.anomalies; // ["APP1 after DQT/SOF", …]
 */
export function readJpegStructure(bytes: Uint8Array): JpegStructure {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== MARKER.SOI) throw new JpegFormatError("not a JPEG (no SOI)");
  const result: JpegStructure = {
    width: 0,
    height: 0,
    progressive: false,
    arithmetic: false,
    frameType: 0,
    components: [],
    qtables: [null, null, null, null],
    restartInterval: 0,
    segments: [{ marker: MARKER.SOI, offset: 0, length: 0 }],
    anomalies: [],
    trailingBytes: 0,
  };
  const state: WalkState = { sawSof: false, sawTables: false, scans: 0, appOrder: [] };
  const unknown = new Set<number>();
  let p = 2;
  let sawEoi = false;
  while (p < bytes.length) {
    if (bytes[p] !== 0xff) {
      // Garbage between segments: resynchronise on the next 0xFF.
      const next = bytes.indexOf(0xff, p);
      result.anomalies.push(`${(next < 0 ? bytes.length : next) - p} stray bytes at ${p}`);
      if (next < 0) break;
      p = next;
      continue;
    }
    while (p < bytes.length && bytes[p] === 0xff) p++;
    if (p >= bytes.length) break;
    const marker = bytes[p];
    const offset = p - 1;
    p++;
    if (marker === MARKER.EOI) {
      result.segments.push({ marker, offset, length: 0 });
      sawEoi = true;
      break;
    }
    if (isRestart(marker) || marker === 0x01) {
      result.segments.push({ marker, offset, length: 0 });
      continue;
    }
    if (marker === MARKER.SOI || marker === 0x00) {
      result.anomalies.push(`unexpected marker 0x${marker.toString(16).padStart(2, "0")} at ${offset}`);
      continue;
    }
    const length = readU16(bytes, p);
    if (length < 2 || p + length > bytes.length) throw new JpegFormatError(`segment 0x${marker.toString(16)} at ${offset} overruns the file`);
    result.segments.push({ marker, offset, length });
    const start = p + 2;
    const end = p + length;
    recordSegment(bytes, marker, start, end, result, state, unknown);
    p = end;
    if (marker === MARKER.SOS) p = skipEntropyData(bytes, p);
  }
  if (!state.sawSof) throw new JpegFormatError("no frame header (SOF)");
  if (!sawEoi) result.anomalies.push("missing EOI");
  else {
    result.trailingBytes = bytes.length - p;
    if (result.trailingBytes > 0) result.anomalies.push(`${result.trailingBytes} bytes after EOI`);
  }
  for (const marker of unknown) result.anomalies.push(`unknown marker 0x${marker.toString(16)}`);
  describeAppOrder(state.appOrder, result.anomalies);
  return result;
}

function recordSegment(
  bytes: Uint8Array,
  marker: number,
  start: number,
  end: number,
  result: JpegStructure,
  state: WalkState,
  unknown: Set<number>,
): void {
  if (marker >= 0xe0 && marker <= 0xef) {
    if (state.sawTables || state.sawSof) result.anomalies.push(`APP${marker - 0xe0} after DQT/SOF`);
    state.appOrder.push(appKind(bytes, marker, start, end));
  } else if (marker === MARKER.DQT) {
    if (state.scans > 0 && !result.progressive) result.anomalies.push("DQT redefined between scans");
    state.sawTables = true;
    parseQuantisationTables(bytes, start, end, result.qtables);
  } else if (marker === MARKER.DHT) {
    if (state.scans > 0 && !result.progressive) result.anomalies.push("DHT redefined between scans");
    state.sawTables = true;
  } else if (isStartOfFrame(marker)) {
    if (state.sawSof) {
      result.anomalies.push("multiple SOF");
      return;
    }
    const frame = parseFrameHeader(bytes, start, end);
    state.sawSof = true;
    result.width = frame.width;
    result.height = frame.height;
    result.components = frame.components;
    result.frameType = marker;
    result.progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
    result.arithmetic = marker >= 0xc9;
  } else if (marker === MARKER.DRI) {
    if (end - start < 2) throw new JpegFormatError("DRI segment too short");
    result.restartInterval = (bytes[start] << 8) | bytes[start + 1];
  } else if (marker === MARKER.SOS) {
    if (!state.sawSof) throw new JpegFormatError("SOS before SOF");
    state.scans++;
  } else if (!isKnownMarker(marker)) {
    unknown.add(marker);
  }
}

function appKind(bytes: Uint8Array, marker: number, start: number, end: number): string {
  const tag = String.fromCharCode(...bytes.subarray(start, Math.min(end, start + 5)));
  if (marker === MARKER.APP0 && tag.startsWith("JFIF")) return "JFIF";
  if (marker === MARKER.APP1 && tag.startsWith("Exif")) return "EXIF";
  return `APP${marker - 0xe0}`;
}

function describeAppOrder(order: string[], anomalies: string[]): void {
  const jfif = order.indexOf("JFIF");
  const exif = order.indexOf("EXIF");
  if (jfif >= 0 && exif >= 0) anomalies.push("JFIF and EXIF both present");
  else if (exif > 0) anomalies.push("EXIF not the first APP segment");
}
