/**
 * Huffman entropy decoding of JPEG files into quantised luma DCT coefficients, without IDCT.
 *
 * Supports baseline / extended sequential (SOF0, SOF1) and progressive (SOF2) Huffman files with any
 * sampling factors and restart intervals. Only the first component (luma in YCbCr, the only one in
 * greyscale) is handed out; the other components are decoded only where the bitstream forces it.
 *
 * The bit reader never advances past a marker: at 0xFF followed by a non-zero byte it feeds zero bits,
 * as libjpeg does, and counts them. More than a few hundred invented bytes means the scan is
 * truncated or corrupt, and we throw `JpegFormatError` instead of decoding zeros for a declared
 * 65535×65535 frame.
 */
import {
  JpegFormatError,
  MARKER,
  ZIGZAG_TO_NATURAL,
  isStartOfFrame,
  parseFrameHeader,
  parseQuantisationTables,
  readU16,
  skipEntropyData,
} from "./structure";
const LOOKUP_BITS = 9;
const MAX_OVERRUN_BYTES = 512;

export interface HuffmanTable {
  /** `(length << 8) | value` for codes up to 9 bits, indexed by the next 9 bits; 0 when longer. */
  lookup: Uint16Array;
  maxCode: Int32Array;
  valueOffset: Int32Array;
  values: Uint8Array;
}

/**
 * Builds decoding tables from a DHT definition (16 counts, then the symbols).
 *
 * @example
 * const table = buildHuffmanTable(bytes.subarray(p, p + 16), bytes.subarray(p + 16, p + 16 + total));
 */
export function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(18);
  let code = 0;
  let index = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1];
    valueOffset[length] = index - code;
    for (let i = 0; i < n; i++) {
      if (length <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - length;
        const first = code << shift;
        for (let j = 0; j < 1 << shift; j++) lookup[first + j] = (length << 8) | symbols[index];
      }
      code++;
      index++;
    }
    if (code > 1 << length) throw new JpegFormatError("over-subscribed Huffman table");
    maxCode[length] = n ? code - 1 : -1;
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { lookup, maxCode, valueOffset, values: symbols.slice(0, index) };
}

/**
 * Parses a DHT payload into the DC / AC slot arrays.
 *
 * @example
 * parseHuffmanTables(bytes, segmentStart + 4, segmentEnd, dcTables, acTables);
 */
export function parseHuffmanTables(
  bytes: Uint8Array,
  start: number,
  end: number,
  dc: (HuffmanTable | null)[],
  ac: (HuffmanTable | null)[],
): void {
  let p = start;
  while (p < end) {
    if (p + 17 > end) throw new JpegFormatError("DHT segment too short");
    const tc = bytes[p] >> 4;
    const th = bytes[p] & 15;
    if (tc > 1 || th > 3) throw new JpegFormatError("bad DHT table spec");
    const counts = bytes.subarray(p + 1, p + 17);
    let total = 0;
    for (let i = 0; i < 16; i++) total += counts[i];
    if (total > 256 || p + 17 + total > end) throw new JpegFormatError("bad DHT symbol count");
    const table = buildHuffmanTable(counts, bytes.subarray(p + 17, p + 17 + total));
    (tc === 0 ? dc : ac)[th] = table;
    p += 17 + total;
  }
}

/** MSB-first bit reader over entropy-coded data with 0xFF00 unstuffing. */
export class BitReader {
  private buffer = 0;
  private count = 0;
  private overrun = 0;

  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    const data = this.data;
    while (this.count <= 24) {
      let byte = 0;
      if (this.pos < data.length) {
        byte = data[this.pos];
        if (byte === 0xff) {
          const next = this.pos + 1 < data.length ? data[this.pos + 1] : 0xd9;
          if (next === 0) this.pos += 2;
          else {
            byte = 0;
            this.overrun++;
          }
        } else this.pos++;
      } else this.overrun++;
      if (this.overrun > MAX_OVERRUN_BYTES) throw new JpegFormatError("entropy-coded data truncated or corrupt");
      this.buffer = (this.buffer << 8) | byte;
      this.count += 8;
    }
  }

  bit(): number {
    if (this.count < 1) this.fill();
    this.count--;
    return (this.buffer >>> this.count) & 1;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    this.count -= n;
    return (this.buffer >>> this.count) & ((1 << n) - 1);
  }

  /** Reads `n` bits and sign-extends them as in JPEG's EXTEND procedure (F.2.2.1). */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    if (n > 16) throw new JpegFormatError("bad coefficient magnitude category");
    const v = this.bits(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const peek = (this.buffer >>> (this.count - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1);
    const hit = table.lookup[peek];
    if (hit !== 0) {
      this.count -= hit >> 8;
      return hit & 0xff;
    }
    for (let length = LOOKUP_BITS + 1; length <= 16; length++) {
      const code = (this.buffer >>> (this.count - length)) & ((1 << length) - 1);
      if (code <= table.maxCode[length]) {
        this.count -= length;
        return table.values[table.valueOffset[length] + code];
      }
    }
    throw new JpegFormatError("invalid Huffman code");
  }

  /**
   * Drops buffered bits and consumes the next RSTn marker if one follows. Returns false when the
   * next marker is something else (the caller stops the scan there).
   */
  restart(): boolean {
    this.buffer = 0;
    this.count = 0;
    this.overrun = 0;
    const data = this.data;
    let p = this.pos;
    while (p + 1 < data.length && !(data[p] === 0xff && data[p + 1] !== 0 && data[p + 1] !== 0xff)) p++;
    if (p + 1 < data.length && data[p + 1] >= 0xd0 && data[p + 1] <= 0xd7) {
      this.pos = p + 2;
      return true;
    }
    this.pos = p;
    return false;
  }
}

