/**
 * Aligned double-JPEG detection and localisation in the DCT domain (after Bianchi & Piva 2012,
 * simplified), with a DCT-domain error-level map as the fallback picture for single-compressed files.
 *
 * Why it works: a file saved at table q1, decoded and saved again at q2 has luma coefficients that
 * were multiples of q1 before being requantised by q2, so some q2 bins are (nearly) empty and others
 * over-full. For each low-frequency AC position we find the q1 that best explains the histogram with
 * a per-value likelihood ratio against the smooth single-compression model; blocks whose values
 * contradict that q1 (a pasted portrait, a re-typed field saved only once) light up in the heat map.
 * A first save finer than the second (q1 < q2) empties no bin but modulates the histogram periodically;
 * that is tested separately (see `finerFirstSave`) and, being too weak per block to localise, reports
 * double compression with the error-level map and no regions.
 *
 * Memory: two streaming passes over the coefficients (progressive files in bands of rows); besides
 * the 170 KB of histograms the analysis keeps 10 bytes per 8×8 luma block (1.9 MB at 12 MP).
 */
import { forEachLumaBlock } from "./coefficients";
import { JpegFormatError, ZIGZAG_TO_NATURAL, readJpegStructure } from "./structure";
import { IJG_LUMA, ijgTable } from "./tables";
import { releaseBuffer } from "../../face/image";

export interface DoubleCompressionOptions {
  /** AC zigzag positions examined, 1..positions. Default 20. */
  positions?: number;
  /** Largest table step at which a position is informative. Default 20. */
  maxStep?: number;
  /** Largest candidate primary step. Default 40. */
  maxPrimary?: number;
  /** Widening of each q2 bin for pixel-domain rounding and clipping. Default 1. */
  delta?: number;
  /** Likelihood-ratio floor for values the primary table cannot produce. Default 0.05. */
  epsilon?: number;
  /** Mean log-likelihood ratio above which a position counts as evidence. Default 0.15. */
  threshold?: number;
  /** Memory for progressive coefficient bands, in bytes. Default 8 MB. */
  bandBytes?: number;
}

/** A connected area of high heat, in pixels of the file. */
export interface SuspiciousRegion {
  x: number;
  y: number;
  width: number;
  height: number;
  blocks: number;
  meanHeat: number;
  /** "line" for a wide, low band the height of a printed line (a re-typed field), "patch" otherwise. */
  shape: "line" | "patch";
  /** 0..1: how much this region looks inserted (see `anomalyScore`); the result's anomalyScore is the highest. */
  score: number;
}

export interface DoubleCompression {
  /** Estimated first-save step, indexed by zigzag position (0 = DC, never examined); null where none. */
  primary: (number | null)[];
  doubleCompressed: boolean;
  /** Mean log-likelihood ratio over every informative coefficient, at each position's best candidate. */
  evidence: number;
  blocksWide: number;
  blocksHigh: number;
  /** Per-block heat 0..1, row-major: inconsistency with the primary table, or error level when single-compressed. */
  heat: Float32Array;
  /** "double-compression" when `heat` is the inconsistency map, "error-level" otherwise (also for a finer first save). */
  heatKind: "double-compression" | "error-level";
  regions: SuspiciousRegion[];
  /** 0..1, high only for compact regions that depart from a low-heat remainder. */
  anomalyScore: number;
  /**
   * Sum over positions of the finer-first-save statistic above its chance floor (see `finerFirstSave`); 0 when a
   * coarser first save was found. Below the detection bar it is still graded evidence (genuine files score 0).
   */
  finerStatistic: number;
}

const HISTOGRAM_RANGE = 1024;
const HISTOGRAM_SIZE = 2 * HISTOGRAM_RANGE + 1;
const MIN_COEFFICIENTS = 200;
const ELA_QUALITY = 90;

interface Position {
  zigzag: number;
  natural: number;
  step: number;
}

/**
 * Analyses a JPEG's luma coefficients for aligned double compression and localises inconsistent areas.
 *
 * @example
 * const result = analyseDoubleCompression(bytes);
 * if (result.anomalyScore > 0.5) flag(result.regions);
 * const png = heatmapPng(result.heat, result.blocksWide, result.blocksHigh);
 */
