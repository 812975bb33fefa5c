/**
 * Copy-move (clone) detection: finds a part of the photo that was copied to another place in the same photo,
 * the classic way to duplicate a stamp, a digit or a field on a document picture.
 *
 * Block matching after Fridrich et al. (2003), arranged to run in a Worker:
 * 1. a grey copy at most ~1.92 MP and one image of 8×8 box sums (Uint16) — the only large buffers;
 * 2. every 16×16 block is described by nine overlapping 8×8 means (a low-pass descriptor, robust to JPEG);
 *    blocks on a 4-pixel grid that are flat or one-dimensional (a straight edge) are put in a hash table keyed by
 *    their quantised quadrant means, inserted into neighbouring bins too so JPEG noise cannot split a pair;
 * 3. every block position (stride 1) looks itself up, so the match of a grid block is found at its exact shift
 *    whatever that shift is; buckets holding very common content are skipped;
 * 4. pairs at least three block sizes apart vote on their shift vector; a shift is kept when it is supported by
 *    enough spatially connected blocks;
 * 5. each kept shift is verified on pixels: zero-mean correlation between the two regions must be high, clearly
 *    higher than at nearby shifts (self-similar texture matches equally well there); their flat background must
 *    correlate too (a copy carries its guilloche and sensor noise along, the same word printed twice on a card
 *    does not); and the source area must not also match at other shifts (periodic print: rosettes, `<<<<`).
 * Printed backgrounds repeat by design, so every guard errs towards reporting nothing.
 * Memory: ~12 MB at the 1.92 MP working size (grey 1.9, box sums 3.8, pairs 2, table ≤ 2, votes ≤ 3); a larger
 * input is reduced while converting to grey, so a 12 MP photo costs the same.
 */
import { releaseBuffer } from "../face/image";
import type { RgbaImage } from "../face/image";

/** Axis-aligned rectangle in pixels of the analysed image. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One cloned area: `target` is `source` moved by `shift`; which one is the original cannot be told. */
export interface CloneRegion {
  source: Box;
  target: Box;
  shift: { dx: number; dy: number };
  /** Connected 16×16 grid blocks (at the working scale) supporting the shift. */
  blocks: number;
  /** Zero-mean pixel correlation between the two regions, 0..1. */
  correlation: number;
}

export interface CloneResult {
  regions: CloneRegion[];
  /** 0 when nothing was found; ≥ 0.5 for every verified region, growing with its size and correlation. */
  score: number;
}

export interface CloneOptions {
  /** Fewest connected grid blocks (4-pixel grid, 16×16 blocks) for a shift to be examined. Default 16. */
  minBlocks?: number;
  /** Lowest pixel correlation accepted for a region. Default 0.9. */
  minCorrelation?: number;
  /** Pixel budget of the working copy; larger images are box-averaged down. Default 1600×1200. */
  maxPixels?: number;
}

const BLOCK = 16;
const GRID = 4;
const MIN_DISTANCE = 3 * BLOCK;
const MAX_SIDE = 1600;
const DEFAULT_MAX_PIXELS = 1600 * 1200;
const TABLE_BITS = 18;
const MAX_BUCKET = 16;
const MAX_PAIRS = 1 << 18;
const MAX_CANDIDATES = 16;
/** Descriptor values are sums of 64 pixels; thresholds below are in grey levels × 64. */
const UNIT = 64;
const MIN_CONTRAST = 8 * UNIT;
/** A copy must correlate this much better at its shift than anywhere 4..32 px off it. */
const PEAK_MARGIN = 0.2;
/** Background (flat pixels) of the two regions: how much must correlate, over at least how many pixels. */
const MIN_BACKGROUND_CORRELATION = 0.75;
/** …and by how much more than 3 px off the shift: a smooth periodic background correlates there as well. */
const MIN_BACKGROUND_PEAK = 0.15;
const MIN_BACKGROUND_SAMPLES = 100;
const FLAT_STEP = 20;
const MIN_AXIS_VARIATION = 6 * UNIT;
const MATCH_TOLERANCE = 1.5 * 9 * UNIT;
/** A copy's key sums differ from the original's by JPEG noise only: a query may have this much less contrast. */
const QUERY_SLACK = 3 * UNIT;
/** Grey levels from a bin edge within which a grid block is also filed under the neighbouring bin. */
const BIN_MARGIN = 1.5;