/** Per-call options of {@link forEachLumaBlock}. */
export interface LumaBlockOptions {
  /** Half-open range of luma block rows to visit; progressive files keep only these rows in memory. */
  rows?: [number, number];
  /** Refuse frames larger than this many pixels (guards the per-block bookkeeping); default 50 MP. */
  maxPixels?: number;
}

/** Geometry and luma table returned by {@link forEachLumaBlock}. */
export interface LumaBlockSummary {
  blocksWide: number;
  blocksHigh: number;
  /** Luma quantisation table in natural order, as in force at the first scan. */
  q: Uint16Array;
}

/** Called once per luma block with its quantised coefficients in natural order (buffer reused). */
export type LumaBlockVisitor = (bx: number, by: number, coef: Int16Array) => void;

interface FrameComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksWide: number;
  blocksHigh: number;
  dcPred: number;
}

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  components: FrameComponent[];
  mcusWide: number;
  mcusHigh: number;
  maxH: number;
  maxV: number;
}

interface Scan {
  components: { index: number; dc: HuffmanTable | null; ac: HuffmanTable | null }[];
  ss: number;
  se: number;
  ah: number;
  al: number;
}

const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Streams the quantised DCT coefficients of every luma block, without decoding pixels.
 *
 * Baseline files are decoded in one pass with a single 64-entry buffer. Progressive files keep the
 * luma coefficients of `opts.rows` only (128 bytes a block) plus an 8-byte "which coefficients are
 * non-zero" mask for the rows above, which is all a refinement scan needs to stay in sync; scans are
 * abandoned once they pass the last requested row, and chroma-only scans are skipped unread.
 *
 * @example
 * const { blocksWide, q } = forEachLumaBlock(bytes, (bx, by, coef) => { energy += coef[1] * q[1]; });
 */