export function analyseDoubleCompression(bytes: Uint8Array, opts: DoubleCompressionOptions = {}): DoubleCompression {
  const settings = {
    positions: opts.positions ?? 20,
    maxStep: opts.maxStep ?? 20,
    maxPrimary: opts.maxPrimary ?? 40,
    delta: opts.delta ?? 1,
    epsilon: opts.epsilon ?? 0.05,
    threshold: opts.threshold ?? 0.15,
  };
  const structure = readJpegStructure(bytes);
  if (structure.arithmetic) throw new JpegFormatError("arithmetic-coded JPEG is not supported");
  const bands = bandPlan(structure, opts.bandBytes ?? 8 * 1024 * 1024);
  const streamBlocks = (visit: (bx: number, by: number, coef: Int16Array) => void) => {
    let summary: ReturnType<typeof forEachLumaBlock> | null = null;
    for (const rows of bands) summary = forEachLumaBlock(bytes, visit, rows ? { rows } : {});
    return summary!;
  };

  // Pass 1: value histograms of the candidate positions.
  const table = structure.qtables[structure.components[0].tq];
  if (!table) throw new JpegFormatError("luma quantisation table missing");
  const positions = choosePositions(table, settings.positions, settings.maxStep);
  const histograms = new Int32Array(positions.length * HISTOGRAM_SIZE);
  // A step of 2 or less leaves no finer candidate that does not divide it.
  const finerPositions = choosePositions(table, FINER_POSITIONS, FINER_MAX_STEP).filter((position) => position.step >= 3);
  const finerHistograms = new Int32Array(finerPositions.length * FINER_SIZE);
  const geometry = streamBlocks((_bx, _by, coef) => {
    for (let p = 0; p < positions.length; p++) {
      const x = coef[positions[p].natural];
      if (x !== 0 && x >= -HISTOGRAM_RANGE && x <= HISTOGRAM_RANGE) histograms[p * HISTOGRAM_SIZE + x + HISTOGRAM_RANGE]++;
    }
    for (let p = 0; p < finerPositions.length; p++) {
      const x = Math.abs(coef[finerPositions[p].natural]);
      if (x !== 0 && x < FINER_SIZE) finerHistograms[p * FINER_SIZE + x]++;
    }
  });

  const fits = positions.map((position, p) => bestPrimary(histograms.subarray(p * HISTOGRAM_SIZE, (p + 1) * HISTOGRAM_SIZE), position.step, settings));
  let evidenceSum = 0;
  let evidenceCount = 0;
  for (const fit of fits) {
    evidenceSum += fit.meanLogRatio * fit.count;
    evidenceCount += fit.count;
  }
  const retained = positions.map((_, p) => p).filter((p) => fits[p].count >= MIN_COEFFICIENTS && fits[p].meanLogRatio > settings.threshold);
  const evaluable = fits.filter((fit) => fit.count >= MIN_COEFFICIENTS).length;
  const coarserFirst = retained.length >= Math.max(2, Math.ceil(evaluable * 0.25));
  const primary: (number | null)[] = new Array(settings.positions + 1).fill(null);
  for (const p of retained) primary[positions[p].zigzag] = fits[p].primary;
  let evidence = evidenceCount ? evidenceSum / evidenceCount : 0;

  const { blocksWide, blocksHigh } = geometry;
  const scale = pixelScale(structure);
  if (!coarserFirst) {
    // The finer-first trace is a histogram-wide modulation, too weak per block to localise anything:
    // the heat stays the error-level map and no region is reported.
    const finer = finerFirstSave(finerPositions, finerHistograms);
    if (finer.detected) {
      for (const [zigzag, step] of finer.primary) if (zigzag < primary.length) primary[zigzag] = step;
      evidence = Math.max(evidence, finer.evidence);
    }
    const heat = errorLevelMap(streamBlocks, table, blocksWide, blocksHigh);
    return { primary, doubleCompressed: finer.detected, evidence, blocksWide, blocksHigh, heat, heatKind: "error-level", regions: [], anomalyScore: 0, finerStatistic: finer.total };
  }

  // Pass 2: per-block sums of log-likelihood ratios at the retained positions.
  const ratios = retained.map((p) => logRatioTable(fits[p].primary, positions[p].step, fits[p].rate, settings));
  const sums = new Float32Array(blocksWide * blocksHigh);
  const counts = new Uint16Array(blocksWide * blocksHigh);
  streamBlocks((bx, by, coef) => {
    const i = by * blocksWide + bx;
    for (let r = 0; r < retained.length; r++) {
      const x = coef[positions[retained[r]].natural];
      if (x === 0 || x < -HISTOGRAM_RANGE || x > HISTOGRAM_RANGE) continue;
      sums[i] += ratios[r].table[x + HISTOGRAM_RANGE];
      counts[i]++;
    }
  });
  let consistent = 0;
  let consistentCount = 0;
  let inconsistent = 0;
  for (let r = 0; r < retained.length; r++) {
    const fit = fits[retained[r]];
    consistent += ratios[r].expectDouble * fit.count;
    consistentCount += fit.count;
    inconsistent += ratios[r].expectSingle * fit.count;
  }
  const heat = inconsistencyMap(sums, counts, blocksWide, blocksHigh, consistent / consistentCount, inconsistent / consistentCount);
  // Per-block working maps (~1 MB at 12 MP) detached now: a Worker counts unreachable ArrayBuffers until V8 collects them.
  releaseBuffer(sums);
  releaseBuffer(counts);
  const regions = findRegions(heat, blocksWide, blocksHigh, scale, structure.width, structure.height);
  return {
    primary,
    doubleCompressed: true,
    evidence,
    blocksWide,
    blocksHigh,
    heat,
    heatKind: "double-compression",
    regions,
    anomalyScore: anomalyScore(heat, regions, blocksWide, scale),
    finerStatistic: 0,
  };
}

