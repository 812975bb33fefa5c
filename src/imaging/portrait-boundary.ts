/**
 * Portrait substitution: a photo pasted onto a picture of a document never went through that camera. The forger's
 * rectangle is pixel-aligned and its border is a hard step — the whole change of brightness happens between two
 * neighbouring pixels, in the same column (or row) all along the side. A printed portrait was photographed with the
 * card: its border went through the lens blur and the warp of a card lying at a slight angle, so the step spreads
 * over two or more pixels and wanders from column to column along the side.
 *
 * Why lines and not "sharpness inside vs ring": blur and noise vary from photo to photo and the portrait's content
 * (a printed photo is softer than printed text) moved those ratios as much as a paste did. A long, exactly
 * axis-aligned one-pixel step is what the camera never produces; the card itself is the reference (its edges, text
 * and border are the ones that must not light up). One such line can still happen by chance — the card's outline
 * photographed at almost exactly 0° without blur — so two sides of a rectangle around the face are required: two
 * parallel sides enclosing the face, or two sides meeting in a corner.
 *
 * `inside` / `ring` (noise and acutance of the printed photo and of the card around it) are reported for context;
 * they do not decide. Works on a grey crop around the face (face box ± 1.2 × its size): a few hundred kB at 1600 px.
 */
import { type RgbaImage, releaseBuffer } from "../face/image";
import type { Box } from "./copy-move";

export interface RegionStats {
  /** Mean edge acutance, 0..1 (0 when the region has too few edges to tell). */
  sharpness: number;
  /** Estimated noise σ in grey levels. */
  noise: number;
}

export interface PortraitBoundary {
  /** 0..1: how strongly the portrait's border looks like a pasted rectangle. */
  score: number;
  inside: RegionStats;
  ring: RegionStats;
  /** Mean acutance (0..1) of the hard straight sides found around the face; 0 when no pair of sides was found. */
  edgeStrength: number;
  suspicious: boolean;
}

/** Score from which a portrait is reported as substituted. */
export const PORTRAIT_SUSPICIOUS_SCORE = 0.5;

/** Grey-level rise over 6 pixels from which a row (or column) crosses an edge. */
const EDGE_RISE = 20;
/** Share of that rise taken by a single pixel step for the edge to count as hard. */
const HARD_STEP = 0.85;
/** Rectangle evidence (in face sizes of hard rows) below which nothing is reported: chance alignments on genuine cards. */
const EVIDENCE_FLOOR = 0.1;
/** Evidence above the floor that maps to a score of 1 − 1/e. */
const EVIDENCE_UNIT = 0.29;
/** How far around the face box the printed photo's border is searched, in face sizes. */
const SEARCH = 1.2;
const MIN_EDGES = 40;

/**
 * The printed photo around a detected face: 1.6× the face box wide and 2× tall, the face in its upper part
 * (ID photos show the shoulders), clipped to the image. Used for the context statistics.
 *
 * @example
 * portraitRegion({ x: 100, y: 100, width: 100, height: 100 }, 1600, 1200); // → { x: 70, y: 55, width: 160, height: 200 }
 */
export function portraitRegion(face: Box, width: number, height: number): Box {
  return clip({ x: face.x - 0.3 * face.width, y: face.y - 0.45 * face.height, width: 1.6 * face.width, height: 2 * face.height }, width, height);
}

/**
 * Looks for a pasted rectangle around the face: hard, pixel-aligned straight sides.
 *
 * @example
 * const result = portraitBoundary(rgba, faceBox);
 * if (result.suspicious) flag("PORTRAIT_SUBSTITUTED", result);
 */
export function portraitBoundary(image: RgbaImage, face: Box): PortraitBoundary {
  const size = Math.max(face.width, face.height, 1);
  const area = clip(grow(face, SEARCH * size), image.width, image.height);
  const grey = greyCrop(image, area);
  const columns = verticalLines(grey);
  const rows = horizontalLines(grey);
  const local = { x: face.x - area.x, y: face.y - area.y, width: face.width, height: face.height };
  const rectangle = bestRectangle(columns, rows, local, size);
  const score = rectangle.evidence > EVIDENCE_FLOOR ? 1 - Math.exp(-(rectangle.evidence - EVIDENCE_FLOOR) / EVIDENCE_UNIT) : 0;
  const portrait = portraitRegion(face, image.width, image.height);
  const side = Math.min(portrait.width, portrait.height);
  const gap = Math.round(0.08 * side);
  const thickness = Math.max(8, Math.round(0.2 * side));
  const toLocal = (b: Box) => ({ x: b.x - area.x, y: b.y - area.y, width: b.width, height: b.height });
  const inside = regionStats(grey, toLocal(grow(portrait, -gap)), null);
  const ring = regionStats(grey, toLocal(grow(portrait, gap + thickness)), toLocal(grow(portrait, gap)));
  releaseBuffer(grey.data);
  return { score, inside, ring, edgeStrength: rectangle.acutance, suspicious: score >= PORTRAIT_SUSPICIOUS_SCORE };
}

