/**
 * Portrait substitution: a photo pasted onto a picture of a document never went through that camera. It is sharper
 * (or blurrier) and has another noise level than the card around it, and its border is a hard straight edge.
 * A genuine printed portrait was photographed together with the card, so it shares the card's blur and noise.
 *
 * Compares the inside of the printed photo with a ring of card just outside it:
 * - noise: mean |4-neighbour Laplacian| over the flatter half of the pixels, as a σ in grey levels;
 * - sharpness: acutance of edges — the largest one-pixel step of an edge over its whole 6-pixel rise
 *   (≈ 0.4 after a σ = 1 optical blur, → 1 for a pasted hard edge), independent of contrast;
 * - edgeStrength: the acutance of the strongest straight edge found near each side of the photo.
 * Only the box around the portrait is converted to grey, so a 12 MP document costs a few MB at most.
 */
import type { RgbaImage } from "../face/image";
import type { Box } from "./copy-move";

export interface RegionStats {
  /** Mean edge acutance, 0..1 (0 when the region has too few edges to tell). */
  sharpness: number;
  /** Estimated noise σ in grey levels. */
  noise: number;
}

export interface PortraitBoundary {
  /** 0..1: how strongly the portrait differs from the card around it. */
  score: number;
  inside: RegionStats;
  ring: RegionStats;
  /** Acutance (0..1) of the straight edges found along the portrait's border; 0 when there is none. */
  edgeStrength: number;
  suspicious: boolean;
}

/** Score from which a portrait is reported as substituted. */
export const PORTRAIT_SUSPICIOUS_SCORE = 0.5;

const EDGE_RISE = 24;
const MIN_EDGES = 40;
const NOISE_FLOOR = 0.25;

/**
 * The printed photo around a detected face: 1.6× the face box wide and 2× tall, the face in its upper part
 * (ID photos show the shoulders), clipped to the image.
 *
 * @example
 * portraitRegion({ x: 100, y: 100, width: 100, height: 100 }, 1600, 1200); // → { x: 70, y: 55, width: 160, height: 200 }
 */
export function portraitRegion(face: Box, width: number, height: number): Box {
  return clip({ x: face.x - 0.3 * face.width, y: face.y - 0.45 * face.height, width: 1.6 * face.width, height: 2 * face.height }, width, height);
}

/**
 * Compares the portrait (found from the face box) with the card around it.
 *
 * @example
 * const result = portraitBoundary(rgba, faceBox);
 * if (result.suspicious) flag("PORTRAIT_SUBSTITUTED", result);
 */
export function portraitBoundary(image: RgbaImage, face: Box): PortraitBoundary {
  const portrait = portraitRegion(face, image.width, image.height);
  const side = Math.min(portrait.width, portrait.height);
  const gap = Math.round(0.08 * side);
  const thickness = Math.max(8, Math.round(0.2 * side));
  const inner = grow(portrait, -gap);
  const ringInner = grow(portrait, gap);
  const outer = clip(grow(portrait, gap + thickness), image.width, image.height);
  const grey = greyCrop(image, outer);
  const inInside = (x: number, y: number) => contains(inner, x, y);
  const inRing = (x: number, y: number) => !contains(ringInner, x, y);
  const inside = regionStats(grey, outer, inInside);
  const ring = regionStats(grey, outer, inRing);
  const edgeStrength = borderAcutance(grey, outer, portrait);
  const score = substitutionScore(inside, ring, edgeStrength);
  return { score, inside, ring, edgeStrength, suspicious: score >= PORTRAIT_SUSPICIOUS_SCORE };
}

/**
 * Evidence in log-ratios, each past a tolerance for what genuine photos show (a printed photo is a little softer
 * than printed text; noise estimates move with content), added and squashed to 0..1.
 */