/** Row bands for progressive files so that at most `bandBytes` of coefficients live at once. */
function bandPlan(structure: ReturnType<typeof readJpegStructure>, bandBytes: number): ([number, number] | null)[] {
  if (!structure.progressive) return [null];
  const luma = structure.components[0];
  const maxH = Math.max(...structure.components.map((c) => c.h));
  const maxV = Math.max(...structure.components.map((c) => c.v));
  const blocksWide = Math.ceil(Math.ceil((structure.width * luma.h) / maxH) / 8);
  const blocksHigh = Math.ceil(Math.ceil((structure.height * luma.v) / maxV) / 8);
  const rowsPerBand = Math.max(1, Math.floor(bandBytes / (blocksWide * 128)));
  const bands: [number, number][] = [];
  for (let start = 0; start < blocksHigh; start += rowsPerBand) bands.push([start, Math.min(blocksHigh, start + rowsPerBand)]);
  return bands.length ? bands : [null];
}

interface PixelScale {
  x: number;
  y: number;
}

function pixelScale(structure: ReturnType<typeof readJpegStructure>): PixelScale {
  const luma = structure.components[0];
  const maxH = Math.max(...structure.components.map((c) => c.h));
  const maxV = Math.max(...structure.components.map((c) => c.v));
  return { x: (8 * maxH) / luma.h, y: (8 * maxV) / luma.v };
}

function choosePositions(table: Uint16Array, count: number, maxStep: number): Position[] {
  const positions: Position[] = [];
  for (let zigzag = 1; zigzag <= Math.min(63, count); zigzag++) {
    const natural = ZIGZAG_TO_NATURAL[zigzag];
    const step = table[natural];
    if (step >= 1 && step <= maxStep) positions.push({ zigzag, natural, step });
  }
  return positions;
}

interface Settings {
  maxPrimary: number;
  delta: number;
  epsilon: number;
}

/** Probability mass of a Laplacian with rate λ (both tails, total 1) between 0 ≤ a < b. */
function laplaceMass(a: number, b: number, rate: number): number {
  return (Math.exp(-rate * a) - Math.exp(-rate * b)) / 2;
}

/**
 * Rate of the Laplacian that best explains the non-zero values of a histogram (mean magnitude of the
 * values above the dead zone, by maximum likelihood for the continuous model).
 */
function laplaceRate(histogram: Int32Array, q2: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < HISTOGRAM_SIZE; i++) {
    const n = histogram[i];
    if (!n || i === HISTOGRAM_RANGE) continue;
    sum += n * Math.abs(i - HISTOGRAM_RANGE) * q2;
    count += n;
  }
  const excess = count ? sum / count - q2 / 2 : q2;
  return 1 / Math.max(0.25, excess);
}

/**
 * log LR of each value x (index x + HISTOGRAM_RANGE): probability of bin x when the coefficient was
 * first quantised by q1 (each multiple blurred by ±δ of pixel-domain rounding, a multiple on a bin
 * edge counting half on each side) over its probability when quantised by q2 only. Both models share
 * the Laplacian fitted to the image, so the steep decay of AC histograms does not pass for a
 * periodic pattern; ratios are floored at ε.
 */
