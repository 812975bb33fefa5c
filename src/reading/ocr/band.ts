/**
 * Finds the machine-readable zone: ink components chained into text lines, lines grouped into a band of two or
 * three parallel, equally spaced, left-aligned lines of many evenly pitched characters — what an MRZ looks like
 * and printed fields, photos and guilloches do not. Works on the tilt of the lines themselves (a least-squares
 * fit through the character centres), so a card photographed a few degrees off is read along its own axis.
 */
import type { Component } from "./components";

/** One text line of the band: `y = intercept + slope * x` through the character centres. */
export interface BandLine {
  intercept: number;
  slope: number;
  components: Component[];
}

/** The MRZ band as found on the image, in its pixels. */
export interface MrzBand {
  lines: BandLine[];
  /** Tilt of the lines in radians (positive: descending to the right, image y pointing down). */
  angle: number;
  /** Character (cap) height and pitch in pixels. */
  charHeight: number;
  pitch: number;
  /** Centre of each line at the band's horizontal middle. */
  centres: [number, number][];
  /** Where the characters start and end along the line direction, relative to `centres` (pixels). */
  start: number;
  end: number;
  /** Characters a line holds, estimated from its length and pitch. */
  estimatedLength: number;
}

const MIN_CHAR_HEIGHT = 6;
/** Linking two marks into a line: vertical offset and horizontal gap, as fractions of the taller mark. */
const LINK_MAX_DY = 0.3;
const LINK_MAX_GAP = 1.1;
const LINK_MIN_HEIGHT_RATIO = 0.4;
/** A line needs this many marks and this many character pitches of length to be an MRZ candidate. */
const LINE_MIN_MARKS = 14;
const LINE_MIN_CHARS = 24;
/**
 * Fixed-pitch coherence a line needs ({@link monospace}): MRZ lines of the tuning set score 0.96–1.00, lines of
 * proportional print 0.4–0.65.
 */
const MONOSPACE_MIN = 0.8;

/**
 * Finds the MRZ band among an image's ink components, or null.
 *
 * @example
 * const band = findBand(inkComponents(toLuma(image), image.width, image.height), image.height);
 */
export function findBand(components: Component[], imageHeight: number): MrzBand | null {
  const maxHeight = imageHeight / 6;
  const marks = components
    .filter((c) => c.height >= MIN_CHAR_HEIGHT && c.height <= maxHeight && c.width <= 15 * c.height && c.area >= 0.06 * c.width * c.height)
    .sort((a, b) => a.minX - b.minX);
  const chains = linkChains(marks);
  const lines = mergeCollinear(chains.filter((c) => c.length >= 4).map(fitLine))
    .filter((l) => l.components.length >= LINE_MIN_MARKS && estimateLength(l) >= LINE_MIN_CHARS && monospace(l).coherence >= MONOSPACE_MIN);
  return bestBand(lines);
}

/** Links each mark to its nearest right neighbour on the same text line, when the choice is mutual. */
function linkChains(marks: Component[]): Component[][] {
  const right = new Int32Array(marks.length).fill(-1);
  const left = new Int32Array(marks.length).fill(-1);
  const rightDx = new Float64Array(marks.length).fill(Infinity);
  const leftDx = new Float64Array(marks.length).fill(Infinity);
  for (let i = 0; i < marks.length; i++) {
    const a = marks[i];
    for (let j = i + 1; j < marks.length; j++) {
      const b = marks[j];
      // Marks are sorted by left edge, and no partner of `a` is taller than a.height / LINK_MIN_HEIGHT_RATIO.
      if (b.minX - a.maxX > (LINK_MAX_GAP * a.height) / LINK_MIN_HEIGHT_RATIO) break;
      const reach = Math.max(a.height, b.height);
      if (b.minX - a.maxX > LINK_MAX_GAP * reach || b.cx <= a.cx) continue;
      if (Math.abs(b.cy - a.cy) > LINK_MAX_DY * reach) continue;
      if (Math.min(a.height, b.height) < LINK_MIN_HEIGHT_RATIO * reach) continue;
      const dx = b.cx - a.cx;
      if (dx < rightDx[i]) { rightDx[i] = dx; right[i] = j; }
      if (dx < leftDx[j]) { leftDx[j] = dx; left[j] = i; }
    }
  }
  const chains: Component[][] = [];
  for (let i = 0; i < marks.length; i++) {
    if (left[i] !== -1 && right[left[i]] === i) continue; // not the head of a chain
    const chain = [marks[i]];
    let k = i;
    while (right[k] !== -1 && left[right[k]] === k) {
      k = right[k];
      chain.push(marks[k]);
    }
    chains.push(chain);
  }
  return chains;
}