/**
 * Looks for copy-moved regions in a photo of a document.
 *
 * @example
 * const { regions, score } = findClones(rgba);
 * if (regions.length > 0) flag("DOCUMENT_CLONED_REGION", { score, where: regions[0].target });
 */
export function findClones(image: RgbaImage, opts: CloneOptions = {}): CloneResult {
  const minBlocks = opts.minBlocks ?? 16;
  const minCorrelation = opts.minCorrelation ?? 0.9;
  const grey = toGrey(image, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (grey.width < 4 * BLOCK || grey.height < 4 * BLOCK) return { regions: [], score: 0 };
  const sums = boxSums8(grey);
  const table = indexGridBlocks(sums, grey);
  const pairs = matchAllPositions(sums, grey, table);
  try {
    const votes = countVotes(pairs, grey.width);
    const regions: CloneRegion[] = [];
    const tried: number[][] = [];
    for (const shift of strongestShifts(votes, minBlocks, grey)) {
      if (tried.some(([dx, dy]) => Math.abs(dx - shift[0]) <= 2 && Math.abs(dy - shift[1]) <= 2)) continue;
      tried.push(shift);
      if (tried.length > MAX_CANDIDATES) break;
      const region = examineShift(shift, pairs, grey, minBlocks, minCorrelation);
      if (region) regions.push(scaleRegion(region, grey.scale, image));
    }
    regions.sort((a, b) => b.blocks - a.blocks);
    const score = regions.reduce((best, r) => Math.max(best, regionScore(r, minBlocks, minCorrelation)), 0);
    return { regions, score };
  } finally {
    // ~12 MB of working arrays: detached now rather than whenever V8 collects them (they count against the isolate).
    for (const view of [grey.data, sums.data, table.start, table.entries, pairs.dx, pairs.dy, pairs.source]) releaseBuffer(view);
  }
}

interface Grey {
  width: number;
  height: number;
  data: Uint8Array;
  /** Pixels of the input per pixel of this copy (1 when not reduced). */
  scale: number;
}

/** Luma, box-averaged by an integer factor when the input exceeds the working budget. */
function toGrey(image: RgbaImage, maxPixels: number): Grey {
  const { width, height, data } = image;
  const scale = Math.max(1, Math.ceil(Math.sqrt((width * height) / maxPixels) - 1e-9), Math.ceil(Math.max(width, height) / MAX_SIDE - 1e-9));
  const w = Math.floor(width / scale);
  const h = Math.floor(height / scale);
  const out = new Uint8Array(w * h);
  const area = scale * scale;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let j = 0; j < scale; j++) {
        let p = ((y * scale + j) * width + x * scale) * 4;
        for (let i = 0; i < scale; i++, p += 4) sum += 77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2];
      }
      out[y * w + x] = (sum / area + 128) >> 8;
    }
  }
  return { width: w, height: h, data: out, scale };
}

interface BoxSums {
  /** Sum of the 8×8 square whose top-left corner is (x, y), row stride `width`. */
  data: Uint16Array;
  width: number;
  height: number;
}