export function forEachLumaBlock(bytes: Uint8Array, visit: LumaBlockVisitor, opts: LumaBlockOptions = {}): LumaBlockSummary {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== MARKER.SOI) throw new JpegFormatError("not a JPEG (no SOI)");
  const qtables: (Uint16Array | null)[] = [null, null, null, null];
  const dcTables: (HuffmanTable | null)[] = [null, null, null, null];
  const acTables: (HuffmanTable | null)[] = [null, null, null, null];
  let frame: Frame | null = null;
  let restartInterval = 0;
  let lumaTable: Uint16Array | null = null;
  let progressive: ProgressiveStore | null = null;
  let rowStart = 0;
  let rowEnd = 0;
  const block = new Int16Array(64);
  let p = 2;
  while (p < bytes.length) {
    if (bytes[p] !== 0xff) {
      p++;
      continue;
    }
    while (p < bytes.length && bytes[p] === 0xff) p++;
    if (p >= bytes.length) break;
    const marker = bytes[p++];
    if (marker === MARKER.EOI) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0x00 || marker === MARKER.SOI) continue;
    const length = readU16(bytes, p);
    if (length < 2 || p + length > bytes.length) throw new JpegFormatError(`segment 0x${marker.toString(16)} overruns the file`);
    const start = p + 2;
    const end = p + length;
    p = end;
    if (marker === MARKER.DQT) parseQuantisationTables(bytes, start, end, qtables);
    else if (marker === MARKER.DHT) parseHuffmanTables(bytes, start, end, dcTables, acTables);
    else if (marker === MARKER.DRI) restartInterval = readU16(bytes, start);
    else if (isStartOfFrame(marker)) {
      if (frame) throw new JpegFormatError("multiple frames are not supported");
      frame = makeFrame(bytes, marker, start, end, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
      const luma = frame.components[0];
      rowStart = Math.max(0, Math.min(luma.blocksHigh, opts.rows?.[0] ?? 0));
      rowEnd = Math.max(rowStart, Math.min(luma.blocksHigh, opts.rows?.[1] ?? luma.blocksHigh));
      if (frame.progressive) progressive = new ProgressiveStore(luma.blocksWide, rowStart, rowEnd);
    } else if (marker === MARKER.SOS) {
      if (!frame) throw new JpegFormatError("SOS before SOF");
      const scan = parseScanHeader(bytes, start, end, frame, dcTables, acTables);
      if (!lumaTable && scan.components.some((c) => c.index === 0)) {
        const table = qtables[frame.components[0].tq];
        if (!table) throw new JpegFormatError("luma quantisation table missing");
        lumaTable = table.slice();
      }
      const reader = new BitReader(bytes, p);
      if (progressive) decodeProgressiveScan(reader, frame, scan, restartInterval, progressive, rowEnd);
      else decodeBaselineScan(reader, frame, scan, restartInterval, block, visit, rowStart, rowEnd);
      p = skipEntropyData(bytes, reader.pos);
    }
  }
  if (!frame) throw new JpegFormatError("no frame header (SOF)");
  if (!lumaTable) throw new JpegFormatError("no scan covers the luma component");
  const luma = frame.components[0];
  if (progressive) progressive.visitAll(visit);
  return { blocksWide: luma.blocksWide, blocksHigh: luma.blocksHigh, q: lumaTable };
}

function makeFrame(bytes: Uint8Array, marker: number, start: number, end: number, maxPixels: number): Frame {
  if (marker >= 0xc9) throw new JpegFormatError("arithmetic-coded JPEG is not supported");
  if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) throw new JpegFormatError(`unsupported frame type 0x${marker.toString(16)}`);
  const header = parseFrameHeader(bytes, start, end);
  if (header.precision !== 8) throw new JpegFormatError(`unsupported sample precision ${header.precision}`);
  if (header.height === 0) throw new JpegFormatError("zero height (DNL) is not supported");
  if (header.width * header.height > maxPixels) throw new JpegFormatError(`frame of ${header.width}×${header.height} exceeds the pixel limit`);
  const maxH = Math.max(...header.components.map((c) => c.h));
  const maxV = Math.max(...header.components.map((c) => c.v));
  const components = header.components.map((c) => ({
    ...c,
    blocksWide: Math.ceil(Math.ceil((header.width * c.h) / maxH) / 8),
    blocksHigh: Math.ceil(Math.ceil((header.height * c.v) / maxV) / 8),
    dcPred: 0,
  }));
  return {
    width: header.width,
    height: header.height,
    progressive: marker === 0xc2,
    components,
    mcusWide: Math.ceil(header.width / (8 * maxH)),
    mcusHigh: Math.ceil(header.height / (8 * maxV)),
    maxH,
    maxV,
  };
}

function parseScanHeader(
  bytes: Uint8Array,
  start: number,
  end: number,
  frame: Frame,
  dcTables: (HuffmanTable | null)[],
  acTables: (HuffmanTable | null)[],
): Scan {
  const count = bytes[start];
  if (count < 1 || count > 4 || end - start < 4 + 2 * count) throw new JpegFormatError("bad SOS header");
  const components: Scan["components"] = [];
  for (let i = 0; i < count; i++) {
    const id = bytes[start + 1 + 2 * i];
    const index = frame.components.findIndex((c) => c.id === id);
    if (index < 0) throw new JpegFormatError(`scan refers to unknown component ${id}`);
    const tables = bytes[start + 2 + 2 * i];
    components.push({ index, dc: dcTables[tables >> 4 & 3], ac: acTables[tables & 3] });
  }
  const q = start + 1 + 2 * count;
  const scan = { components, ss: bytes[q], se: bytes[q + 1], ah: bytes[q + 2] >> 4, al: bytes[q + 2] & 15 };
  if (scan.ss > 63 || scan.se > 63 || scan.ss > scan.se) throw new JpegFormatError("bad spectral selection");
  for (const c of frame.components) c.dcPred = 0;
  return scan;
}

function requireTable(table: HuffmanTable | null): HuffmanTable {
  if (!table) throw new JpegFormatError("scan uses an undefined Huffman table");
  return table;
}