/** Least-squares line through the centres, weighting each mark by its width (fillers and merged runs count for their span). */
function fitLine(components: Component[]): BandLine {
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const c of components) {
    const w = c.width;
    sw += w;
    sx += w * c.cx;
    sy += w * c.cy;
    sxx += w * c.cx * c.cx;
    sxy += w * c.cx * c.cy;
  }
  const mx = sx / sw, my = sy / sw;
  const varX = sxx / sw - mx * mx;
  const slope = varX > 1e-6 ? (sxy / sw - mx * my) / varX : 0;
  return { intercept: my - slope * mx, slope, components };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** Cap height: the tall marks (letters, digits) rather than fillers. */
export const charHeight = (line: BandLine) => quantile(line.components.map((c) => c.height), 0.8);

/** Median distance between neighbouring mark centres whose marks are character-sized. */
function pitchOf(line: BandLine): number {
  const gaps: number[] = [];
  const cs = line.components;
  const h = charHeight(line);
  for (let i = 1; i < cs.length; i++) if (cs[i].width < 1.2 * h && cs[i - 1].width < 1.2 * h) gaps.push(cs[i].cx - cs[i - 1].cx);
  return gaps.length ? quantile(gaps, 0.5) : h;
}

/**
 * How well the characters sit on a fixed-pitch grid (0..1), with the pitch that fits best. ICAO 9303 prints the
 * MRZ at a fixed pitch, so its character centres fall on a grid; proportional print (a paragraph, printed
 * fields) scatters them. The length of the mean phase vector of the centres at the best pitch near the median
 * gap, averaged over the two halves of the line so a perspective's slowly changing pitch does not blur it.
 */
export function monospace(line: BandLine): { pitch: number; coherence: number } {
  const h = charHeight(line);
  const angle = Math.atan(line.slope);
  const positions = line.components.filter((c) => c.width < 1.2 * h).map((c) => c.cx * Math.cos(angle) + c.cy * Math.sin(angle));
  const median = pitchOf(line);
  const half = Math.floor(positions.length / 2);
  const left = bestGrid(positions.slice(0, half), median);
  const right = bestGrid(positions.slice(half), median);
  return { pitch: (left.pitch + right.pitch) / 2, coherence: (left.coherence + right.coherence) / 2 };
}

function bestGrid(positions: number[], median: number): { pitch: number; coherence: number } {
  let best = { pitch: median, coherence: 0 };
  if (positions.length < 3) return best;
  for (let f = 0.85; f <= 1.15; f += 0.005) {
    const pitch = median * f;
    let re = 0, im = 0;
    for (const s of positions) {
      const phase = (2 * Math.PI * s) / pitch;
      re += Math.cos(phase);
      im += Math.sin(phase);
    }
    const coherence = Math.hypot(re, im) / positions.length;
    if (coherence > best.coherence) best = { pitch, coherence };
  }
  return best;
}

function estimateLength(line: BandLine): number {
  const cs = line.components;
  const span = cs[cs.length - 1].maxX - cs[0].minX;
  return span / pitchOf(line);
}

/** Joins pieces of one text line split by a gap (a merged or faded run of fillers, glare). */
function mergeCollinear(lines: BandLine[]): BandLine[] {
  const sorted = [...lines].sort((a, b) => a.components[0].minX - b.components[0].minX);
  const merged: BandLine[] = [];
  const used = new Set<number>();
  for (let i = 0; i < sorted.length; i++) {
    if (used.has(i)) continue;
    let current = sorted[i];
    for (let j = i + 1; j < sorted.length; j++) {
      if (used.has(j)) continue;
      const next = sorted[j];
      const a = current.components, b = next.components;
      const h = charHeight(current);
      const last = a[a.length - 1], first = b[0];
      if (first.minX < last.maxX - 0.5 * h) continue;
      if (first.minX - last.maxX > 8 * h) continue;
      const hb = charHeight(next);
      if (Math.min(h, hb) < 0.7 * Math.max(h, hb)) continue;
      const predicted = current.intercept + current.slope * first.cx;
      if (Math.abs(predicted - first.cy) > 0.35 * h) continue;
      current = fitLine([...a, ...b]);
      used.add(j);
    }
    merged.push(current);
  }
  return merged;
}

