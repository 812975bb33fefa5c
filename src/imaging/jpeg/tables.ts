/**
 * Quantisation-table fingerprints: the IJG (libjpeg / mozjpeg / libvips / most phones' software)
 * quality scale and Adobe Photoshop's fixed tables.
 *
 * All tables here are 64 values in natural row-major order, as `readJpegStructure` returns them.
 */

/** ITU-T T.81 Annex K, table K.1 (luminance). */
export const IJG_LUMA = Uint16Array.from([
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18,
  22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]);

/** ITU-T T.81 Annex K, table K.2 (chrominance). */
export const IJG_CHROMA = Uint16Array.from([
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
]);

/**
 * libjpeg's `jpeg_set_quality` scaling of a base table (with `force_baseline`, values clamped to 1..255).
 *
 * @example
 * ijgTable(IJG_LUMA, 50)[0]; // 16
 * ijgTable(IJG_LUMA, 90)[0]; // 3
 */
export function ijgTable(base: ArrayLike<number>, quality: number): Uint16Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  const table = new Uint16Array(64);
  for (let i = 0; i < 64; i++) table[i] = Math.min(255, Math.max(1, Math.floor((base[i] * scale + 50) / 100)));
  return table;
}

/** IJG quality that best reproduces a table, and whether it does so exactly. */
export interface QualityEstimate {
  quality: number;
  exact: boolean;
}

/**
 * Finds the IJG quality (1..100) whose scaled `base` table is closest to `table` (sum of absolute
 * log-ratios, so the small low-frequency steps weigh as much as the large ones).
 *
 * @example
 * estimateQuality(ijgTable(IJG_LUMA, 75), IJG_LUMA); // { quality: 75, exact: true }
 */
export function estimateQuality(table: ArrayLike<number>, base: ArrayLike<number> = IJG_LUMA): QualityEstimate {
  let best = 50;
  let bestDistance = Infinity;
  for (let q = 1; q <= 100; q++) {
    const candidate = ijgTable(base, q);
    let distance = 0;
    for (let i = 0; i < 64; i++) distance += Math.abs(Math.log(Math.max(1, table[i]) / candidate[i]));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = q;
    }
  }
  return { quality: best, exact: bestDistance === 0 };
}

/** One Photoshop quality setting. */
export interface PhotoshopTable {
  /** Position on the setting's own scale: 0..12 for "Save As", 0..100 for "Save for Web". */
  quality: number;
  scale: "save-as" | "save-for-web";
  label: string;
  luma: Uint16Array;
  chroma: Uint16Array;
}

/**
 * Adobe Photoshop quantisation tables, natural order.
 *
 * Source: Pillow's `src/PIL/JpegPresets.py` (python-pillow/Pillow, "JPEG quality settings equivalent
 * to the Photoshop settings"), whose presets were captured from Photoshop files: `web_*` are the Save
 * for Web presets Low/Medium/High/Very High/Maximum (10/30/60/80/100), `low`/`medium`/`high`/
 * `maximum` the Save As presets (3/5/8/10). Photoshop Save As 12 uses the same tables as Save for
 * Web 100 (see Calvin Hass, impulseadventure.com/photo/jpeg-quantization.html), so it is listed once
 * under the Save As scale. Levels not covered by that source are not guessed.
 */
