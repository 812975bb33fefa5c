/**
 * Dark marks on a lighter background as connected components — the raw material the band finder groups into
 * text lines. A pixel is ink when it is darker than its neighbourhood's mean by a margin; the neighbourhood
 * mean comes from a coarse grid of block means (smoothed, interpolated), so uneven light, vignetting and tinted
 * paper do not matter and memory stays near one byte a pixel. Components are built from runs, row by row
 * (8-connected), so no label image is held.
 */
import type { RgbaImage } from "../../face/image";

/** One connected group of ink pixels. */
export interface Component {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** Ink pixels. */
  area: number;
  width: number;
  height: number;
  /** Centre of the bounding box. */
  cx: number;
  cy: number;
}

/**
 * Luma (BT.601) of an RGBA image, one byte a pixel.
 *
 * @example
 * const luma = toLuma(image); // luma.length === image.width * image.height
 */
export function toLuma(image: RgbaImage): Uint8Array {
  const { data } = image;
  const luma = new Uint8Array(image.width * image.height);
  for (let i = 0, j = 0; i < luma.length; i++, j += 4) luma[i] = (data[j] * 77 + data[j + 1] * 150 + data[j + 2] * 29) >> 8;
  return luma;
}

/** How much darker than its surroundings a pixel must be to count as ink: a fraction of the local mean, and at least a step. */
const INK_CONTRAST = 0.18;
const INK_MIN_STEP = 18;

/**
 * Finds the ink components of a luma image (from {@link toLuma}).
 *
 * @example
 * const marks = inkComponents(toLuma(image), image.width, image.height);
 */
export function inkComponents(luma: Uint8Array, width: number, height: number): Component[] {
  const block = Math.max(8, Math.min(40, Math.round(Math.min(width, height) / 36)));
  const background = backgroundGrid(luma, width, height, block);

  // Union-find over run labels; each root carries its component's box and area.
  const parent: number[] = [];
  const minX: number[] = [], maxX: number[] = [], minY: number[] = [], maxY: number[] = [], area: number[] = [];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const union = (a: number, b: number): number => {
    const keep = Math.min(a, b), drop = Math.max(a, b);
    parent[drop] = keep;
    minX[keep] = Math.min(minX[keep], minX[drop]);
    maxX[keep] = Math.max(maxX[keep], maxX[drop]);
    minY[keep] = Math.min(minY[keep], minY[drop]);
    maxY[keep] = Math.max(maxY[keep], maxY[drop]);
    area[keep] += area[drop];
    return keep;
  };

  // Runs of the previous and the current row as (start, end inclusive, label) triples.
  let previous: number[] = [];
  const threshold = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    background.row(y, threshold);
    for (let x = 0; x < width; x++) threshold[x] -= Math.max(INK_MIN_STEP, threshold[x] * INK_CONTRAST);
    const current: number[] = [];
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (luma[row + x] >= threshold[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && luma[row + x] < threshold[x]) x++;
      const end = x - 1;
      let label = -1;
      for (let i = 0; i < previous.length; i += 3) {
        if (previous[i + 1] < start - 1) continue;
        if (previous[i] > end + 1) break;
        const other = find(previous[i + 2]);
        if (label === -1) label = other;
        else if (other !== label) label = union(label, other);
      }
      if (label === -1) {
        label = parent.length;
        parent.push(label);
        minX.push(start);
        maxX.push(end);
        minY.push(y);
        maxY.push(y);
        area.push(end - start + 1);
      } else {
        minX[label] = Math.min(minX[label], start);
        maxX[label] = Math.max(maxX[label], end);
        maxY[label] = y;
        area[label] += end - start + 1;
      }
      current.push(start, end, label);
    }
    previous = current;
  }

  const out: Component[] = [];
  for (let i = 0; i < parent.length; i++) {
    if (parent[i] !== i) continue;
    const w = maxX[i] - minX[i] + 1;
    const h = maxY[i] - minY[i] + 1;
    out.push({ minX: minX[i], maxX: maxX[i], minY: minY[i], maxY: maxY[i], area: area[i], width: w, height: h, cx: minX[i] + w / 2, cy: minY[i] + h / 2 });
  }
  return out;
}

/**
 * The local mean brightness on a grid of `block`-pixel cells, each averaged with its 8 neighbours (a window
 * three blocks wide), with a function that interpolates it along one image row.
 */
function backgroundGrid(luma: Uint8Array, width: number, height: number, block: number) {
  const gw = Math.ceil(width / block);
  const gh = Math.ceil(height / block);
  const sum = new Float64Array(gw * gh);
  const count = new Float64Array(gw * gh);
  const column = new Int32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor(x / block);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / block) * gw;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const g = gy + column[x];
      sum[g] += luma[row + x];
      count[g]++;
    }
  }
  const grid = new Float32Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let s = 0, n = 0;
      for (let y = Math.max(0, gy - 1); y <= Math.min(gh - 1, gy + 1); y++) {
        for (let x = Math.max(0, gx - 1); x <= Math.min(gw - 1, gx + 1); x++) {
          s += sum[y * gw + x];
          n += count[y * gw + x];
        }
      }
      grid[gy * gw + gx] = s / n;
    }
  }
  // Interpolation taps along x are the same for every row.
  const left = new Int32Array(width), right = new Int32Array(width), weight = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(gw - 1, Math.max(0, (x + 0.5) / block - 0.5));
    left[x] = Math.floor(fx);
    right[x] = Math.min(gw - 1, left[x] + 1);
    weight[x] = fx - left[x];
  }
  return {
    /** Writes the interpolated mean of every pixel of row `y` into `out`. */
    row(y: number, out: Float32Array): void {
      const fy = Math.min(gh - 1, Math.max(0, (y + 0.5) / block - 0.5));
      const y0 = Math.floor(fy), y1 = Math.min(gh - 1, y0 + 1), wy = fy - y0;
      const top = y0 * gw, bottom = y1 * gw;
      for (let x = 0; x < width; x++) {
        const wx = weight[x];
        const a = grid[top + left[x]] * (1 - wx) + grid[top + right[x]] * wx;
        const b = grid[bottom + left[x]] * (1 - wx) + grid[bottom + right[x]] * wx;
        out[x] = a * (1 - wy) + b * wy;
      }
    },
  };
}