/** Baseline/sequential: every block decoded in full, luma blocks handed to `visit` as they come. */
function decodeBaselineScan(
  reader: BitReader,
  frame: Frame,
  scan: Scan,
  restartInterval: number,
  block: Int16Array,
  visit: LumaBlockVisitor,
  rowStart: number,
  rowEnd: number,
): void {
  const luma = frame.components[0];
  const hasLuma = scan.components.some((c) => c.index === 0);
  if (!hasLuma) return;
  const parts = scan.components.map((c) => ({
    component: frame.components[c.index],
    isLuma: c.index === 0,
    dc: requireTable(c.dc),
    ac: requireTable(c.ac),
  }));
  const single = parts.length === 1;
  const mcusWide = single ? parts[0].component.blocksWide : frame.mcusWide;
  const mcusHigh = single ? parts[0].component.blocksHigh : frame.mcusHigh;
  let untilRestart = restartInterval;
  for (let my = 0; my < mcusHigh; my++) {
    if ((single ? my : my * luma.v) >= rowEnd) return;
    for (let mx = 0; mx < mcusWide; mx++) {
      if (restartInterval) {
        if (untilRestart === 0) {
          if (!reader.restart()) return;
          for (const part of parts) part.component.dcPred = 0;
          untilRestart = restartInterval;
        }
        untilRestart--;
      }
      for (const part of parts) {
        const c = part.component;
        const h = single ? 1 : c.h;
        const v = single ? 1 : c.v;
        for (let y = 0; y < v; y++) {
          for (let x = 0; x < h; x++) {
            block.fill(0);
            decodeBaselineBlock(reader, block, c, part.dc, part.ac);
            if (!part.isLuma) continue;
            const bx = mx * h + x;
            const by = my * v + y;
            if (bx < luma.blocksWide && by < luma.blocksHigh && by >= rowStart && by < rowEnd) visit(bx, by, block);
          }
        }
      }
    }
  }
}

function decodeBaselineBlock(reader: BitReader, block: Int16Array, c: FrameComponent, dc: HuffmanTable, ac: HuffmanTable): void {
  c.dcPred += reader.receiveExtend(reader.decode(dc));
  block[0] = c.dcPred;
  for (let k = 1; k < 64; ) {
    const rs = reader.decode(ac);
    const run = rs >> 4;
    const size = rs & 15;
    if (size === 0) {
      if (run !== 15) return;
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) throw new JpegFormatError("AC coefficient index out of range");
    block[ZIGZAG_TO_NATURAL[k]] = reader.receiveExtend(size);
    k++;
  }
}

/**
 * Progressive coefficient storage: full values for the requested rows, a non-zero mask (two u32 per
 * block, natural order) for the rows above them.
 */
class ProgressiveStore {
  readonly values: Int16Array;
  readonly mask: Uint32Array;
  readonly scratch = new Int16Array(64);
  eobRun = 0;

  constructor(
    readonly blocksWide: number,
    readonly rowStart: number,
    readonly rowEnd: number,
  ) {
    this.values = new Int16Array(blocksWide * (rowEnd - rowStart) * 64);
    this.mask = new Uint32Array(blocksWide * rowStart * 2);
  }

  /** Returns the array and offset holding block (bx, by); rows above the band are expanded into `scratch`. */
  open(bx: number, by: number): number {
    if (by >= this.rowStart) return ((by - this.rowStart) * this.blocksWide + bx) * 64;
    const m = (by * this.blocksWide + bx) * 2;
    const low = this.mask[m];
    const high = this.mask[m + 1];
    const s = this.scratch;
    for (let i = 0; i < 32; i++) {
      s[i] = (low >>> i) & 1;
      s[i + 32] = (high >>> i) & 1;
    }
    return -1;
  }

  close(bx: number, by: number): void {
    if (by >= this.rowStart) return;
    const s = this.scratch;
    let low = 0;
    let high = 0;
    for (let i = 0; i < 32; i++) {
      if (s[i] !== 0) low |= 1 << i;
      if (s[i + 32] !== 0) high |= 1 << i;
    }
    const m = (by * this.blocksWide + bx) * 2;
    this.mask[m] = low;
    this.mask[m + 1] = high;
  }

  visitAll(visit: LumaBlockVisitor): void {
    const block = new Int16Array(64);
    for (let by = this.rowStart; by < this.rowEnd; by++) {
      for (let bx = 0; bx < this.blocksWide; bx++) {
        const o = ((by - this.rowStart) * this.blocksWide + bx) * 64;
        block.set(this.values.subarray(o, o + 64));
        visit(bx, by, block);
      }
    }
  }
}