function boxSums8(grey: Grey): BoxSums {
  const { width: w, height: h, data: g } = grey;
  const sw = w - 7;
  const sh = h - 7;
  const out = new Uint16Array(sw * sh);
  const column = new Uint32Array(w);
  for (let y = 0; y < 8; y++) for (let x = 0; x < w; x++) column[x] += g[y * w + x];
  for (let y = 0; y < sh; y++) {
    if (y > 0) {
      const add = (y + 7) * w;
      const sub = (y - 1) * w;
      for (let x = 0; x < w; x++) column[x] += g[add + x] - g[sub + x];
    }
    let run = 0;
    for (let x = 0; x < 8; x++) run += column[x];
    const row = y * sw;
    out[row] = run;
    for (let x = 1; x < sw; x++) {
      run += column[x + 7] - column[x - 1];
      out[row + x] = run;
    }
  }
  return { data: out, width: sw, height: sh };
}

/** The nine overlapping 8×8 sums of the 16×16 block at `pos` (offsets 0, 4, 8 on each axis), into `out`. */
function describe(sums: BoxSums, pos: number, out: Int32Array): void {
  const s = sums.data;
  const row = 4 * sums.width;
  for (let j = 0, k = 0; j < 3; j++) {
    const base = pos + j * row;
    out[k++] = s[base];
    out[k++] = s[base + 4];
    out[k++] = s[base + 8];
  }
}

/** Flat blocks and straight edges match too many places to be evidence; only 2-D structure is indexed. */
function isDistinctive(d: Int32Array): boolean {
  // d[4] is the centre square; d[0], d[2], d[6], d[8] the quadrants: the same sums the query side checks.
  let min = d[4];
  let max = d[4];
  for (const k of [0, 2, 6, 8]) {
    if (d[k] < min) min = d[k];
    if (d[k] > max) max = d[k];
  }
  if (max - min < MIN_CONTRAST) return false;
  let along = 0;
  let across = 0;
  for (let j = 0; j < 3; j++) {
    along += Math.abs(d[j * 3 + 1] - d[j * 3]) + Math.abs(d[j * 3 + 2] - d[j * 3 + 1]);
    across += Math.abs(d[3 + j] - d[j]) + Math.abs(d[6 + j] - d[3 + j]);
  }
  return Math.min(along, across) >= MIN_AXIS_VARIATION && Math.min(along, across) >= 0.2 * Math.max(along, across);
}

/**
 * Hash-key features of a block, from its four 8×8 quadrant sums q00 q10 q01 q11 and its centre 8×8 sum:
 * mean, the three Haar differences of the quadrants, and centre against quadrants. Each is an integer
 * numerator; its bin is numerator / KEY_DIVISOR (8 grey levels for the mean, 6 for the others).
 */
const KEYS = 5;
const KEY_DIVISOR = [8 * 4 * UNIT, 6 * 2 * UNIT, 6 * 2 * UNIT, 6 * 2 * UNIT, 6 * 4 * UNIT];

function keyNumerators(s: Uint16Array, pos: number, sw: number, out: Int32Array): void {
  const a = s[pos];
  const b = s[pos + 8];
  const c = s[pos + 8 * sw];
  const d = s[pos + 8 * sw + 8];
  const e = s[pos + 4 * sw + 4];
  // Offsets keep every numerator non-negative so `| 0` floors.
  out[0] = a + b + c + d;
  out[1] = a + c - b - d + 256 * 2 * UNIT;
  out[2] = a + b - c - d + 256 * 2 * UNIT;
  out[3] = a + d - b - c + 256 * 2 * UNIT;
  out[4] = 4 * e - a - b - c - d + 256 * 4 * UNIT;
}

function bucketOf(b0: number, b1: number, b2: number, b3: number, b4: number): number {
  let h = Math.imul(0x811c9dc5 ^ b0, 0x01000193);
  h = Math.imul(h ^ b1, 0x01000193);
  h = Math.imul(h ^ b2, 0x01000193);
  h = Math.imul(h ^ b3, 0x01000193);
  h = Math.imul(h ^ b4, 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x9e3779b1) >>> (32 - TABLE_BITS);
}

interface BlockTable {
  /** CSR layout: bucket b holds `entries[start[b] .. start[b + 1])`, each a block position in `sums`. */
  start: Int32Array;
  entries: Int32Array;
}