function logRatioTable(q1: number, q2: number, rate: number, settings: Settings): RatioModel {
  const table = new Float32Array(HISTOGRAM_SIZE);
  const reach = Math.min(HISTOGRAM_RANGE, Math.ceil(40 / (rate * q2)) + 2);
  const single = new Float64Array(reach + 1);
  const double = new Float64Array(reach + 1);
  const delta = Math.max(1e-6, settings.delta);
  for (let x = 1; x <= reach; x++) single[x] = laplaceMass((x - 0.5) * q2, (x + 0.5) * q2, rate);
  for (let u = 1; (u - 0.5) * q1 <= (reach + 0.5) * q2 + delta; u++) {
    const mass = laplaceMass((u - 0.5) * q1, (u + 0.5) * q1, rate);
    const low = u * q1 - delta;
    const high = u * q1 + delta;
    for (let x = Math.max(1, Math.round(low / q2) - 1); x <= Math.min(reach, Math.round(high / q2) + 1); x++) {
      const overlap = Math.min(high, (x + 0.5) * q2) - Math.max(low, (x - 0.5) * q2);
      if (overlap > 0) double[x] += (mass * overlap) / (2 * delta);
    }
  }
  let singleTotal = 0;
  let doubleTotal = 0;
  for (let x = 1; x <= reach; x++) {
    singleTotal += single[x];
    doubleTotal += double[x];
  }
  let expectDouble = 0;
  let expectSingle = 0;
  for (let x = 1; x <= reach; x++) {
    const ratio = singleTotal > 0 && doubleTotal > 0 && single[x] > 0 ? double[x] / doubleTotal / (single[x] / singleTotal) : 1;
    const value = Math.log(Math.max(settings.epsilon, ratio));
    table[HISTOGRAM_RANGE + x] = value;
    table[HISTOGRAM_RANGE - x] = value;
    if (doubleTotal > 0) expectDouble += (double[x] / doubleTotal) * value;
    if (singleTotal > 0) expectSingle += (single[x] / singleTotal) * value;
  }
  return { table, expectDouble, expectSingle };
}

/** Per-value log LR plus its expectation under each hypothesis. */
interface RatioModel {
  table: Float32Array;
  expectDouble: number;
  expectSingle: number;
}

interface PrimaryFit {
  primary: number;
  meanLogRatio: number;
  count: number;
  rate: number;
}

const MIXTURE_WEIGHTS = [0.25, 0.5, 0.75, 1];

/**
 * Best primary step for one position. The score is the mean log of a mixture ratio
 * π·LR + (1 − π), maximised over π, so that a pasted area of single-compressed content (whose values
 * fall in "impossible" bins) lowers the score of the true q1 only a little instead of vetoing it.
 */
function bestPrimary(histogram: Int32Array, q2: number, settings: Settings): PrimaryFit {
  const values: number[] = [];
  const weights: number[] = [];
  let count = 0;
  for (let i = 0; i < HISTOGRAM_SIZE; i++) {
    if (!histogram[i] || i === HISTOGRAM_RANGE) continue;
    values.push(i);
    weights.push(histogram[i]);
    count += histogram[i];
  }
  const rate = laplaceRate(histogram, q2);
  let best: PrimaryFit = { primary: q2, meanLogRatio: 0, count, rate };
  if (count === 0) return best;
  let bestScore = -Infinity;
  for (let q1 = 1; q1 <= settings.maxPrimary; q1++) {
    if (q1 === q2) continue;
    const { table } = logRatioTable(q1, q2, rate, settings);
    for (const share of MIXTURE_WEIGHTS) {
      let sum = 0;
      for (let j = 0; j < values.length; j++) sum += weights[j] * Math.log(share * Math.exp(table[values[j]]) + 1 - share);
      if (sum / count > bestScore) {
        bestScore = sum / count;
        best = { primary: q1, meanLogRatio: sum / count, count, rate };
      }
    }
  }
  return best;
}

/**
 * Heat from the per-block log-LR sums pooled over 3×3 blocks: 0 at the image's typical (consistent)
 * mean, 1 at the mean expected from a block that never went through the primary table.
 */
function inconsistencyMap(
  sums: Float32Array,
  counts: Uint16Array,
  blocksWide: number,
  blocksHigh: number,
  consistentMean: number,
  inconsistentMean: number,
): Float32Array {
  const heat = new Float32Array(blocksWide * blocksHigh);
  const span = Math.max(1e-6, consistentMean - inconsistentMean);
  for (let by = 0; by < blocksHigh; by++) {
    for (let bx = 0; bx < blocksWide; bx++) {
      let sum = 0;
      let count = 0;
      for (let y = Math.max(0, by - 1); y <= Math.min(blocksHigh - 1, by + 1); y++) {
        for (let x = Math.max(0, bx - 1); x <= Math.min(blocksWide - 1, bx + 1); x++) {
          sum += sums[y * blocksWide + x];
          count += counts[y * blocksWide + x];
        }
      }
      // Few informative coefficients: a weak prior towards "consistent" keeps flat areas cool.
      const mean = (sum + 2 * consistentMean) / (count + 2);
      heat[by * blocksWide + bx] = Math.min(1, Math.max(0, (consistentMean - mean) / span));
    }
  }
  return heat;
}

