/**
 * Quantisation tables for the synthetic camera and editors, all in natural (row-major) order.
 * IJG tables are the ITU-T T.81 Annex K examples scaled the way libjpeg's jpeg_quality_scaling does; the "vendor"
 * sets are our own derivations, so that not every synthetic camera looks like libjpeg.
 */

/** ITU-T T.81 Table K.1, luminance, natural order. */
export const ANNEX_K_LUMA = Object.freeze([
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
]);

/** ITU-T T.81 Table K.2, chrominance, natural order. */
export const ANNEX_K_CHROMA = Object.freeze([
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99,
]);

/**
 * Scales a base table to an IJG quality (1–100) exactly as libjpeg does, clamped to baseline's 1..255.
 * @param {readonly number[]} base natural order
 * @param {number} quality 1..100
 * @returns {number[]}
 * @example
 * scaleTable(ANNEX_K_LUMA, 50)[0]; // 16
 * scaleTable(ANNEX_K_LUMA, 90)[0]; // 3
 */
export function scaleTable(base, quality) {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - q * 2;
  return base.map((value) => Math.min(255, Math.max(1, Math.floor((value * scale + 50) / 100))));
}

/**
 * The libjpeg / IJG tables at a quality.
 * @param {number} quality
 * @returns {{ name: string, luma: number[], chroma: number[] }}
 * @example
 * ijgTables(90).luma.slice(0, 3); // [3, 2, 2]
 */
export function ijgTables(quality) {
  return { name: `ijg-${quality}`, luma: scaleTable(ANNEX_K_LUMA, quality), chroma: scaleTable(ANNEX_K_CHROMA, quality) };
}

/**
 * Camera-vendor-like tables we derive from Annex K, so the synthetic cameras do not all carry libjpeg's signature:
 * - `flat`: the IJG table pulled 25% towards its mean (flatter high frequencies, as several phone encoders do);
 * - `sharp-chroma`: luma at quality + 2 and chroma at the luma scale, with the chroma plateau lowered to 80%.
 * @param {"flat" | "sharp-chroma"} style
 * @param {number} quality
 * @returns {{ name: string, luma: number[], chroma: number[] }}
 * @example
 * vendorTables("flat", 90).name; // "vendor-flat-90"
 */
export function vendorTables(style, quality) {
  const flatten = (/** @type {number[]} */ table, /** @type {number} */ pull) => {
    const mean = table.reduce((sum, value) => sum + value, 0) / table.length;
    return table.map((value) => Math.min(255, Math.max(1, Math.round(value * (1 - pull) + mean * pull))));
  };
  if (style === "flat") {
    const base = ijgTables(quality);
    return { name: `vendor-flat-${quality}`, luma: flatten(base.luma, 0.25), chroma: flatten(base.chroma, 0.25) };
  }
  const luma = scaleTable(ANNEX_K_LUMA, Math.min(98, quality + 2));
  const chroma = scaleTable(ANNEX_K_CHROMA, quality).map((value) => Math.max(1, Math.round(value * 0.8)));
  return { name: `vendor-sharp-chroma-${quality}`, luma, chroma };
}

/**
 * Camera tables by name: `ijg`, `vendor-flat` or `vendor-sharp-chroma` at a quality.
 * @param {string} family
 * @param {number} quality
 * @example
 * cameraTables("ijg", 94).name; // "ijg-94"
 */
export function cameraTables(family, quality) {
  if (family === "ijg") return ijgTables(quality);
  if (family === "vendor-flat") return vendorTables("flat", quality);
  if (family === "vendor-sharp-chroma") return vendorTables("sharp-chroma", quality);
  throw new Error(`unknown camera table family: ${family}`);
}