/**
 * The best hard straight segment of one column (or row) of the crop: `position` across, `from`..`to` along,
 * `evidence` = hard rows minus the other edge rows inside the segment, `acutance` = summed step shares of its hard rows.
 */
interface Segment {
  position: number;
  from: number;
  to: number;
  evidence: number;
  acutance: number;
  hard: number;
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

/**
 * Classifies the step between pixel p − step and p on a line across an edge: 0 when there is no edge here (the
 * 6-pixel rise is small), a positive step share (0.85..1) when the whole rise happens in this single step, -1 when
 * an edge is here but spread out or centred elsewhere.
 */
function stepKind(data: Uint8Array, p: number, step: number): number {
  const rise = data[p + 2 * step] - data[p - 3 * step];
  if (rise < EDGE_RISE && rise > -EDGE_RISE) return 0;
  const s = data[p] - data[p - step];
  if (s * rise <= 0) return -1;
  const size = s < 0 ? -s : s;
  for (let k = -2; k <= 2; k++) {
    if (k === 0) continue;
    const d = data[p + k * step] - data[p + (k - 1) * step];
    if ((d < 0 ? -d : d) > size) return -1;
  }
  const share = size / (rise < 0 ? -rise : rise);
  return share >= HARD_STEP ? Math.min(1, share) : -1;
}

/**
 * For every column, its best hard vertical segment (maximum-sum run where a hard row counts +1 and any other edge
 * row −1). Runs row by row with one running state per column, so memory is a few arrays of the crop's width.
 */
function verticalLines(grey: GreyCrop): Segment[] {
  const { data, width: w, height: h } = grey;
  const run = new Float64Array(w), runFrom = new Int32Array(w), runHard = new Int32Array(w), runAcutance = new Float64Array(w);
  const best: Segment[] = [];
  for (let x = 0; x < w; x++) best.push({ position: x, from: 0, to: 0, evidence: 0, acutance: 0, hard: 0 });
  for (let y = 0; y < h; y++) {
    for (let x = 4; x < w - 4; x++) {
      const kind = stepKind(data, y * w + x, 1);
      if (run[x] <= 0) {
        if (kind <= 0) continue;
        run[x] = 0;
        runFrom[x] = y;
        runHard[x] = 0;
        runAcutance[x] = 0;
      }
      if (kind > 0) {
        run[x] += 1;
        runHard[x]++;
        runAcutance[x] += kind;
        const b = best[x];
        if (run[x] > b.evidence) {
          b.evidence = run[x];
          b.from = runFrom[x];
          b.to = y;
          b.hard = runHard[x];
          b.acutance = runAcutance[x];
        }
      } else if (kind < 0) run[x] -= 1;
    }
  }
  return best;
}

/** For every row, its best hard horizontal segment (see verticalLines). */
function horizontalLines(grey: GreyCrop): Segment[] {
  const { data, width: w, height: h } = grey;
  const best: Segment[] = [];
  for (let y = 0; y < h; y++) {
    const b: Segment = { position: y, from: 0, to: 0, evidence: 0, acutance: 0, hard: 0 };
    best.push(b);
    if (y < 4 || y >= h - 4) continue;
    let run = 0, from = 0, hard = 0, acutance = 0;
    for (let x = 0; x < w; x++) {
      const kind = stepKind(data, y * w + x, w);
      if (run <= 0) {
        if (kind <= 0) continue;
        run = 0;
        from = x;
        hard = 0;
        acutance = 0;
      }
      if (kind > 0) {
        run += 1;
        hard++;
        acutance += kind;
        if (run > b.evidence) {
          b.evidence = run;
          b.from = from;
          b.to = x;
          b.hard = hard;
          b.acutance = acutance;
        }
      } else if (kind < 0) run -= 1;
    }
  }
  return best;
}

/**
 * The strongest pair of hard sides that can belong to one rectangle around the face: left and right (or top and
 * bottom) sides beside the face whose segments overlap and span the face's centre, or a vertical and a horizontal
 * side whose segments end where they meet. Evidence is the weaker side's, in face sizes (at least 80 px), so a
 * single line — a card edge at 0° — never counts.
 */
function bestRectangle(columns: Segment[], rows: Segment[], face: Box, size: number): { evidence: number; acutance: number } {
  const unit = Math.max(size, 80);
  const margin = 0.25 * size;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const alongFaceY = (s: Segment) => s.to >= face.y - margin && s.from <= face.y + face.height + margin;
  const alongFaceX = (s: Segment) => s.to >= face.x - margin && s.from <= face.x + face.width + margin;
  const left = strongest(columns, (s) => s.position < cx && alongFaceY(s));
  const right = strongest(columns, (s) => s.position > cx && alongFaceY(s));
  const top = strongest(rows, (s) => s.position < cy && alongFaceX(s));
  const bottom = strongest(rows, (s) => s.position > cy && alongFaceX(s));
  const tolerance = Math.max(8, 0.15 * size);
  let result = { evidence: 0, acutance: 0 };
  const consider = (a: Segment, b: Segment) => {
    const evidence = Math.min(a.evidence, b.evidence) / unit;
    if (evidence > result.evidence) result = { evidence, acutance: (a.acutance + b.acutance) / Math.max(1, a.hard + b.hard) };
  };
  const parallel = (a: Segment, b: Segment, centre: number) => {
    const from = Math.max(a.from, b.from);
    const to = Math.min(a.to, b.to);
    return to - from >= 0.5 * Math.min(a.to - a.from, b.to - b.from) && centre >= from - margin && centre <= to + margin;
  };
  // A corner: each segment ends where the other side runs; one end exactly (a side's last hard row may fade with
  // the photo's contrast, so the other within twice the tolerance). A card's rounded corner leaves both ends short.
  const gap = (value: number, s: Segment) => Math.min(Math.abs(value - s.from), Math.abs(value - s.to));
  const corner = (v: Segment, h: Segment) => {
    const a = gap(h.position, v);
    const b = gap(v.position, h);
    // Both sides run from the corner towards the face: the rectangle they start encloses it (a patch copied next
    // to the portrait has its corner there too, but opens away from the face).
    const towardsFace = (h.from + h.to) / 2 - v.position > 0 === cx - v.position > 0 && (v.from + v.to) / 2 - h.position > 0 === cy - h.position > 0;
    return Math.min(a, b) <= tolerance && Math.max(a, b) <= 2 * tolerance && towardsFace;
  };
  for (const l of left) for (const r of right) if (parallel(l, r, cy)) consider(l, r);
  for (const t of top) for (const b of bottom) if (parallel(t, b, cx)) consider(t, b);
  for (const v of [...left, ...right]) for (const h of [...top, ...bottom]) if (corner(v, h)) consider(v, h);
  return result;
}

/** The three strongest segments accepted by `keep`, at least 3 pixels apart (a side is one line, not its neighbours). */
function strongest(segments: Segment[], keep: (s: Segment) => boolean): Segment[] {
  const out: Segment[] = [];
  const sorted = segments.filter((s) => s.evidence > 0 && keep(s)).sort((a, b) => b.evidence - a.evidence);
  for (const s of sorted) {
    if (out.length >= 3) break;
    if (out.every((o) => Math.abs(o.position - s.position) > 2)) out.push(s);
  }
  return out;
}

/**
 * Noise and sharpness of the crop pixels inside `box` and outside `hole` (crop coordinates), for context:
 * noise is the mean |4-neighbour Laplacian| over the flatter half of the pixels as a σ in grey levels, sharpness the
 * mean acutance of edge centres (largest one-pixel step over the 6-pixel rise).
 */
function regionStats(grey: GreyCrop, box: Box, hole: Box | null): RegionStats {
  const { data, width: w, height: h } = grey;
  const x0 = Math.max(3, box.x), x1 = Math.min(w - 3, box.x + box.width);
  const y0 = Math.max(3, box.y), y1 = Math.min(h - 3, box.y + box.height);
  const within = (x: number, y: number) => !hole || x < hole.x || y < hole.y || x >= hole.x + hole.width || y >= hole.y + hole.height;
  const gradients = new Uint32Array(511);
  let acutance = 0;
  let edges = 0;
  let pixels = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (!within(x, y)) continue;
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
  let flatCut = 0;
  for (let seen = 0; flatCut < gradients.length && (seen += gradients[flatCut]) * 2 < pixels; flatCut++);
  let laplacianSum = 0;
  let flat = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (!within(x, y)) continue;
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

function edgeAcutance(data: Uint8Array, p: number, step: number, central: number): number {
  const rise = Math.abs(data[p + 3 * step] - data[p - 3 * step]);
  if (rise < 24) return -1;
  if (central < Math.abs(data[p + 2 * step] - data[p]) || central < Math.abs(data[p] - data[p - 2 * step])) return -1;
  const a = Math.abs(data[p + step] - data[p]);
  const b = Math.abs(data[p] - data[p - step]);
  return Math.min(1, Math.max(a, b) / rise);
}

function grow(box: Box, by: number): Box {
  return { x: box.x - by, y: box.y - by, width: box.width + 2 * by, height: box.height + 2 * by };
}

function clip(box: Box, width: number, height: number): Box {
  const x = Math.max(0, Math.min(width - 1, Math.round(box.x)));
  const y = Math.max(0, Math.min(height - 1, Math.round(box.y)));
  const right = Math.max(x + 1, Math.min(width, Math.round(box.x + box.width)));
  const bottom = Math.max(y + 1, Math.min(height, Math.round(box.y + box.height)));
  return { x, y, width: right - x, height: bottom - y };
}