/**
 * Hashes the distinctive blocks of the 4-pixel grid. A feature lying within BIN_MARGIN of a bin edge puts the
 * block into the neighbouring bin as well, so a slightly different copy still lands in a bucket holding it.
 */
function indexGridBlocks(sums: BoxSums, grey: Grey): BlockTable {
  const sw = sums.width;
  const maxX = grey.width - BLOCK;
  const maxY = grey.height - BLOCK;
  const start = new Int32Array((1 << TABLE_BITS) + 1);
  const d = new Int32Array(9);
  const num = new Int32Array(KEYS);
  const near = new Int32Array(KEYS);
  const own = new Int32Array(KEYS);
  const bins = new Int32Array(KEYS);
  let entries = new Int32Array(0);
  // Two passes (count, then fill) so the entry array is allocated once at its exact size.
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y <= maxY; y += GRID) {
      for (let x = 0; x <= maxX; x += GRID) {
        const pos = y * sw + x;
        describe(sums, pos, d);
        if (!isDistinctive(d)) continue;
        keyNumerators(sums.data, pos, sw, num);
        let alternatives = 0;
        for (let k = 0; k < KEYS; k++) {
          own[k] = (num[k] / KEY_DIVISOR[k]) | 0;
          const within = num[k] - own[k] * KEY_DIVISOR[k];
          const margin = (BIN_MARGIN / (k === 0 ? 8 : 6)) * KEY_DIVISOR[k];
          near[k] = within < margin ? own[k] - 1 : within > KEY_DIVISOR[k] - margin ? own[k] + 1 : own[k];
          if (near[k] !== own[k]) alternatives |= 1 << k;
        }
        // Every subset of the features that have a neighbouring bin, the empty one included.
        for (let combo = alternatives; ; combo = (combo - 1) & alternatives) {
          for (let k = 0; k < KEYS; k++) bins[k] = combo & (1 << k) ? near[k] : own[k];
          const bucket = bucketOf(bins[0], bins[1], bins[2], bins[3], bins[4]);
          if (pass === 0) start[bucket + 1]++;
          else entries[start[bucket]++] = pos;
          if (combo === 0) break;
        }
      }
    }
    if (pass === 0) {
      for (let b = 1; b < start.length; b++) start[b] += start[b - 1];
      entries = new Int32Array(start[start.length - 1]);
    } else {
      // Filling advanced each start to its end; shift back by one bucket.
      for (let b = start.length - 1; b > 0; b--) start[b] = start[b - 1];
      start[0] = 0;
    }
  }
  return { start, entries };
}

interface Pairs {
  /** Canonical shift from source to target: dy > 0, or dy = 0 and dx > 0. */
  dx: Int16Array;
  dy: Int16Array;
  /** Top-left of the source block in the grey image, y * width + x. */
  source: Int32Array;
  length: number;
}

function packShift(dx: number, dy: number, width: number): number {
  return dy * (2 * width + 1) + dx + width;
}

function unpackShift(key: number, width: number): [number, number] {
  const dy = Math.floor(key / (2 * width + 1));
  return [key - dy * (2 * width + 1) - width, dy];
}

