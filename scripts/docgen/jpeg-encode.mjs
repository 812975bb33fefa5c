/**
 * A small baseline (SOF0) JPEG encoder: RGB or RGBA pixels in, JFIF-compatible bytes out, with ARBITRARY quantisation
 * tables (natural order), 4:2:0 or 4:4:4 chroma, the standard Annex K Huffman tables and caller-supplied APPn segments.
 * It exists so that the synthetic camera and the synthetic editors can write exactly the tables a real device or
 * Photoshop would, which sharp/libjpeg cannot be told to do.
 *
 * Memory: works one MCU row at a time straight from the caller's pixels; besides the output (grown by doubling) it
 * allocates only a few 64-entry blocks.
 */

/** Zigzag position → natural index (ITU-T T.81 Figure A.6). */
export const ZIGZAG_TO_NATURAL = Object.freeze([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
]);

const ZIGZAG = Int32Array.from(ZIGZAG_TO_NATURAL);

// Annex K.3 Huffman tables: code counts per length 1..16, then symbols.
const DC_LUMA_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_LUMA_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const DC_CHROMA_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_CHROMA_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_LUMA_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14,
  0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09,
  0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
  0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65,
  0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
  0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
  0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
  0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
  0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];
const AC_CHROMA_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHROMA_VALUES = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32,
  0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16,
  0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39,
  0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
  0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86,
  0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
  0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
  0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

/** @param {number[]} bits @param {number[]} values → code and length per symbol (Annex C). */
function buildHuffman(bits, values) {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) {
      code[values[k]] = next++;
      length[values[k]] = len;
      k++;
    }
    next <<= 1;
  }
  return { code, length };
}

const HUFFMAN = {
  dcLuma: buildHuffman(DC_LUMA_BITS, DC_LUMA_VALUES),
  acLuma: buildHuffman(AC_LUMA_BITS, AC_LUMA_VALUES),
  dcChroma: buildHuffman(DC_CHROMA_BITS, DC_CHROMA_VALUES),
  acChroma: buildHuffman(AC_CHROMA_BITS, AC_CHROMA_VALUES),
};

// AAN scale factors, folded with the quantiser into one multiplier per coefficient (IJG jfdctflt).
const AAN = [1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.5411961, 0.275899379];

/** @param {readonly number[]} table natural order */
function divisors(table) {
  const out = new Float64Array(64);
  for (let row = 0; row < 8; row++) {
    for (let col = 0; col < 8; col++) out[row * 8 + col] = 1 / (table[row * 8 + col] * AAN[row] * AAN[col] * 8);
  }
  return out;
}

/** In-place float AAN forward DCT, then quantise into `out` (zigzag order). @param {Float64Array} d @param {Float64Array} div @param {Int32Array} out */
function forwardDctQuantise(d, div, out) {
  for (let off = 0; off < 64; off += 8) {
    const t0 = d[off] + d[off + 7], t7 = d[off] - d[off + 7];
    const t1 = d[off + 1] + d[off + 6], t6 = d[off + 1] - d[off + 6];
    const t2 = d[off + 2] + d[off + 5], t5 = d[off + 2] - d[off + 5];
    const t3 = d[off + 3] + d[off + 4], t4 = d[off + 3] - d[off + 4];
    let t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
    d[off] = t10 + t11;
    d[off + 4] = t10 - t11;
    const z1 = (t12 + t13) * 0.707106781;
    d[off + 2] = t13 + z1;
    d[off + 6] = t13 - z1;
    t10 = t4 + t5;
    t11 = t5 + t6;
    t12 = t6 + t7;
    const z5 = (t10 - t12) * 0.382683433;
    const z2 = 0.5411961 * t10 + z5;
    const z4 = 1.306562965 * t12 + z5;
    const z3 = t11 * 0.707106781;
    const z11 = t7 + z3, z13 = t7 - z3;
    d[off + 5] = z13 + z2;
    d[off + 3] = z13 - z2;
    d[off + 1] = z11 + z4;
    d[off + 7] = z11 - z4;
  }
  for (let c = 0; c < 8; c++) {
    const t0 = d[c] + d[c + 56], t7 = d[c] - d[c + 56];
    const t1 = d[c + 8] + d[c + 48], t6 = d[c + 8] - d[c + 48];
    const t2 = d[c + 16] + d[c + 40], t5 = d[c + 16] - d[c + 40];
    const t3 = d[c + 24] + d[c + 32], t4 = d[c + 24] - d[c + 32];
    let t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
    d[c] = t10 + t11;
    d[c + 32] = t10 - t11;
    const z1 = (t12 + t13) * 0.707106781;
    d[c + 16] = t13 + z1;
    d[c + 48] = t13 - z1;
    t10 = t4 + t5;
    t11 = t5 + t6;
    t12 = t6 + t7;
    const z5 = (t10 - t12) * 0.382683433;
    const z2 = 0.5411961 * t10 + z5;
    const z4 = 1.306562965 * t12 + z5;
    const z3 = t11 * 0.707106781;
    const z11 = t7 + z3, z13 = t7 - z3;
    d[c + 40] = z13 + z2;
    d[c + 24] = z13 - z2;
    d[c + 8] = z11 + z4;
    d[c + 56] = z11 - z4;
  }
  for (let z = 0; z < 64; z++) {
    const n = ZIGZAG[z];
    // Math.round without the call: floor(v + 0.5) via an offset that keeps the value positive.
    out[z] = ((d[n] * div[n] + 65536.5) | 0) - 65536;
  }
}