function substitutionScore(inside: RegionStats, ring: RegionStats, edge: number): number {
  let evidence = 0;
  if (inside.sharpness > 0 && ring.sharpness > 0) evidence += excess(Math.abs(Math.log(inside.sharpness / ring.sharpness)), 0.4, 0.25);
  evidence += excess(Math.abs(Math.log(Math.max(inside.noise, NOISE_FLOOR) / Math.max(ring.noise, NOISE_FLOOR))), 0.35, 0.35);
  if (edge > 0 && ring.sharpness > 0) evidence += excess(Math.log(edge / ring.sharpness), 0.25, 0.25);
  return 1 - Math.exp(-evidence);
}

function excess(value: number, tolerance: number, unit: number): number {
  return Math.max(0, value - tolerance) / unit;
}

interface GreyCrop {
  data: Uint8Array;
  width: number;
  height: number;
}

function greyCrop(image: RgbaImage, box: Box): GreyCrop {
  const out = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    let p = ((box.y + y) * image.width + box.x) * 4;
    for (let x = 0; x < box.width; x++, p += 4) {
      out[y * box.width + x] = (77 * image.data[p] + 150 * image.data[p + 1] + 29 * image.data[p + 2] + 128) >> 8;
    }
  }
  return { data: out, width: box.width, height: box.height };
}

/** Noise and sharpness of the crop pixels (image coordinates) accepted by `within`. */
function regionStats(grey: GreyCrop, origin: Box, within: (x: number, y: number) => boolean): RegionStats {
  const { data, width: w, height: h } = grey;
  const gradients = new Uint32Array(511);
  let acutance = 0;
  let edges = 0;
  let pixels = 0;
  for (let y = 3; y < h - 3; y++) {
    for (let x = 3; x < w - 3; x++) {
      if (!within(origin.x + x, origin.y + y)) continue;
      const p = y * w + x;
      const gx = Math.abs(data[p + 1] - data[p - 1]);
      const gy = Math.abs(data[p + w] - data[p - w]);
      gradients[gx + gy]++;
      pixels++;
      const ax = edgeAcutance(data, p, 1, gx);
      if (ax >= 0) {
        acutance += ax;
        edges++;
      }
      const ay = edgeAcutance(data, p, w, gy);
      if (ay >= 0) {
        acutance += ay;
        edges++;
      }
    }
  }
  // Noise is read on the flatter half of the pixels, where the Laplacian is mostly noise, not content.
  let flatCut = 0;
  for (let seen = 0; flatCut < gradients.length && (seen += gradients[flatCut]) * 2 < pixels; flatCut++);
  let laplacianSum = 0;
  let flat = 0;
  for (let y = 3; y < h - 3; y++) {
    for (let x = 3; x < w - 3; x++) {
      if (!within(origin.x + x, origin.y + y)) continue;
      const p = y * w + x;
      if (Math.abs(data[p + 1] - data[p - 1]) + Math.abs(data[p + w] - data[p - w]) > flatCut) continue;
      laplacianSum += Math.abs(4 * data[p] - data[p - 1] - data[p + 1] - data[p - w] - data[p + w]);
      flat++;
    }
  }
  // Mean |Laplacian| of Gaussian noise σ is σ·√20·√(2/π).
  const noise = flat >= 50 ? laplacianSum / flat / Math.sqrt(20) / Math.sqrt(2 / Math.PI) : 0;
  return { sharpness: edges >= MIN_EDGES ? acutance / edges : 0, noise };
}

/**
 * At an edge centre along `step` (the central difference `central` is a local maximum and the 6-pixel rise is
 * large), the largest one-pixel step over the rise; -1 elsewhere.
 */
function edgeAcutance(data: Uint8Array, p: number, step: number, central: number): number {
  const rise = Math.abs(data[p + 3 * step] - data[p - 3 * step]);
  if (rise < EDGE_RISE) return -1;
  if (central < Math.abs(data[p + 2 * step] - data[p]) || central < Math.abs(data[p] - data[p - 2 * step])) return -1;
  const a = Math.abs(data[p + step] - data[p]);
  const b = Math.abs(data[p] - data[p - step]);
  return Math.min(1, Math.max(a, b) / rise);
}

