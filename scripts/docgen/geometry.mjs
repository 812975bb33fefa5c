/**
 * Plane geometry for the synthetic capture: 3×3 homographies (row-major, h[8] = 1) from four point pairs, their
 * inverse, and mapping of points and boxes.
 */

/** @typedef {[number, number]} Point */
/** @typedef {{ x: number, y: number, width: number, height: number }} Box */

/**
 * The homography taking `from[i]` to `to[i]` (four pairs, no three collinear), by solving the 8×8 DLT system.
 * @param {Point[]} from
 * @param {Point[]} to
 * @returns {number[]} 9 values, row-major
 * @example
 * homographyFromPoints([[0,0],[1,0],[1,1],[0,1]], [[0,0],[2,0],[2,2],[0,2]]); // ≈ scale 2
 */
export function homographyFromPoints(from, to) {
  const rows = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [X, Y] = to[i];
    rows.push([x, y, 1, 0, 0, 0, -X * x, -X * y, X]);
    rows.push([0, 0, 0, x, y, 1, -Y * x, -Y * y, Y]);
  }
  // Gaussian elimination with partial pivoting on the augmented matrix.
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(rows[r][col]) > Math.abs(rows[pivot][col])) pivot = r;
    [rows[col], rows[pivot]] = [rows[pivot], rows[col]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const factor = rows[r][col] / rows[col][col];
      for (let c = col; c < 9; c++) rows[r][c] -= factor * rows[col][c];
    }
  }
  const h = rows.map((row, i) => row[8] / row[i]);
  return [...h, 1];
}

/**
 * Inverse of a 3×3 matrix, normalised so the last entry is 1.
 * @param {number[]} m
 * @example
 * invertHomography([2,0,0, 0,2,0, 0,0,1]); // [0.5,0,0, 0,0.5,0, 0,0,1]
 */
export function invertHomography(m) {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const inv = [A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d].map((v) => v / det);
  return inv.map((v) => v / inv[8]);
}

/**
 * @param {number[]} h
 * @param {Point} point
 * @returns {Point}
 * @example
 * applyHomography([2,0,0, 0,2,0, 0,0,1], [1, 1]); // [2, 2]
 */
export function applyHomography(h, [x, y]) {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/**
 * Maps a box's corners (clockwise from top-left) and returns the quadrilateral and its bounding box, rounded outward.
 * @param {number[]} h
 * @param {Box} box
 * @returns {{ quad: Point[], bbox: Box }}
 * @example
 * mapBox(identity, { x: 0, y: 0, width: 10, height: 5 }).bbox; // { x: 0, y: 0, width: 10, height: 5 }
 */
export function mapBox(h, box) {
  const quad = /** @type {Point[]} */ ([
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x + box.width, box.y + box.height],
    [box.x, box.y + box.height],
  ].map((p) => applyHomography(h, /** @type {Point} */ (p)).map((v) => Math.round(v * 10) / 10)));
  const xs = quad.map((p) => p[0]), ys = quad.map((p) => p[1]);
  const x = Math.floor(Math.min(...xs)), y = Math.floor(Math.min(...ys));
  return { quad, bbox: { x, y, width: Math.ceil(Math.max(...xs)) - x, height: Math.ceil(Math.max(...ys)) - y } };
}