/** Growable byte output with the entropy coder's bit buffer and 0xFF stuffing. */
class ByteWriter {
  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
    this.length = 0;
    this.bitBuffer = 0;
    this.bitCount = 0;
  }
  /** @param {number} needed */
  ensure(needed) {
    if (this.length + needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  /** @param {number} value */
  byte(value) {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }
  /** @param {number} value */
  word(value) {
    this.byte((value >> 8) & 0xff);
    this.byte(value & 0xff);
  }
  /** @param {ArrayLike<number>} data */
  array(data) {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }
  /** Appends `size` low bits of `code`; callers reserve room first (see `ensure`). @param {number} code @param {number} size */
  bits(code, size) {
    let buffer = (this.bitBuffer << size) | (code & ((1 << size) - 1));
    let count = this.bitCount + size;
    const bytes = this.bytes;
    while (count >= 8) {
      const value = (buffer >> (count - 8)) & 0xff;
      bytes[this.length++] = value;
      if (value === 0xff) bytes[this.length++] = 0;
      count -= 8;
    }
    this.bitCount = count;
    this.bitBuffer = buffer & ((1 << count) - 1);
  }
  flushBits() {
    this.ensure(2);
    if (this.bitCount > 0) this.bits(0x7f, 8 - this.bitCount);
  }
}

/** @param {number} value → number of bits of its magnitude (JPEG "category"). */
function category(value) {
  return 32 - Math.clz32(value < 0 ? -value : value);
}

/**
 * @param {ByteWriter} out @param {Int32Array} zz @param {number} previousDc
 * @param {{code: Uint16Array, length: Uint8Array}} dc @param {{code: Uint16Array, length: Uint8Array}} ac
 */
function writeBlock(out, zz, previousDc, dc, ac) {
  // Worst case: 64 codes of 16 + 11 bits, every byte stuffed.
  out.ensure(512);
  const diff = zz[0] - previousDc;
  const dcSize = category(diff);
  out.bits(dc.code[dcSize], dc.length[dcSize]);
  if (dcSize) out.bits(diff < 0 ? diff - 1 : diff, dcSize);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const value = zz[k];
    if (value === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      out.bits(ac.code[0xf0], ac.length[0xf0]);
      run -= 16;
    }
    const size = category(value);
    const symbol = (run << 4) | size;
    out.bits(ac.code[symbol], ac.length[symbol]);
    out.bits(value < 0 ? value - 1 : value, size);
    run = 0;
  }
  if (run > 0) out.bits(ac.code[0], ac.length[0]);
  return zz[0];
}

/** @param {ByteWriter} out @param {number} marker @param {ArrayLike<number>} payload */
function writeSegment(out, marker, payload) {
  if (payload.length + 2 > 0xffff) throw new Error(`segment 0x${marker.toString(16)} too large (${payload.length} bytes)`);
  out.word(0xff00 | marker);
  out.word(payload.length + 2);
  out.array(payload);
}

/** @param {ByteWriter} out @param {number[]} bits @param {number[]} values @param {number} classAndId */
function writeHuffmanTable(out, bits, values, classAndId) {
  out.byte(classAndId);
  out.array(bits);
  out.array(values);
}

const EXIF_ID = [0x45, 0x78, 0x69, 0x66, 0, 0];
const JFIF_ID = [0x4a, 0x46, 0x49, 0x46, 0];

/** @param {{marker: number, data: Uint8Array}} segment @param {readonly number[]} id */
function startsWith(segment, id) {
  return id.every((byte, i) => segment.data[i] === byte);
}

