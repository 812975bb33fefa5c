/**
 * A perceptual hash of a document photo, to find the same document submitted again (re-encoded, resized,
 * re-photographed on the same desk) and a box-filter downscale shared with the EXIF thumbnail comparison.
 *
 * The hash is the classic DCT pHash: luminance averaged into 32×32 cells, a 2-D DCT-II, the 8×8 lowest
 * frequencies without the DC term (63 coefficients), each bit set when its coefficient is above their median.
 * Bit 0 (the DC position) is always 0, so two hashes differ in at most 63 bits. Before hashing, the picture is
 * cropped to the document when the border is one uniform colour (a desk, a scanner lid) and something clearly
 * different fills 10–95 % of the frame; otherwise the whole frame is hashed. The hash says nothing about who is
 * on the document: two cards of one layout differ mostly in the portrait and the text, which are a minor part
 * of the lowest frequencies (see the test for measured distances).
 *
 * Memory: reads the RGBA pixels in place and allocates only grids (≤ 128×128×3 floats), whatever the image size.
 */
import type { RgbaImage, Rect } from "../face/image";

const HASH_GRID = 32;
const HASH_FREQUENCIES = 8;
/** Long side of the colour grid the document is located on. */
const LOCATE_GRID = 128;
/** Fewest source samples per grid cell side: fewer aliases noise and JPEG blocks into the averages. */
const SAMPLES_PER_CELL = 16;
/** Locating needs only a clear colour step between desk and card, so it reads fewer pixels. */
const LOCATE_SAMPLES_PER_CELL = 4;

/**
 * Averages `rect` of `image` into a `gridWidth`×`gridHeight` grid of luminance (channels 1, Rec. 601 weights,
 * 0..255) or of R, G, B (channels 3, interleaved). Each cell averages the pixels whose centres fall in it,
 * sampled with a stride that keeps ≥ `samplesPerCell`² samples a cell (default 16²), so a 12 MP photo costs
 * ~350 k reads for a 32×32 grid, not 12 M.
 *
 * @example
 * const grey = gridMeans(img, { x: 0, y: 0, width: img.width, height: img.height }, 32, 24, 1);
 */
export function gridMeans(
  image: RgbaImage,
  rect: Rect,
  gridWidth: number,
  gridHeight: number,
  channels: 1 | 3,
  samplesPerCell = SAMPLES_PER_CELL,
): Float32Array {
  const { data, width } = image;
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const w = Math.max(1, Math.min(image.width - x0, Math.floor(rect.width)));
  const h = Math.max(1, Math.min(image.height - y0, Math.floor(rect.height)));
  const cells = gridWidth * gridHeight;
  const sums = new Float32Array(cells * channels);
  const counts = new Uint32Array(cells);
  const stride = Math.max(1, Math.floor(Math.min(w / gridWidth, h / gridHeight) / samplesPerCell));
  const columnCell = new Int32Array(Math.ceil(w / stride));
  for (let i = 0; i < columnCell.length; i++) columnCell[i] = Math.min(gridWidth - 1, Math.floor(((i * stride + 0.5) * gridWidth) / w));
  for (let y = 0; y < h; y += stride) {
    const rowCell = Math.min(gridHeight - 1, Math.floor(((y + 0.5) * gridHeight) / h)) * gridWidth;
    let p = ((y0 + y) * width + x0) * 4;
    for (let i = 0; i < columnCell.length; i++, p += stride * 4) {
      const cell = rowCell + columnCell[i];
      counts[cell]++;
      if (channels === 1) {
        sums[cell] += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      } else {
        sums[cell * 3] += data[p];
        sums[cell * 3 + 1] += data[p + 1];
        sums[cell * 3 + 2] += data[p + 2];
      }
    }
  }
  for (let cell = 0; cell < cells; cell++) {
    if (counts[cell] > 0) {
      for (let c = 0; c < channels; c++) sums[cell * channels + c] /= counts[cell];
      continue;
    }
    // A grid finer than the source: the cell takes the pixel under its centre.
    const sx = x0 + Math.min(w - 1, Math.floor((((cell % gridWidth) + 0.5) * w) / gridWidth));
    const sy = y0 + Math.min(h - 1, Math.floor(((Math.floor(cell / gridWidth) + 0.5) * h) / gridHeight));
    const p = (sy * width + sx) * 4;
    if (channels === 1) sums[cell] = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    else for (let c = 0; c < 3; c++) sums[cell * 3 + c] = data[p + c];
  }
  return sums;
}

/**
 * The document's bounding box when the photo shows it on a uniform background, else null (hash the whole frame).
 * The background is the median colour of the outer two rings of a ≤128-cell colour grid; it must describe ≥ 70 %
 * of that border, and the rows and columns where ≥ 15 % of cells differ from it must span 10–95 % of the area.
 *
 * @example
 * locateDocument(decodeImage(cardOnDesk12mp)); // { x: 378, y: 472, width: 3276, height: 2080 } (examples/phone-photos.mjs)
 */