/**
 * Error-level map in the DCT domain: requantisation error at IJG quality 90 divided by the block's AC
 * energy (Parseval makes both equal to their pixel-domain counterparts), scaled by the 99th percentile.
 */
function errorLevelMap(
  streamBlocks: (visit: (bx: number, by: number, coef: Int16Array) => void) => unknown,
  table: Uint16Array,
  blocksWide: number,
  blocksHigh: number,
): Float32Array {
  const reference = ijgTable(IJG_LUMA, ELA_QUALITY);
  const heat = new Float32Array(blocksWide * blocksHigh);
  streamBlocks((bx, by, coef) => {
    let error = 0;
    let energy = 0;
    for (let i = 0; i < 64; i++) {
      const value = coef[i] * table[i];
      const requantised = Math.round(value / reference[i]) * reference[i];
      error += (value - requantised) * (value - requantised);
      if (i > 0) energy += value * value;
    }
    heat[by * blocksWide + bx] = error / (energy + 64 * 16);
  });
  const ceiling = percentile(heat, 0.99);
  if (ceiling > 0) for (let i = 0; i < heat.length; i++) heat[i] = Math.min(1, heat[i] / ceiling);
  return heat;
}

function percentile(values: Float32Array, fraction: number): number {
  if (values.length === 0) return 0;
  // A 256-bin histogram avoids sorting a copy of 187,500 floats.
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (max === 0) return 0;
  const bins = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) bins[Math.min(255, Math.floor((values[i] / max) * 256))]++;
  const target = fraction * values.length;
  let seen = 0;
  for (let b = 0; b < 256; b++) {
    seen += bins[b];
    if (seen >= target) return ((b + 1) / 256) * max;
  }
  return max;
}

const MIN_REGION_BLOCKS = 20;
const MIN_REGION_SIDE = 5;

/** Connected components (4-neighbour) of blocks hotter than the image's own mean + 2σ (at least 0.5). */
function findRegions(heat: Float32Array, blocksWide: number, blocksHigh: number, scale: PixelScale, width: number, height: number): SuspiciousRegion[] {
  let mean = 0;
  for (let i = 0; i < heat.length; i++) mean += heat[i];
  mean /= heat.length || 1;
  let variance = 0;
  for (let i = 0; i < heat.length; i++) variance += (heat[i] - mean) ** 2;
  const threshold = Math.max(0.5, mean + 2 * Math.sqrt(variance / (heat.length || 1)));
  const seen = new Uint8Array(heat.length);
  const queue = new Int32Array(heat.length);
  const regions: SuspiciousRegion[] = [];
  for (let start = 0; start < heat.length; start++) {
    if (seen[start] || heat[start] < threshold) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    let minX = blocksWide;
    let minY = blocksHigh;
    let maxX = 0;
    let maxY = 0;
    let sum = 0;
    while (head < tail) {
      const i = queue[head++];
      const bx = i % blocksWide;
      const by = (i - bx) / blocksWide;
      sum += heat[i];
      minX = Math.min(minX, bx);
      maxX = Math.max(maxX, bx);
      minY = Math.min(minY, by);
      maxY = Math.max(maxY, by);
      const neighbours = [bx > 0 ? i - 1 : -1, bx < blocksWide - 1 ? i + 1 : -1, by > 0 ? i - blocksWide : -1, by < blocksHigh - 1 ? i + blocksWide : -1];
      for (const n of neighbours) {
        if (n >= 0 && !seen[n] && heat[n] >= threshold) {
          seen[n] = 1;
          queue[tail++] = n;
        }
      }
    }
    if (tail < MIN_REGION_BLOCKS || maxX - minX + 1 < MIN_REGION_SIDE || maxY - minY + 1 < MIN_REGION_SIDE) continue;
    const x = Math.round(minX * scale.x);
    const y = Math.round(minY * scale.y);
    regions.push({
      x,
      y,
      width: Math.min(width, Math.round((maxX + 1) * scale.x)) - x,
      height: Math.min(height, Math.round((maxY + 1) * scale.y)) - y,
      blocks: tail,
      meanHeat: sum / tail,
      shape: regionShape(maxX - minX + 1, maxY - minY + 1),
      score: 0,
    });
  }
  releaseBuffer(seen);
  releaseBuffer(queue);
  return regions.sort((a, b) => b.meanHeat * b.blocks - a.meanHeat * a.blocks);
}

/** Widest-to-highest ratio (in blocks) from which a region is a line of print, and its largest height in blocks. */
const LINE_MIN_ASPECT = 2.5;
const LINE_MAX_BLOCKS_HIGH = 16;