function matchAllPositions(sums: BoxSums, grey: Grey, table: BlockTable): Pairs {
  const sw = sums.width;
  const s = sums.data;
  const { start, entries } = table;
  const maxX = grey.width - BLOCK;
  const maxY = grey.height - BLOCK;
  const pairs: Pairs = { dx: new Int16Array(MAX_PAIRS), dy: new Int16Array(MAX_PAIRS), source: new Int32Array(MAX_PAIRS), length: 0 };
  const minDistance2 = MIN_DISTANCE * MIN_DISTANCE;
  const row4 = 4 * sw;
  const [k0, k1, k2, k3, k4] = KEY_DIVISOR;
  const minContrast = MIN_CONTRAST - QUERY_SLACK;
  for (let y = 0; y <= maxY; y++) {
    for (let x = 0; x <= maxX; x++) {
      const pos = y * sw + x;
      const a = s[pos];
      const b = s[pos + 8];
      const c = s[pos + 8 * sw];
      const d = s[pos + 8 * sw + 8];
      const e = s[pos + row4 + 4];
      if (Math.max(a, b, c, d, e) - Math.min(a, b, c, d, e) < minContrast) continue;
      const bucket = bucketOf(
        ((a + b + c + d) / k0) | 0,
        ((a + c - b - d + 256 * 2 * UNIT) / k1) | 0,
        ((a + b - c - d + 256 * 2 * UNIT) / k2) | 0,
        ((a + d - b - c + 256 * 2 * UNIT) / k3) | 0,
        ((4 * e - a - b - c - d + 256 * 4 * UNIT) / k4) | 0,
      );
      const from = start[bucket];
      const to = start[bucket + 1];
      if (to === from || to - from > MAX_BUCKET) continue;
      for (let e = from; e < to; e++) {
        const other = entries[e];
        const oy = (other / sw) | 0;
        const ox = other - oy * sw;
        const dx = x - ox;
        const dy = y - oy;
        if (dx * dx + dy * dy < minDistance2) continue;
        let distance = 0;
        for (let j = 0; j < 3 && distance <= MATCH_TOLERANCE; j++) {
          const a = pos + j * row4;
          const b = other + j * row4;
          distance += Math.abs(s[a] - s[b]) + Math.abs(s[a + 4] - s[b + 4]) + Math.abs(s[a + 8] - s[b + 8]);
        }
        if (distance > MATCH_TOLERANCE || pairs.length === MAX_PAIRS) continue;
        const forward = dy > 0 || (dy === 0 && dx > 0);
        pairs.dx[pairs.length] = forward ? dx : -dx;
        pairs.dy[pairs.length] = forward ? dy : -dy;
        pairs.source[pairs.length] = forward ? oy * grey.width + ox : y * grey.width + x;
        pairs.length++;
      }
    }
  }
  return pairs;
}

interface Votes {
  /** Distinct packed shifts, ascending, and how many pairs voted for each. */
  keys: Int32Array;
  counts: Int32Array;
}

function countVotes(pairs: Pairs, width: number): Votes {
  const sorted = new Int32Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) sorted[i] = packShift(pairs.dx[i], pairs.dy[i], width);
  sorted.sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const keys = new Int32Array(distinct);
  const counts = new Int32Array(distinct);
  for (let i = 0, k = -1; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) keys[++k] = sorted[i];
    counts[k]++;
  }
  releaseBuffer(sorted);
  return { keys, counts };
}