export function locateDocument(image: RgbaImage): Rect | null {
  if (image.width < 16 || image.height < 16) return null;
  const landscape = image.width >= image.height;
  const gw = landscape ? LOCATE_GRID : Math.max(8, Math.round((LOCATE_GRID * image.width) / image.height));
  const gh = landscape ? Math.max(8, Math.round((LOCATE_GRID * image.height) / image.width)) : LOCATE_GRID;
  const rgb = gridMeans(image, { x: 0, y: 0, width: image.width, height: image.height }, gw, gh, 3, LOCATE_SAMPLES_PER_CELL);
  const border: number[] = [];
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) if (x < 2 || y < 2 || x >= gw - 2 || y >= gh - 2) border.push(y * gw + x);
  }
  const background = [0, 1, 2].map((c) => median(border.map((cell) => rgb[cell * 3 + c])));
  const distance = (cell: number) =>
    Math.hypot(rgb[cell * 3] - background[0], rgb[cell * 3 + 1] - background[1], rgb[cell * 3 + 2] - background[2]);
  const borderDistances = border.map(distance);
  const threshold = Math.max(30, 3 * median(borderDistances));
  if (borderDistances.filter((d) => d <= threshold).length < 0.7 * border.length) return null;
  const rowHits = new Uint16Array(gh);
  const columnHits = new Uint16Array(gw);
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      if (distance(y * gw + x) > threshold) {
        rowHits[y]++;
        columnHits[x]++;
      }
    }
  }
  const rows = span(rowHits, 0.15 * gw);
  const columns = span(columnHits, 0.15 * gh);
  if (!rows || !columns) return null;
  const area = ((rows[1] - rows[0] + 1) * (columns[1] - columns[0] + 1)) / (gw * gh);
  if (area < 0.1 || area > 0.95) return null;
  const x = Math.floor((columns[0] * image.width) / gw);
  const y = Math.floor((rows[0] * image.height) / gh);
  return {
    x,
    y,
    width: Math.ceil(((columns[1] + 1) * image.width) / gw) - x,
    height: Math.ceil(((rows[1] + 1) * image.height) / gh) - y,
  };
}

/** First and last index whose count reaches `min`, or null. */
function span(hits: Uint16Array, min: number): [number, number] | null {
  let first = -1;
  let last = -1;
  for (let i = 0; i < hits.length; i++) {
    if (hits[i] >= min) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? null : [first, last];
}

function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** cos((2x+1)uπ/2N) for the first 8 frequencies u of an N=32 DCT-II, row u at u*32. */
const COSINES = (() => {
  const table = new Float64Array(HASH_FREQUENCIES * HASH_GRID);
  for (let u = 0; u < HASH_FREQUENCIES; u++) {
    for (let x = 0; x < HASH_GRID; x++) table[u * HASH_GRID + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_GRID));
  }
  return table;
})();

/**
 * 64-bit DCT perceptual hash of the document in `image` as 16 hex digits (bit i = frequency (i % 8, i / 8),
 * most significant digit first). Compare with `hammingDistance`: re-encodings and resizes of one photo measure
 * ≤ 6, different photos mostly ≥ 12.
 *
 * @example
 * documentHash(decodeImage(bytes)); // "5a3c0f0e9b71c2d4"
 */
export function documentHash(image: RgbaImage): string {
  const rect = locateDocument(image) ?? { x: 0, y: 0, width: image.width, height: image.height };
  const grey = gridMeans(image, rect, HASH_GRID, HASH_GRID, 1);
  // Separable DCT: rows first (only 8 frequencies are kept), then columns.
  const rows = new Float64Array(HASH_GRID * HASH_FREQUENCIES);
  for (let y = 0; y < HASH_GRID; y++) {
    for (let u = 0; u < HASH_FREQUENCIES; u++) {
      let sum = 0;
      for (let x = 0; x < HASH_GRID; x++) sum += grey[y * HASH_GRID + x] * COSINES[u * HASH_GRID + x];
      rows[y * HASH_FREQUENCIES + u] = sum;
    }
  }
  const coefficients = new Float64Array(HASH_FREQUENCIES * HASH_FREQUENCIES);
  for (let v = 0; v < HASH_FREQUENCIES; v++) {
    for (let u = 0; u < HASH_FREQUENCIES; u++) {
      let sum = 0;
      for (let y = 0; y < HASH_GRID; y++) sum += rows[y * HASH_FREQUENCIES + u] * COSINES[v * HASH_GRID + y];
      coefficients[v * HASH_FREQUENCIES + u] = sum;
    }
  }
  // Above the median by more than rounding noise: a flat picture (all AC ≈ 0) hashes to zero, not to noise.
  const threshold = median(coefficients.subarray(1)) + 1e-9 * (Math.abs(coefficients[0]) + 1);
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) {
      const i = nibble * 4 + bit;
      if (i > 0 && coefficients[i] > threshold) value |= 8 >> bit;
    }
    hex += value.toString(16);
  }
  return hex;
}

const POPCOUNT = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/**
 * Number of differing bits between two `documentHash` values (0–63).
 *
 * @example
 * hammingDistance("0000000000000000", "000000000000000f"); // 4
 */
export function hammingDistance(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/i.test(a) || !/^[0-9a-f]{16}$/i.test(b)) throw new RangeError("hashes must be 16 hex digits");
  let distance = 0;
  for (let i = 0; i < 16; i++) distance += POPCOUNT[parseInt(a[i], 16) ^ parseInt(b[i], 16)];
  return distance;
}