/**
 * Orders APPn segments the way readers expect: a JFIF APP0 first (JFIF requires it right after SOI), then the Exif
 * APP1 (Exif requires it first when there is no JFIF), then everything else in the caller's order.
 * @param {{marker: number, data: Uint8Array}[]} segments
 */
export function orderAppSegments(segments) {
  const rank = (/** @type {{marker: number, data: Uint8Array}} */ s) =>
    s.marker === 0xe0 && startsWith(s, JFIF_ID) ? 0 : s.marker === 0xe1 && startsWith(s, EXIF_ID) ? 1 : 2;
  return segments
    .map((segment, index) => ({ segment, index }))
    .sort((a, b) => rank(a.segment) - rank(b.segment) || a.index - b.index)
    .map((entry) => entry.segment);
}

/**
 * @typedef {object} EncodeOptions
 * @property {readonly number[]} luma 64 luma quantisers, natural order, 1..255
 * @property {readonly number[]} chroma 64 chroma quantisers, natural order, 1..255
 * @property {"4:2:0" | "4:4:4"} [subsampling] default "4:2:0"
 * @property {{marker: number, data: Uint8Array}[]} [segments] APPn segments (marker 0xE0..0xEF, payload without length)
 */

/**
 * Encodes RGB(A) pixels as a baseline JPEG with the given tables.
 * @param {{ width: number, height: number, channels: 3 | 4, data: Uint8Array }} image interleaved 8-bit pixels
 * @param {EncodeOptions} options
 * @returns {Uint8Array}
 * @example
 * const jpeg = encodeJpeg({ width: 16, height: 16, channels: 3, data: new Uint8Array(16 * 16 * 3) },
 *   { luma: ijgTables(90).luma, chroma: ijgTables(90).chroma });
 */