/** A region's shape from its bounding box in blocks. */
function regionShape(blocksWide: number, blocksHigh: number): SuspiciousRegion["shape"] {
  return blocksWide >= LINE_MIN_ASPECT * blocksHigh && blocksHigh <= LINE_MAX_BLOCKS_HIGH ? "line" : "patch";
}

/**
 * How much the best region looks inserted; also sets each region's own `score`. A patch (a pasted portrait, a
 * copied stamp) must be nearly fully inconsistent with the primary table (saturated-colour clipping also breaks
 * the pattern, but only partly and in ragged shapes). A line (a re-typed field: new glyphs over background painted
 * across the old ones) is mostly flat, so fewer of its coefficients speak and its pooled heat is lower; it is
 * accepted from a lower heat but must be solid and a band the height of a printed line. On the generator's tuning
 * split re-typed fields scored 0.82–0.88 mean heat with solidity 0.67–0.88, while the line-shaped areas that light
 * up in whole-file re-saves (dark print clipping) stayed at or below 0.71 or were ragged (solidity below 0.4).
 * Both need a cool remainder and a region that is not most of the image.
 */
function anomalyScore(heat: Float32Array, regions: SuspiciousRegion[], blocksWide: number, scale: PixelScale): number {
  if (regions.length === 0) return 0;
  const inside = new Uint8Array(heat.length);
  let covered = 0;
  const boxes = regions.map((region) => {
    const x0 = Math.floor(region.x / scale.x);
    const y0 = Math.floor(region.y / scale.y);
    const x1 = Math.ceil((region.x + region.width) / scale.x);
    const y1 = Math.ceil((region.y + region.height) / scale.y);
    for (let by = y0; by < y1; by++) {
      for (let bx = x0; bx < x1; bx++) {
        const i = by * blocksWide + bx;
        if (i < heat.length && !inside[i]) {
          inside[i] = 1;
          covered++;
        }
      }
    }
    return (x1 - x0) * (y1 - y0);
  });
  let outsideSum = 0;
  for (let i = 0; i < heat.length; i++) if (!inside[i]) outsideSum += heat[i];
  releaseBuffer(inside);
  const outside = heat.length > covered ? outsideSum / (heat.length - covered) : 1;
  const coverage = covered / heat.length;
  const compactness = coverage <= 0.3 ? 1 : Math.max(0, 1 - (coverage - 0.3) / 0.3);
  const coolRemainder = clamp01((0.5 - outside) / 0.25);
  let best = 0;
  regions.forEach((region, r) => {
    const fill = region.blocks / Math.max(1, boxes[r]);
    const patch = clamp01((region.meanHeat - 0.85) / 0.1) * Math.min(1, fill / 0.6);
    const line = region.shape === "line" ? clamp01((region.meanHeat - 0.72) / 0.08) * clamp01((fill - 0.5) / 0.1) : 0;
    region.score = Math.max(patch, line) * compactness * coolRemainder;
    best = Math.max(best, region.score);
  });
  return best;
}

/**
 * Poisson regression with a log link by iteratively reweighted least squares: counts ~ exp(Σ βₖ·columnₖ).
 * Returns the deviance and the coefficients; a handful of columns, so the normal equations are solved directly.
 */
function poissonFit(counts: Float64Array, columns: Float64Array[], start?: Float64Array, iterations = 30): { deviance: number; beta: Float64Array } {
  const k = columns.length;
  const n = counts.length;
  const beta = new Float64Array(k);
  if (start) beta.set(start.subarray(0, k));
  else {
    let total = 0;
    for (let i = 0; i < n; i++) total += counts[i];
    beta[0] = Math.log(Math.max(1e-9, total / n));
  }
  const eta = new Float64Array(n);
  const matrix = new Float64Array(k * k);
  const vector = new Float64Array(k);
  for (let iteration = 0; iteration < iterations; iteration++) {
    matrix.fill(0);
    vector.fill(0);
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let a = 0; a < k; a++) e += beta[a] * columns[a][i];
      eta[i] = e;
      const mu = Math.exp(Math.min(50, e));
      const z = e + (counts[i] - mu) / mu;
      for (let a = 0; a < k; a++) {
        vector[a] += mu * columns[a][i] * z;
        for (let b = 0; b <= a; b++) matrix[a * k + b] += mu * columns[a][i] * columns[b][i];
      }
    }
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) matrix[a * k + b] = matrix[b * k + a];
    const next = solve(matrix, vector, k);
    if (!next) break;
    let change = 0;
    for (let a = 0; a < k; a++) change = Math.max(change, Math.abs(next[a] - beta[a]));
    beta.set(next);
    if (change < 1e-7) break;
  }
  let deviance = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let a = 0; a < k; a++) e += beta[a] * columns[a][i];
    const mu = Math.exp(Math.min(50, e));
    deviance += 2 * ((counts[i] > 0 ? counts[i] * Math.log(counts[i] / mu) : 0) - (counts[i] - mu));
  }
  return { deviance, beta };
}