const lineY = (l: BandLine, x: number) => l.intercept + l.slope * x;

/** Groups candidate lines into 2- or 3-line bands and returns the most MRZ-like, or null. */
function bestBand(lines: BandLine[]): MrzBand | null {
  if (lines.length < 2) return null;
  const xs = lines.map((l) => (l.components[0].minX + l.components[l.components.length - 1].maxX) / 2);
  const order = lines.map((_, i) => i).sort((a, b) => lineY(lines[a], xs[a]) - lineY(lines[b], xs[b]));
  const sorted = order.map((i) => lines[i]);
  let best: { band: BandLine[]; score: number } | null = null;
  for (let i = 0; i < sorted.length; i++) {
    for (const size of [3, 2]) {
      const group = sorted.slice(i, i + size);
      if (group.length < size || !compatible(group)) continue;
      const score = group.reduce((s, l) => s + estimateLength(l), 0) + (size === 3 ? 1000 : 0);
      if (!best || score > best.score) best = { band: group, score };
    }
  }
  return best ? describe(best.band) : null;
}

/** Whether lines (top to bottom) could be one MRZ: parallel, same size, left-aligned, evenly and closely spaced. */
function compatible(group: BandLine[]): boolean {
  const heights = group.map(charHeight);
  if (Math.min(...heights) < 0.75 * Math.max(...heights)) return false;
  const h = quantile(heights, 0.5);
  const angles = group.map((l) => Math.atan(l.slope));
  if (Math.max(...angles) - Math.min(...angles) > (2 * Math.PI) / 180) return false;
  const starts = group.map((l) => l.components[0].minX);
  const ends = group.map((l) => l.components[l.components.length - 1].maxX);
  const pitch = quantile(group.map(pitchOf), 0.5);
  if (Math.max(...starts) - Math.min(...starts) > 2.5 * pitch) return false;
  const x = (Math.min(...starts) + Math.max(...ends)) / 2;
  const gaps: number[] = [];
  for (let i = 1; i < group.length; i++) gaps.push((lineY(group[i], x) - lineY(group[i - 1], x)) * Math.cos(angles[i]));
  if (gaps.some((g) => g < 1.15 * h || g > 3 * h)) return false;
  if (gaps.length === 2 && Math.abs(gaps[0] - gaps[1]) > 0.25 * Math.max(...gaps)) return false;
  const lengths = group.map(estimateLength);
  // Lines of one MRZ hold the same number of characters; fillers can fade at the end of one, so allow some slack.
  return Math.min(...lengths) >= 0.6 * Math.max(...lengths);
}

function describe(group: BandLine[]): MrzBand {
  const slope = group.reduce((s, l) => s + l.slope, 0) / group.length;
  const angle = Math.atan(slope);
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const all = group.flatMap((l) => l.components);
  const minX = Math.min(...all.map((c) => c.minX));
  const maxX = Math.max(...all.map((c) => c.maxX));
  const xMid = (minX + maxX) / 2;
  const centres = group.map((l) => [xMid, lineY(l, xMid)] as [number, number]);
  let start = Infinity, end = -Infinity;
  group.forEach((l, i) => {
    const [px, py] = centres[i];
    for (const c of l.components) {
      const s = (c.cx - px) * cos + (c.cy - py) * sin;
      const half = (c.width * cos + c.height * Math.abs(sin)) / 2;
      start = Math.min(start, s - half);
      end = Math.max(end, s + half);
    }
  });
  const pitch = quantile(group.map((l) => monospace(l).pitch), 0.5);
  return {
    lines: group,
    angle,
    charHeight: quantile(group.map(charHeight), 0.5),
    pitch,
    centres,
    start,
    end,
    estimatedLength: (end - start) / pitch,
  };
}