export function encodeJpeg(image, options) {
  const { width, height, channels, data } = image;
  const subsampled = (options.subsampling ?? "4:2:0") === "4:2:0";
  for (const table of [options.luma, options.chroma]) {
    if (table.length !== 64 || table.some((v) => !(v >= 1 && v <= 255))) throw new Error("quantisation tables must be 64 values in 1..255");
  }
  const out = new ByteWriter(Math.max(1 << 16, Math.ceil(width * height * 0.35)));
  out.word(0xffd8);
  for (const segment of orderAppSegments(options.segments ?? [])) writeSegment(out, segment.marker, segment.data);

  const dqt = [0x00, ...ZIGZAG_TO_NATURAL.map((n) => options.luma[n]), 0x01, ...ZIGZAG_TO_NATURAL.map((n) => options.chroma[n])];
  writeSegment(out, 0xdb, dqt);
  const sampling = subsampled ? 0x22 : 0x11;
  writeSegment(out, 0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, sampling, 0, 2, 0x11, 1, 3, 0x11, 1]);
  out.word(0xffc4);
  const dhtLength = 2 + 4 * 17 + DC_LUMA_VALUES.length + AC_LUMA_VALUES.length + DC_CHROMA_VALUES.length + AC_CHROMA_VALUES.length;
  out.word(dhtLength);
  writeHuffmanTable(out, DC_LUMA_BITS, DC_LUMA_VALUES, 0x00);
  writeHuffmanTable(out, AC_LUMA_BITS, AC_LUMA_VALUES, 0x10);
  writeHuffmanTable(out, DC_CHROMA_BITS, DC_CHROMA_VALUES, 0x01);
  writeHuffmanTable(out, AC_CHROMA_BITS, AC_CHROMA_VALUES, 0x11);
  writeSegment(out, 0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  const lumaDiv = divisors(options.luma);
  const chromaDiv = divisors(options.chroma);
  const mcuSize = subsampled ? 16 : 8;
  const yBlock = new Float64Array(64);
  const cbBlock = new Float64Array(64);
  const crBlock = new Float64Array(64);
  // RGB sums over each 2×2 cell of a 4:2:0 MCU.
  const rSum = new Float64Array(64), gSum = new Float64Array(64), bSum = new Float64Array(64);
  const yFull = new Float64Array(mcuSize * mcuSize);
  const zz = new Int32Array(64);
  let dcY = 0, dcCb = 0, dcCr = 0;
  const lastX = width - 1, lastY = height - 1;

  for (let mcuY = 0; mcuY < height; mcuY += mcuSize) {
    for (let mcuX = 0; mcuX < width; mcuX += mcuSize) {
      const interior = mcuX + mcuSize <= width && mcuY + mcuSize <= height;
      if (subsampled) {
        rSum.fill(0);
        gSum.fill(0);
        bSum.fill(0);
      }
      for (let yy = 0; yy < mcuSize; yy++) {
        const sy = mcuY + yy < lastY ? mcuY + yy : lastY;
        const rowBase = sy * width;
        const chromaRow = (yy >> 1) * 8;
        let p = (rowBase + mcuX) * channels;
        for (let xx = 0; xx < mcuSize; xx++, p += channels) {
          if (!interior && mcuX + xx > lastX) p = (rowBase + lastX) * channels;
          const i = yy * mcuSize + xx;
          const r = data[p], g = data[p + 1], b = data[p + 2];
          yFull[i] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
          if (subsampled) {
            // Chroma is linear in RGB, so averaging RGB over 2×2 first gives the same Cb/Cr as averaging Cb/Cr.
            const c = chromaRow + (xx >> 1);
            rSum[c] += r;
            gSum[c] += g;
            bSum[c] += b;
          } else {
            cbBlock[i] = -0.168735892 * r - 0.331264108 * g + 0.5 * b;
            crBlock[i] = 0.5 * r - 0.418687589 * g - 0.081312411 * b;
          }
        }
      }
      if (subsampled) {
        for (let by = 0; by < 2; by++) {
          for (let bx = 0; bx < 2; bx++) {
            for (let yy = 0; yy < 8; yy++) {
              for (let xx = 0; xx < 8; xx++) yBlock[yy * 8 + xx] = yFull[(by * 8 + yy) * 16 + bx * 8 + xx];
            }
            forwardDctQuantise(yBlock, lumaDiv, zz);
            dcY = writeBlock(out, zz, dcY, HUFFMAN.dcLuma, HUFFMAN.acLuma);
          }
        }
        for (let c = 0; c < 64; c++) {
          const r = rSum[c] * 0.25, g = gSum[c] * 0.25, b = bSum[c] * 0.25;
          cbBlock[c] = -0.168735892 * r - 0.331264108 * g + 0.5 * b;
          crBlock[c] = 0.5 * r - 0.418687589 * g - 0.081312411 * b;
        }
      } else {
        yBlock.set(yFull);
        forwardDctQuantise(yBlock, lumaDiv, zz);
        dcY = writeBlock(out, zz, dcY, HUFFMAN.dcLuma, HUFFMAN.acLuma);
      }
      forwardDctQuantise(cbBlock, chromaDiv, zz);
      dcCb = writeBlock(out, zz, dcCb, HUFFMAN.dcChroma, HUFFMAN.acChroma);
      forwardDctQuantise(crBlock, chromaDiv, zz);
      dcCr = writeBlock(out, zz, dcCr, HUFFMAN.dcChroma, HUFFMAN.acChroma);
    }
  }
  out.flushBits();
  out.word(0xffd9);
  return out.bytes.slice(0, out.length);
}

/**
 * Reads the quantisation tables of a JPEG (natural order, by table id) — for tests and truth checks.
 * @param {Uint8Array} bytes
 * @returns {Map<number, number[]>}
 * @example
 * readQuantTables(jpeg).get(0); // the luma table as written
 */
export function readQuantTables(bytes) {
  const tables = new Map();
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1];
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (marker === 0xda) break;
    if (marker === 0xdb) {
      let p = pos + 4;
      while (p < pos + 2 + length) {
        const precision = bytes[p] >> 4, id = bytes[p] & 15;
        const table = new Array(64);
        for (let z = 0; z < 64; z++) table[ZIGZAG_TO_NATURAL[z]] = precision ? (bytes[p + 1 + 2 * z] << 8) | bytes[p + 2 + 2 * z] : bytes[p + 1 + z];
        tables.set(id, table);
        p += 1 + 64 * (precision ? 2 : 1);
      }
    }
    pos += 2 + length;
  }
  return tables;
}

/**
 * Lists the marker segments before the scan (marker and payload without the length), in file order.
 * @param {Uint8Array} bytes
 * @returns {{ marker: number, data: Uint8Array }[]}
 * @example
 * listSegments(jpeg).map((s) => s.marker.toString(16)); // ["e1", "db", "c0", "c4", "da"]
 */
export function listSegments(bytes) {
  const segments = [];
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1];
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    segments.push({ marker, data: bytes.subarray(pos + 4, pos + 2 + length) });
    if (marker === 0xda) break;
    pos += 2 + length;
  }
  return segments;
}