/** Gaussian elimination with partial pivoting on a k×k system; null when singular. */
function solve(matrix: Float64Array, vector: Float64Array, k: number): Float64Array | null {
  const m = Float64Array.from(matrix);
  const v = Float64Array.from(vector);
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]) > Math.abs(m[pivot * k + c])) pivot = r;
    if (Math.abs(m[pivot * k + c]) < 1e-12) return null;
    if (pivot !== c) {
      for (let j = 0; j < k; j++) [m[c * k + j], m[pivot * k + j]] = [m[pivot * k + j], m[c * k + j]];
      [v[c], v[pivot]] = [v[pivot], v[c]];
    }
    for (let r = c + 1; r < k; r++) {
      const f = m[r * k + c] / m[c * k + c];
      for (let j = c; j < k; j++) m[r * k + j] -= f * m[c * k + j];
      v[r] -= f * v[c];
    }
  }
  const x = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = v[r];
    for (let j = r + 1; j < k; j++) s -= m[r * k + j] * x[j];
    x[r] = s / m[r * k + r];
  }
  return x;
}

/*
 * Finer first save (q1 < q2). Requantising multiples of q1 with the coarser q2 leaves no empty bins: bin x
 * holds n(x) ∈ {⌊q2/q1⌋, ⌈q2/q1⌉} of them, a periodic modulation (period q1/gcd(q1, q2) bins) of the smooth
 * histogram (Popescu & Farid 2004; the n(x) likelihood of Bianchi & Piva 2012). Each position's folded
 * histogram is fitted by Poisson regression on a smooth log-polynomial envelope with and without the
 * modulation predicted for each candidate q1; the gain in deviance, divided by the fit's overdispersion,
 * is the evidence. A candidate must explain the pattern at about its predicted strength (θ near 1),
 * span several periods, and several positions must agree, so text, line patterns and sparse histograms
 * of flat synthetic documents, which are spiky but not periodic, stay below the bar.
 */
const FINER_POSITIONS = 35;
const FINER_MAX_STEP = 40;
/** Folded histogram length per position: |x| < 64. */
const FINER_SIZE = 64;
const FINER_MAX_BINS = 48;
/** Fewer non-sparse bins than this and a periodic pattern cannot be told from the envelope. */
const FINER_MIN_BINS = 10;
/** Bins holding fewer coefficients end the examined range. */
const FINER_MIN_COUNT = 8;
const FINER_MIN_PERIODS = 3;
const ENVELOPE_DEGREE = 7;
/**
 * Deviation of the pixel-domain rounding noise on a luma DCT coefficient: decoding rounds Y to integers
 * (uniform, σ ≈ 0.29), and the RGB round trip almost always rounds back to the same Y.
 */
const FINER_SIGMA = 0.3;
/** Accepted range of the fitted modulation strength relative to the predicted one. */
const THETA_LOW = 0.6;
const THETA_HIGH = 1.6;
/** Per-position statistic below which a position contributes nothing (chance level for ~15 candidates). */
const FINER_FLOOR = 20;
/** Sum of statistics above the floor at which the file counts as double-compressed. */
export const FINER_THRESHOLD = 40;

interface FinerFirstSave {
  detected: boolean;
  /** Sum of the per-position statistics above the chance floor. */
  total: number;
  /** Mean log-likelihood ratio (overdispersion-corrected) per coefficient of the contributing positions. */
  evidence: number;
  /** Zigzag position → estimated first-save step, for the contributing positions. */
  primary: Map<number, number>;
}

/** Pools the per-position statistics above the chance floor into one decision. */
function finerFirstSave(positions: Position[], histograms: Int32Array): FinerFirstSave {
  let total = 0;
  let logRatio = 0;
  let count = 0;
  const primary = new Map<number, number>();
  positions.forEach((position, p) => {
    const fit = finerPrimary(histograms.subarray(p * FINER_SIZE, (p + 1) * FINER_SIZE), position.step);
    if (!fit || fit.statistic <= FINER_FLOOR) return;
    total += fit.statistic - FINER_FLOOR;
    logRatio += fit.statistic / 2;
    count += fit.count;
    primary.set(position.zigzag, fit.primary);
  });
  return { detected: total >= FINER_THRESHOLD, total, evidence: count ? logRatio / count : 0, primary };
}