export const PHOTOSHOP_TABLES: PhotoshopTable[] = [
  photoshop(
    12,
    "save-as",
    "Photoshop Save As 12 / Save for Web 100",
    "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 2 2 1 1 1 1 1 2 2 3 1 1 1 1 2 2 3 3 1 1 1 2 2 3 3 3 1 1 2 2 3 3 3 3",
    "1 1 1 2 2 3 3 3 1 1 1 2 3 3 3 3 1 1 1 3 3 3 3 3 2 2 3 3 3 3 3 3 2 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3",
  ),
  photoshop(
    10,
    "save-as",
    "Photoshop Save As 10 (Maximum)",
    "2 2 2 2 3 4 5 6 2 2 2 2 3 4 5 6 2 2 2 2 4 5 7 9 2 2 2 4 5 7 9 12 3 3 4 5 8 10 12 12 4 4 5 7 10 12 12 12 5 5 7 9 12 12 12 12 6 6 9 12 12 12 12 12",
    "3 3 5 9 13 15 15 15 3 4 6 10 14 12 12 12 5 6 9 14 12 12 12 12 9 10 14 12 12 12 12 12 13 14 12 12 12 12 12 12 15 12 12 12 12 12 12 12 15 12 12 12 12 12 12 12 15 12 12 12 12 12 12 12",
  ),
  photoshop(
    8,
    "save-as",
    "Photoshop Save As 8 (High)",
    "6 4 4 6 9 11 12 16 4 5 5 6 8 10 12 12 4 5 5 6 10 12 12 12 6 6 6 11 12 12 12 12 9 8 10 12 12 12 12 12 11 10 12 12 12 12 12 12 12 12 12 12 12 12 12 12 16 12 12 12 12 12 12 12",
    "7 7 13 24 20 20 17 17 7 12 16 14 14 12 12 12 13 16 14 14 12 12 12 12 24 14 14 12 12 12 12 12 20 14 12 12 12 12 12 12 20 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
  ),
  photoshop(
    5,
    "save-as",
    "Photoshop Save As 5 (Medium)",
    "12 8 8 12 17 21 24 17 8 9 9 11 15 19 12 12 8 9 10 12 19 12 12 12 12 11 12 21 12 12 12 12 17 15 19 12 12 12 12 12 21 19 12 12 12 12 12 12 24 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
    "13 11 13 16 20 20 17 17 11 14 14 14 14 12 12 12 13 14 14 14 12 12 12 12 16 14 14 12 12 12 12 12 20 14 12 12 12 12 12 12 20 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
  ),
  photoshop(
    3,
    "save-as",
    "Photoshop Save As 3 (Low)",
    "18 14 14 21 30 35 34 17 14 16 16 19 26 23 12 12 14 16 17 21 23 12 12 12 21 19 21 23 12 12 12 12 30 26 23 12 12 12 12 12 35 23 12 12 12 12 12 12 34 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
    "20 19 22 27 20 20 17 17 19 25 23 14 14 12 12 12 22 23 14 14 12 12 12 12 27 14 14 12 12 12 12 12 20 14 12 12 12 12 12 12 20 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
  ),
  photoshop(
    80,
    "save-for-web",
    "Photoshop Save for Web 80 (Very High)",
    "2 2 2 2 3 4 5 6 2 2 2 2 3 4 5 6 2 2 2 2 4 5 7 9 2 2 2 4 5 7 9 12 3 3 4 5 8 10 12 12 4 4 5 7 10 12 12 12 5 5 7 9 12 12 12 12 6 6 9 12 12 12 12 12",
    "3 3 5 9 13 15 15 15 3 4 6 11 14 12 12 12 5 6 9 14 12 12 12 12 9 11 14 12 12 12 12 12 13 14 12 12 12 12 12 12 15 12 12 12 12 12 12 12 15 12 12 12 12 12 12 12 15 12 12 12 12 12 12 12",
  ),
  photoshop(
    60,
    "save-for-web",
    "Photoshop Save for Web 60 (High)",
    "6 4 4 6 9 11 12 16 4 5 5 6 8 10 12 12 4 5 5 6 10 12 14 19 6 6 6 11 12 15 19 28 9 8 10 12 16 20 27 31 11 10 12 15 20 27 31 31 12 12 14 19 27 31 31 31 16 12 19 28 31 31 31 31",
    "7 7 13 24 26 31 31 31 7 12 16 21 31 31 31 31 13 16 17 31 31 31 31 31 24 21 31 31 31 31 31 31 26 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31 31",
  ),
  photoshop(
    30,
    "save-for-web",
    "Photoshop Save for Web 30 (Medium)",
    "16 11 11 16 23 27 31 30 11 12 12 15 20 23 23 30 11 12 13 16 23 26 35 47 16 15 16 23 26 37 47 64 23 20 23 26 39 51 64 64 27 23 26 37 51 64 64 64 31 23 35 47 64 64 64 64 30 30 47 64 64 64 64 64",
    "17 15 17 21 20 26 38 48 15 19 18 17 20 26 35 43 17 18 20 22 26 30 46 53 21 17 22 28 30 39 53 64 20 20 26 30 39 48 64 64 26 26 30 39 48 63 64 64 38 35 46 53 64 64 64 64 48 43 53 64 64 64 64 64",
  ),
  photoshop(
    10,
    "save-for-web",
    "Photoshop Save for Web 10 (Low)",
    "20 16 25 39 50 46 62 68 16 18 23 38 38 53 65 68 25 23 31 38 53 65 68 68 39 38 38 53 65 68 68 68 50 38 53 65 68 68 68 68 46 53 65 68 68 68 68 68 62 65 68 68 68 68 68 68 68 68 68 68 68 68 68 68",
    "21 25 32 38 54 68 68 68 25 28 24 38 54 68 68 68 32 24 32 43 66 68 68 68 38 38 43 53 68 68 68 68 54 54 66 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68 68",
  ),
];

function photoshop(quality: number, scale: PhotoshopTable["scale"], label: string, luma: string, chroma: string): PhotoshopTable {
  const parse = (text: string) => Uint16Array.from(text.split(" ").map(Number));
  return { quality, scale, label, luma: parse(luma), chroma: parse(chroma) };
}

/** Which encoder family produced a set of tables. */
export interface EncoderGuess {
  family: "ijg" | "photoshop" | "unknown";
  /** IJG quality (1..100), Photoshop setting on its own scale, or the nearest IJG quality for "unknown". */
  quality: number | null;
  label: string;
}

function sameTable(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let i = 0; i < 64; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Recognises the encoder from the file's quantisation tables (slot 0 luma, slot 1 chroma).
 *
 * @example
 * identifyEncoder([ijgTable(IJG_LUMA, 90), ijgTable(IJG_CHROMA, 90)]);
 * // { family: "ijg", quality: 90, label: "IJG/libjpeg quality 90" }
 */
export function identifyEncoder(qtables: readonly (ArrayLike<number> | null | undefined)[]): EncoderGuess {
  const luma = qtables[0];
  const chroma = qtables[1] ?? null;
  if (!luma) return { family: "unknown", quality: null, label: "no luma table" };
  for (const entry of PHOTOSHOP_TABLES) {
    if (sameTable(luma, entry.luma) && (!chroma || sameTable(chroma, entry.chroma))) {
      return { family: "photoshop", quality: entry.quality, label: entry.label };
    }
  }
  const lumaFit = estimateQuality(luma, IJG_LUMA);
  if (lumaFit.exact) {
    const chromaMatches = !chroma || sameTable(chroma, ijgTable(IJG_CHROMA, lumaFit.quality)) || sameTable(chroma, luma);
    if (chromaMatches) return { family: "ijg", quality: lumaFit.quality, label: `IJG/libjpeg quality ${lumaFit.quality}` };
  }
  return { family: "unknown", quality: lumaFit.quality, label: `custom tables (closest IJG quality ${lumaFit.quality})` };
}