/**
 * For each side of the portrait, the strongest straight edge parallel to it within 10 % of the portrait size: a
 * coherent step (same sign along most of the side) whose acutance is measured row by row. Returns the mean
 * acutance of the sides that have such an edge, 0 when none has.
 */
function borderAcutance(grey: GreyCrop, origin: Box, portrait: Box): number {
  let total = 0;
  let sides = 0;
  for (const vertical of [true, false]) {
    for (const far of [false, true]) {
      const a = sideAcutance(grey, origin, portrait, vertical, far);
      if (a > 0) {
        total += a;
        sides++;
      }
    }
  }
  return sides > 0 ? total / sides : 0;
}

function sideAcutance(grey: GreyCrop, origin: Box, portrait: Box, vertical: boolean, far: boolean): number {
  const { data, width: w, height: h } = grey;
  // In crop coordinates: `u` runs across the edge, `v` along it.
  const across = vertical ? 1 : w;
  const along = vertical ? w : 1;
  const uSize = vertical ? w : h;
  const vSize = vertical ? h : w;
  const position = vertical ? portrait.x - origin.x + (far ? portrait.width : 0) : portrait.y - origin.y + (far ? portrait.height : 0);
  const length = vertical ? portrait.height : portrait.width;
  const start = (vertical ? portrait.y - origin.y : portrait.x - origin.x) + Math.round(0.15 * length);
  const end = Math.min(vSize, start + Math.round(0.7 * length));
  const reach = Math.round(0.1 * Math.min(portrait.width, portrait.height));
  let best = { u: -1, contrast: 0, coherence: 0 };
  for (let u = Math.max(3, position - reach); u <= Math.min(uSize - 4, position + reach); u++) {
    let signed = 0;
    let absolute = 0;
    let n = 0;
    for (let v = Math.max(0, start); v < end; v++) {
      const p = u * across + v * along;
      const d = data[p + 2 * across] - data[p - 2 * across];
      signed += d;
      absolute += Math.abs(d);
      n++;
    }
    if (n === 0) continue;
    const contrast = Math.abs(signed) / n;
    if (contrast > best.contrast) best = { u, contrast, coherence: absolute > 0 ? Math.abs(signed) / absolute : 0 };
  }
  if (best.u < 0 || best.contrast < 10 || best.coherence < 0.7) return 0;
  let sum = 0;
  let rows = 0;
  for (let v = Math.max(0, start); v < end; v++) {
    const centre = best.u * across + v * along;
    const rise = Math.abs(data[centre + 3 * across] - data[centre - 3 * across]);
    if (rise < 8) continue;
    let largest = 0;
    for (let k = -3; k < 3; k++) largest = Math.max(largest, Math.abs(data[centre + (k + 1) * across] - data[centre + k * across]));
    sum += Math.min(1, largest / rise);
    rows++;
  }
  return rows >= 10 ? sum / rows : 0;
}

function grow(box: Box, by: number): Box {
  return { x: box.x - by, y: box.y - by, width: box.width + 2 * by, height: box.height + 2 * by };
}

function contains(box: Box, x: number, y: number): boolean {
  return x >= box.x && y >= box.y && x < box.x + box.width && y < box.y + box.height;
}

function clip(box: Box, width: number, height: number): Box {
  const x = Math.max(0, Math.min(width - 1, Math.round(box.x)));
  const y = Math.max(0, Math.min(height - 1, Math.round(box.y)));
  const right = Math.max(x + 1, Math.min(width, Math.round(box.x + box.width)));
  const bottom = Math.max(y + 1, Math.min(height, Math.round(box.y + box.height)));
  return { x, y, width: right - x, height: bottom - y };
}