function decodeProgressiveScan(
  reader: BitReader,
  frame: Frame,
  scan: Scan,
  restartInterval: number,
  store: ProgressiveStore,
  rowEnd: number,
): void {
  if (!scan.components.some((c) => c.index === 0)) return;
  const luma = frame.components[0];
  const isDc = scan.ss === 0;
  if (!isDc && scan.components.length !== 1) throw new JpegFormatError("interleaved AC scan in a progressive file");
  const single = scan.components.length === 1;
  const mcusWide = single ? luma.blocksWide : frame.mcusWide;
  const mcusHigh = single ? luma.blocksHigh : frame.mcusHigh;
  store.eobRun = 0;
  let untilRestart = restartInterval;
  for (let my = 0; my < mcusHigh; my++) {
    if ((single ? my : my * luma.v) >= rowEnd) return;
    for (let mx = 0; mx < mcusWide; mx++) {
      if (restartInterval) {
        if (untilRestart === 0) {
          if (!reader.restart()) return;
          for (const c of frame.components) c.dcPred = 0;
          store.eobRun = 0;
          untilRestart = restartInterval;
        }
        untilRestart--;
      }
      for (const part of scan.components) {
        const c = frame.components[part.index];
        const h = single ? 1 : c.h;
        const v = single ? 1 : c.v;
        for (let y = 0; y < v; y++) {
          for (let x = 0; x < h; x++) {
            const bx = mx * h + x;
            const by = my * v + y;
            const stored = part.index === 0 && bx < luma.blocksWide && by < luma.blocksHigh && by < rowEnd;
            const offset = stored ? store.open(bx, by) : -1;
            const target = offset >= 0 ? store.values : store.scratch;
            const base = offset >= 0 ? offset : 0;
            if (!stored) store.scratch.fill(0);
            if (isDc) {
              if (scan.ah === 0) {
                c.dcPred += reader.receiveExtend(reader.decode(requireTable(part.dc)));
                target[base] = c.dcPred * (1 << scan.al);
              } else if (reader.bit()) target[base] |= 1 << scan.al;
            } else if (scan.ah === 0) decodeAcFirst(reader, requireTable(part.ac), scan, store, target, base);
            else decodeAcRefine(reader, requireTable(part.ac), scan, store, target, base);
            if (stored) store.close(bx, by);
          }
        }
      }
    }
  }
}

function decodeAcFirst(reader: BitReader, table: HuffmanTable, scan: Scan, store: ProgressiveStore, target: Int16Array, base: number): void {
  if (store.eobRun > 0) {
    store.eobRun--;
    return;
  }
  for (let k = scan.ss; k <= scan.se; k++) {
    const rs = reader.decode(table);
    const run = rs >> 4;
    const size = rs & 15;
    if (size) {
      k += run;
      if (k > 63) throw new JpegFormatError("AC coefficient index out of range");
      target[base + ZIGZAG_TO_NATURAL[k]] = reader.receiveExtend(size) * (1 << scan.al);
    } else if (run === 15) k += 15;
    else {
      store.eobRun = (1 << run) - 1 + reader.bits(run);
      return;
    }
  }
}

/** Successive-approximation AC refinement, after libjpeg's decode_mcu_AC_refine. */
function decodeAcRefine(reader: BitReader, table: HuffmanTable, scan: Scan, store: ProgressiveStore, target: Int16Array, base: number): void {
  const plus = 1 << scan.al;
  const minus = -1 << scan.al;
  let k = scan.ss;
  if (store.eobRun === 0) {
    for (; k <= scan.se; k++) {
      const rs = reader.decode(table);
      let run = rs >> 4;
      let value = 0;
      if (rs & 15) value = reader.bit() ? plus : minus;
      else if (run !== 15) {
        store.eobRun = (1 << run) + reader.bits(run);
        break;
      }
      do {
        const z = base + ZIGZAG_TO_NATURAL[k];
        const coef = target[z];
        if (coef !== 0) {
          if (reader.bit() && (coef & plus) === 0) target[z] = coef >= 0 ? coef + plus : coef + minus;
        } else if (--run < 0) break;
        k++;
      } while (k <= scan.se);
      if (value !== 0) {
        if (k > 63) throw new JpegFormatError("AC coefficient index out of range");
        target[base + ZIGZAG_TO_NATURAL[k]] = value;
      }
    }
  }
  if (store.eobRun > 0) {
    for (; k <= scan.se; k++) {
      const z = base + ZIGZAG_TO_NATURAL[k];
      const coef = target[z];
      if (coef !== 0 && reader.bit() && (coef & plus) === 0) target[z] = coef >= 0 ? coef + plus : coef + minus;
    }
    store.eobRun--;
  }
}