interface FinerFit {
  primary: number;
  /** Deviance gain of the modulated fit over the smooth one, divided by the overdispersion. */
  statistic: number;
  count: number;
}

/**
 * Best first-save step below q2 for one position, from the folded histogram (index = |value|); null when
 * the histogram has too few populated bins.
 */
function finerPrimary(folded: Int32Array, q2: number): FinerFit | null {
  let bins = 0;
  for (let x = 1; x <= Math.min(FINER_SIZE - 1, FINER_MAX_BINS); x++) if (folded[x] >= FINER_MIN_COUNT) bins = x;
  if (bins < FINER_MIN_BINS) return null;
  const counts = new Float64Array(bins);
  let count = 0;
  for (let x = 1; x <= bins; x++) {
    counts[x - 1] = folded[x];
    count += folded[x];
  }
  const degree = Math.min(ENVELOPE_DEGREE, bins - 4);
  const envelope: Float64Array[] = [];
  for (let d = 0; d <= degree; d++) envelope.push(Float64Array.from({ length: bins }, (_, i) => chebyshev(d, (2 * i) / (bins - 1) - 1)));
  const smooth = poissonFit(counts, envelope);
  const slopes = envelopeRates(smooth.beta, degree, bins, q2);
  let best: FinerFit | null = null;
  for (let q1 = 2; q1 < q2; q1++) {
    if (q2 % q1 === 0 || bins < FINER_MIN_PERIODS * (q1 / gcd(q1, q2))) continue;
    const fit = poissonFit(counts, [...envelope, modulationOffset(q1, q2, slopes, FINER_SIGMA)], smooth.beta);
    const theta = fit.beta[envelope.length];
    if (!(theta >= THETA_LOW && theta <= THETA_HIGH)) continue;
    const dispersion = Math.max(1, fit.deviance / Math.max(1, bins - envelope.length - 1));
    const statistic = (smooth.deviance - fit.deviance) / dispersion;
    if (!best || statistic > best.statistic) best = { primary: q1, statistic, count };
  }
  return best;
}

/** Local decay rate of the coefficient density (per coefficient unit) at each bin, from the envelope's derivative. */
function envelopeRates(beta: Float64Array, degree: number, bins: number, q2: number): Float64Array {
  const rates = new Float64Array(bins);
  for (let i = 0; i < bins; i++) {
    const t = (2 * i) / (bins - 1) - 1;
    let derivative = 0;
    for (let d = 1; d <= degree; d++) derivative += (beta[d] * (chebyshev(d, t + 0.01) - chebyshev(d, t - 0.01))) / 0.02;
    rates[i] = Math.min(6 / q2, Math.max(0, (-derivative * 2) / (bins - 1) / q2));
  }
  return rates;
}

/**
 * log of (mass of bin x after a first quantisation by q1) / (mass of bin x when quantised by q2 only),
 * x = 1..bins, with the density inside each bin taken as exponential at the envelope's local slope (so the
 * steep fall of low-frequency histograms weights the multiples of q1 correctly) and each multiple blurred by
 * Gaussian pixel-domain rounding noise of deviation σ.
 */
function modulationOffset(q1: number, q2: number, slopes: Float64Array, sigma: number): Float64Array {
  const bins = slopes.length;
  const offset = new Float64Array(bins);
  for (let x = 1; x <= bins; x++) {
    const rate = slopes[x - 1];
    const low = (x - 0.5) * q2;
    const high = (x + 0.5) * q2;
    const single = Math.abs(rate) < 1e-9 ? q2 : (Math.exp(-rate * (low - x * q2)) - Math.exp(-rate * (high - x * q2))) / rate;
    let double = 0;
    for (let u = Math.max(1, Math.floor((low - 4 * sigma) / q1)); u * q1 <= high + 4 * sigma; u++) {
      const centre = u * q1;
      double += q1 * Math.exp(-rate * (centre - x * q2)) * (normalCdf((high - centre) / sigma) - normalCdf((low - centre) / sigma));
    }
    offset[x - 1] = Math.log(Math.max(1e-300, double) / single);
  }
  return offset;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Chebyshev polynomial of the first kind Tₙ(t), for a well-conditioned polynomial envelope on [−1, 1]. */
function chebyshev(n: number, t: number): number {
  let previous = 1;
  let current = t;
  if (n === 0) return 1;
  for (let k = 1; k < n; k++) [previous, current] = [current, 2 * t * current - previous];
  return current;
}

/** Standard normal cumulative distribution (Abramowitz & Stegun 7.1.26, error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
