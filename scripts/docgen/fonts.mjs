/**
 * Glyph advances of the installed fonts, measured once by rendering through the same path the documents use
 * (sharp → librsvg → fontconfig), so that every printed field gets an accurate box without a font parser.
 */
import sharp from "sharp";

/** Characters the documents print. */
const CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<./- ,'ÉÇÑÖÜÀ";
const SIZE = 24;
const ROW = 34;
const WIDTH = 640;

/** @type {Map<string, Promise<Map<string, number>>>} */
const cache = new Map();

/** @param {string} text */
export function escapeXml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Measures each character's advance (in em) for a font family: a row "|c×10|" and a row "|c×20|"; the right bar
 * moves by ten advances.
 * @param {string} family
 * @returns {Promise<Map<string, number>>}
 */
async function measure(family) {
  const chars = [...CHARSET];
  const rows = chars.flatMap((char) => [`|${char.repeat(10)}|`, `|${char.repeat(20)}|`]);
  const height = rows.length * ROW;
  const text = rows
    .map((row, i) => `<text x="4" y="${i * ROW + 26}" xml:space="preserve">${escapeXml(row)}</text>`)
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}"><rect width="100%" height="100%" fill="#fff"/><g font-family="${family}" font-size="${SIZE}" fill="#000">${text}</g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const rightInk = (/** @type {number} */ row) => {
    for (let x = info.width - 1; x >= 0; x--) {
      for (let y = row * ROW; y < (row + 1) * ROW; y++) if (data[(y * info.width + x) * info.channels] < 128) return x;
    }
    return 0;
  };
  const advances = new Map();
  chars.forEach((char, i) => advances.set(char, (rightInk(2 * i + 1) - rightInk(2 * i)) / 10 / SIZE));
  return advances;
}

/**
 * Loads (once per process) the advance table of a family.
 * @param {string} family e.g. "OCR B", "DejaVu Sans Mono"
 * @returns {Promise<Map<string, number>>}
 * @example
 * const metrics = await fontMetrics("OCR B");
 */
export function fontMetrics(family) {
  let entry = cache.get(family);
  if (!entry) {
    entry = measure(family);
    cache.set(family, entry);
  }
  return entry;
}

/**
 * Width in pixels of a text at a size, from measured advances (unknown characters count as "M").
 * @param {Map<string, number>} metrics
 * @param {string} text
 * @param {number} size font size in px
 * @example
 * textWidth(await fontMetrics("OCR B"), "<<<", 20); // ≈ 3 × 0.7 × 20
 */
export function textWidth(metrics, text, size) {
  let em = 0;
  for (const char of text.toUpperCase()) em += metrics.get(char) ?? metrics.get("M") ?? 0.7;
  return em * size;
}