function votesAt(votes: Votes, key: number): number {
  let lo = 0;
  let hi = votes.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = votes.keys[mid];
    if (k === key) return votes.counts[mid];
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Votes of a shift and its eight neighbours: JPEG and smooth content let a match land one pixel off. */
function neighbourhoodVotes(votes: Votes, dx: number, dy: number, width: number): number {
  let total = 0;
  for (let j = -1; j <= 1; j++) {
    for (let i = -1; i <= 1; i++) {
      const ddx = dx + i;
      const ddy = dy + j;
      if (ddy < 0 || (ddy === 0 && ddx <= 0)) continue;
      total += votesAt(votes, packShift(ddx, ddy, width));
    }
  }
  return total;
}

/** Shifts whose neighbourhood gathers at least `minBlocks` votes, strongest first. */
function strongestShifts(votes: Votes, minBlocks: number, grey: Grey): [number, number][] {
  const found: [number, number, number][] = [];
  for (let i = 0; i < votes.keys.length; i++) {
    if (votes.counts[i] * 9 < minBlocks) continue;
    const [dx, dy] = unpackShift(votes.keys[i], grey.width);
    const total = neighbourhoodVotes(votes, dx, dy, grey.width);
    if (total >= minBlocks) found.push([dx, dy, total]);
  }
  found.sort((a, b) => b[2] - a[2]);
  return found.map(([dx, dy]) => [dx, dy]);
}

function examineShift(
  [dx, dy]: number[],
  pairs: Pairs,
  grey: Grey,
  minBlocks: number,
  minCorrelation: number,
): CloneRegion | undefined {
  const { width: w, height: h } = grey;
  const gw = Math.ceil(w / GRID);
  const gh = Math.ceil(h / GRID);
  const mask = new Int32Array(gw * gh);
  try {
    return examineMask(mask, [dx, dy], pairs, grey, minBlocks, minCorrelation);
  } finally {
    // 0.5 MB per candidate shift, up to MAX_CANDIDATES of them: detached now rather than at V8's next collection.
    releaseBuffer(mask);
  }
}

/** {@link examineShift} on `mask`, the grid of cells (filled here) whose blocks matched at the shift. */
function examineMask(mask: Int32Array, [dx, dy]: number[], pairs: Pairs, grey: Grey, minBlocks: number, minCorrelation: number): CloneRegion | undefined {
  const { width: w, height: h } = grey;
  const gw = Math.ceil(w / GRID);
  const gh = Math.ceil(h / GRID);
  for (let i = 0; i < pairs.length; i++) {
    if (Math.abs(pairs.dx[i] - dx) > 1 || Math.abs(pairs.dy[i] - dy) > 1) continue;
    const p = pairs.source[i];
    const py = (p / w) | 0;
    mask[Math.round(py / GRID) * gw + Math.round((p - py * w) / GRID)] = -1;
  }
  const component = largestComponent(mask, gw, gh);
  if (component.size < minBlocks) return undefined;
  const region = coveredPixels(component, mask, gw, w, h);
  const source = region.box;
  // Printed patterns repeat: a region that is large, matches as well a little off the shift, or whose blocks also
  // match at another shift, is background rather than a copy.
  if (source.width * source.height > 0.2 * w * h) return undefined;
  let best = { dx, dy, correlation: -1 };
  for (let j = -1; j <= 1; j++) {
    for (let i = -1; i <= 1; i++) {
      const c = correlation(grey, region, dx + i, dy + j, 1, false).value;
      if (c > best.correlation) best = { dx: dx + i, dy: dy + j, correlation: c };
    }
  }
  if (!(best.correlation >= minCorrelation)) return undefined;
  if (bestElsewhere(grey, region, best.dx, best.dy) > best.correlation - PEAK_MARGIN) return undefined;
  const background = correlation(grey, region, best.dx, best.dy, 1, true);
  if (background.samples < MIN_BACKGROUND_SAMPLES || background.value < MIN_BACKGROUND_CORRELATION) return undefined;
  for (const [i, j] of [[3, 0], [-3, 0], [0, 3], [0, -3]]) {
    if (correlation(grey, region, best.dx + i, best.dy + j, 1, true).value > background.value - MIN_BACKGROUND_PEAK) return undefined;
  }
  if (alsoMatchesElsewhere(component.label, mask, gw, pairs, [dx, dy], w) > 0.25 * component.size) return undefined;
  const target: Box = { ...source, x: source.x + best.dx, y: source.y + best.dy };
  return { source, target, shift: { dx: best.dx, dy: best.dy }, blocks: component.size, correlation: best.correlation };
}

/** A box and which of its pixels to compare (row-major over the box, 1 = compare). */
interface MaskedBox {
  box: Box;
  mask: Uint8Array;
}

/**
 * The pixels of the component's blocks, trimmed by two pixels on each side: a block that matched lies inside the
 * copy, while the bounding box alone would add uncopied surroundings.
 */
function coveredPixels(component: Component, cells: Int32Array, gw: number, w: number, h: number): MaskedBox {
  const x0 = component.minX * GRID;
  const y0 = component.minY * GRID;
  const box: Box = { x: x0, y: y0, width: Math.min(w, component.maxX * GRID + BLOCK) - x0, height: Math.min(h, component.maxY * GRID + BLOCK) - y0 };
  const mask = new Uint8Array(box.width * box.height);
  for (let cy = component.minY; cy <= component.maxY; cy++) {
    for (let cx = component.minX; cx <= component.maxX; cx++) {
      if (cells[cy * gw + cx] !== component.label) continue;
      for (let y = cy * GRID + 2; y < Math.min(cy * GRID + BLOCK - 2, y0 + box.height); y++) {
        mask.fill(1, (y - y0) * box.width + cx * GRID + 2 - x0, (y - y0) * box.width + Math.min(cx * GRID + BLOCK - 2, x0 + box.width) - x0);
      }
    }
  }
  return { box, mask };
}

interface Component {
  label: number;
  size: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Labels the 8-connected components of cells marked -1 in `mask` (in place) and returns the largest. */
function largestComponent(mask: Int32Array, gw: number, gh: number): Component {
  let best: Component = { label: 0, size: 0, minX: 0, minY: 0, maxX: 0, maxY: 0 };
  const stack: number[] = [];
  let label = 0;
  for (let seed = 0; seed < mask.length; seed++) {
    if (mask[seed] !== -1) continue;
    label++;
    const c: Component = { label, size: 0, minX: gw, minY: gh, maxX: 0, maxY: 0 };
    mask[seed] = label;
    stack.push(seed);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const py = (p / gw) | 0;
      const px = p - py * gw;
      c.size++;
      c.minX = Math.min(c.minX, px);
      c.maxX = Math.max(c.maxX, px);
      c.minY = Math.min(c.minY, py);
      c.maxY = Math.max(c.maxY, py);
      for (let j = -1; j <= 1; j++) {
        for (let i = -1; i <= 1; i++) {
          const nx = px + i;
          const ny = py + j;
          if (nx < 0 || ny < 0 || nx >= gw || ny >= gh) continue;
          const q = ny * gw + nx;
          if (mask[q] !== -1) continue;
          mask[q] = label;
          stack.push(q);
        }
      }
    }
    if (c.size > best.size) best = c;
  }
  return best;
}

/**
 * How many cells of the component also take part (as source or target) in pairs of some single other shift —
 * the largest such count. A cloned patch matches only its copy; a periodic print matches at every period.
 */
function alsoMatchesElsewhere(label: number, mask: Int32Array, gw: number, pairs: Pairs, [dx, dy]: number[], w: number): number {
  const hits = new Map<number, Set<number>>();
  for (let i = 0; i < pairs.length; i++) {
    const sx = pairs.dx[i];
    const sy = pairs.dy[i];
    if (Math.abs(sx - dx) <= 2 && Math.abs(sy - dy) <= 2) continue;
    const p = pairs.source[i];
    const py = (p / w) | 0;
    const px = p - py * w;
    for (const [x, y] of [
      [px, py],
      [px + sx, py + sy],
    ]) {
      const cell = Math.round(y / GRID) * gw + Math.round(x / GRID);
      if (mask[cell] !== label) continue;
      // Neighbouring shifts are one cluster: key by the shift rounded to 3 px.
      const key = Math.round(sy / 3) * 100_000 + Math.round(sx / 3);
      let set = hits.get(key);
      if (!set) hits.set(key, (set = new Set()));
      set.add(cell);
    }
  }
  let most = 0;
  for (const set of hits.values()) most = Math.max(most, set.size);
  return most;
}

/**
 * Zero-mean normalised cross-correlation between the masked pixels of `region` and the same pixels moved by
 * (dx, dy), sampling every `step` pixels; -1 when the moved region leaves the image.
 * With `flatOnly`, only pixels whose 5×5 neighbourhood is flat in both places count: there the correlation
 * is that of the background and the sensor noise, which a digital copy carries along while the same text
 * printed twice on a card was photographed over different guilloche and with independent noise.
 */
function correlation(grey: Grey, region: MaskedBox, dx: number, dy: number, step: number, flatOnly: boolean): { value: number; samples: number } {
  const { width: w, height: h, data } = grey;
  const { box, mask } = region;
  const border = flatOnly ? 2 : 0;
  if (box.x + dx < border || box.y + dy < border || box.x + box.width + dx > w - border || box.y + box.height + dy > h - border) return { value: -1, samples: 0 };
  if (box.x < border || box.y < border || box.x + box.width > w - border || box.y + box.height > h - border) return { value: -1, samples: 0 };
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = 0; y < box.height; y += step) {
    const ra = (box.y + y) * w + box.x;
    const rb = ra + dy * w + dx;
    for (let x = 0; x < box.width; x += step) {
      if (!mask[y * box.width + x]) continue;
      if (flatOnly && (!isFlat(data, ra + x, w) || !isFlat(data, rb + x, w))) continue;
      const a = flatOnly ? mean3(data, ra + x, w) : data[ra + x];
      const b = flatOnly ? mean3(data, rb + x, w) : data[rb + x];
      n++;
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
  }
  if (n < 2) return { value: 0, samples: n };
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  if (va <= 0 || vb <= 0) return { value: 0, samples: n };
  return { value: (sab - (sa * sb) / n) / Math.sqrt(va * vb), samples: n };
}

/** Sum of the 3×3 neighbourhood: the background's low frequencies, which survive a recompression. */
function mean3(data: Uint8Array, p: number, w: number): number {
  return data[p - w - 1] + data[p - w] + data[p - w + 1] + data[p - 1] + data[p] + data[p + 1] + data[p + w - 1] + data[p + w] + data[p + w + 1];
}

/** Whether the 5×5 neighbourhood of `p` spans at most FLAT_STEP grey levels (no edge within two pixels). */
function isFlat(data: Uint8Array, p: number, w: number): boolean {
  let min = 255;
  let max = 0;
  for (let j = -2; j <= 2; j++) {
    for (let i = -2; i <= 2; i++) {
      const v = data[p + j * w + i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return max - min <= FLAT_STEP;
}

/** The best correlation at shifts 4..32 px away from the found one, along the axes and diagonals. */
function bestElsewhere(grey: Grey, region: MaskedBox, dx: number, dy: number): number {
  const step = region.box.width * region.box.height > 20_000 ? 2 : 1;
  let best = -1;
  for (const [ux, uy] of [
    [1, 0],
    [0, 1],
    [1, 1],
    [1, -1],
  ]) {
    for (let r = 4; r <= 2 * BLOCK; r += r < 12 ? 1 : 2) {
      for (const sign of [-1, 1]) {
        best = Math.max(best, correlation(grey, region, dx + sign * r * ux, dy + sign * r * uy, step, false).value);
      }
    }
  }
  return best;
}

function scaleRegion(region: CloneRegion, scale: number, image: RgbaImage): CloneRegion {
  if (scale === 1) return region;
  const box = (b: Box): Box => {
    const x = b.x * scale;
    const y = b.y * scale;
    return { x, y, width: Math.min(image.width - x, b.width * scale), height: Math.min(image.height - y, b.height * scale) };
  };
  return { ...region, source: box(region.source), target: box(region.target), shift: { dx: region.shift.dx * scale, dy: region.shift.dy * scale } };
}

function regionScore(region: CloneRegion, minBlocks: number, minCorrelation: number): number {
  const strength = Math.min(1, (region.correlation - minCorrelation) / (1 - minCorrelation));
  const size = Math.min(1, region.blocks / (4 * minBlocks));
  return 0.5 + 0.25 * strength + 0.25 * size;
}
