/**
 * A deterministic stream of photographed documents for reading the MRZ: passport data pages (TD3) and the backs of
 * ID cards (TD1, the side that carries the MRZ), never tampered. The `heldout` split differs from `tuning` in how
 * the MRZ is printed (OCR-B cut, size, letter spacing, ink spread, security background) and in how it is
 * photographed (frame size, blur, rotation, keystone, noise, glare, JPEG qualities and tables), on top of the
 * layouts and field fonts of the forensics splits. scripts/docgen/README.md shows the table.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRandom, deriveSeed } from "./random.mjs";
import { randomHolder } from "./holder.mjs";
import { renderDocument } from "./render.mjs";
import { photograph } from "./photograph.mjs";
import { SPLITS } from "./splits.mjs";

/**
 * @typedef {object} ReadingSplit
 * @property {string[]} layouts forensics layouts (colours, field order, guilloche period)
 * @property {{ text: string, numbers: string }} fonts printed-field fonts
 * @property {string[]} mrzFonts OCR-B cuts the MRZ is printed in
 * @property {[number, number]} mrzSizeScale glyph size relative to the renderer's default
 * @property {[number, number]} mrzLetterSpacing extra advance per character, em
 * @property {[number, number]} mrzStroke ink spread, px at 1000 px document width
 * @property {string[]} mrzInks
 * @property {[number, number]} bandOpacity the white band under the MRZ (lower: more guilloche behind the text)
 * @property {number} bandPattern probability of an extra interlaced guilloche printed over the band
 * @property {number[]} frameWidths photo width in px (4:3); the reader sees it shrunk to 1600 px
 * @property {number[]} qualities camera JPEG qualities (IJG scale)
 * @property {string[]} tables camera table families
 * @property {[number, number]} blurSigma lens blur σ in px at 2000 px
 * @property {[number, number]} rotationDegrees in-plane rotation range
 * @property {[number, number]} tiltFraction keystone range
 * @property {[number, number]} noise sensor noise σ at mid-grey
 * @property {number} glare probability of a glare spot
 * @property {[number, number]} fill card's long side over the frame's
 */

/** @type {{ tuning: ReadingSplit, heldout: ReadingSplit }} */
export const READING_SPLITS = {
  tuning: {
    layouts: SPLITS.tuning.layouts,
    fonts: SPLITS.tuning.fonts,
    mrzFonts: ["OCR B"],
    mrzSizeScale: [0.96, 1.0],
    mrzLetterSpacing: [0, 0.02],
    mrzStroke: [0, 0.2],
    mrzInks: ["#111", "#1a1a22"],
    bandOpacity: [0.4, 0.6],
    bandPattern: 0,
    frameWidths: [2000],
    qualities: [74, 80, 86, 92],
    tables: SPLITS.tuning.cameraTables,
    blurSigma: [0.4, 1.0],
    rotationDegrees: [-3, 3],
    tiltFraction: [0, 0.03],
    noise: [1.5, 3],
    glare: 0.25,
    fill: [0.65, 0.8],
  },
  heldout: {
    layouts: SPLITS.heldout.layouts,
    fonts: SPLITS.heldout.fonts,
    mrzFonts: ["OCR B S", "OCR B"],
    mrzSizeScale: [0.88, 0.95],
    mrzLetterSpacing: [0.03, 0.09],
    mrzStroke: [0.3, 0.8],
    mrzInks: ["#0d0d0d", "#23202a", "#2a2622"],
    bandOpacity: [0.15, 0.35],
    bandPattern: 0.5,
    frameWidths: [1800, 2600],
    qualities: [70, 77, 83, 89, 95],
    tables: SPLITS.heldout.cameraTables,
    blurSigma: [0.7, 1.4],
    rotationDegrees: [-5, 5],
    tiltFraction: [0.01, 0.05],
    noise: [2, 4.5],
    glare: 0.35,
    fill: [0.6, 0.85],
  },
};

/**
 * @typedef {object} ReadingTruth
 * @property {string} split
 * @property {"td1" | "td3"} kind
 * @property {"front" | "back"} side TD1 → "back" (the MRZ side), TD3 → "front" (the data page)
 * @property {string} layout
 * @property {string[]} mrz the printed MRZ lines (3 × 30 or 2 × 44)
 * @property {{ surname: string, givenNames: string, birthDate: string, documentNumber: string, expiryDate: string, nationality: string, sex: "M" | "F" | "X" }} holder
 * @property {import("./render.mjs").MrzStyle} mrzStyle how the MRZ was printed
 * @property {{ width: number, height: number, quality: number, tables: string, conditions: import("./photograph.mjs").PhotoTruth["conditions"] }} photo
 * @property {import("./photograph.mjs").MappedBox} mrzBox the MRZ in photo pixels
 */

/** @typedef {{ id: string, bytes: Uint8Array, truth: ReadingTruth }} ReadingSetItem */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** face-api's demo photos: samples 1–3 for tuning, 4–6 for held-out (as the docgen CLI does). @param {"tuning" | "heldout"} split */
function demoFaces(split) {
  return (split === "tuning" ? [1, 2, 3] : [4, 5, 6]).map((n) => path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));
}

/** @param {import("./random.mjs").Random} random @param {[number, number]} range */
const within = (random, range) => random.float(range[0], range[1]);

/**
 * The MRZ print style of one document, drawn from a split.
 * @param {ReadingSplit} settings @param {import("./random.mjs").Random} random
 * @returns {import("./render.mjs").MrzStyle}
 */
function drawMrzStyle(settings, random) {
  const style = {
    font: random.pick(settings.mrzFonts),
    sizeScale: within(random, settings.mrzSizeScale),
    letterSpacing: within(random, settings.mrzLetterSpacing),
    stroke: within(random, settings.mrzStroke),
    ink: random.pick(settings.mrzInks),
    bandOpacity: Math.round(within(random, settings.bandOpacity) * 100) / 100,
  };
  const pattern = random.chance(settings.bandPattern) ? "guilloche" : "none";
  const patternOpacity = Math.round(random.float(0.35, 0.6) * 100) / 100;
  return { ...style, pattern, patternOpacity: pattern === "none" ? 0 : patternOpacity };
}

/**
 * Yields `count` documents to read, TD3 and TD1 taking turns in the order of `kinds` (so 120 → 60 + 60).
 * @param {{ split: "tuning" | "heldout", count: number, seed: number, kinds?: ("td3" | "td1")[], faces?: (Uint8Array | string)[] }} options
 *   faces: portraits for the TD3 data page (bytes or paths); default face-api's demo photos of the split
 * @returns {AsyncGenerator<ReadingSetItem>}
 * @example
 * for await (const { id, bytes, truth } of readingSet({ split: "heldout", count: 120, seed: 2026 })) {
 *   await writeFile(`${id}.jpg`, bytes); // truth.mrz holds the lines to read
 * }
 */
export async function* readingSet(options) {
  const settings = READING_SPLITS[options.split];
  if (!settings) throw new Error(`unknown split: ${options.split}`);
  const kinds = options.kinds ?? ["td3", "td1"];
  if (!kinds.length || kinds.some((k) => k !== "td1" && k !== "td3")) throw new Error(`kinds must be td1 and/or td3, got ${kinds.join(",")}`);
  const faces = await Promise.all((options.faces ?? demoFaces(options.split)).map(async (f) => (typeof f === "string" ? new Uint8Array(await readFile(f)) : f)));
  for (let index = 0; index < options.count; index++) {
    const seed = deriveSeed(options.seed, `reading:${options.split}:${index}`);
    const random = createRandom(seed);
    const kind = kinds[index % kinds.length];
    const side = kind === "td1" ? "back" : "front";
    const mrzStyle = drawMrzStyle(settings, random);
    const layout = random.pick(settings.layouts);
    const face = faces[random.int(0, faces.length - 1)];
    const flat = await renderDocument({ kind, side, holder: randomHolder(seed), face, layout, fonts: settings.fonts, seed, mrzStyle });
    const width = random.pick(settings.frameWidths);
    const photo = await photograph(flat, {
      seed,
      width,
      height: Math.round((width * 3) / 4),
      fill: within(random, settings.fill),
      rotationDegrees: within(random, settings.rotationDegrees),
      tilt: within(random, settings.tiltFraction),
      blurSigma: within(random, settings.blurSigma),
      noise: within(random, settings.noise),
      glare: random.chance(settings.glare),
      quality: random.pick(settings.qualities),
      tables: random.pick(settings.tables),
    });
    const { surname, givenNames, birthDate, documentNumber, expiryDate, nationality, sex } = photo.truth.holder;
    yield {
      id: `${options.split}-read-${String(index).padStart(4, "0")}-${kind}`,
      bytes: photo.bytes,
      truth: {
        split: options.split,
        kind,
        side,
        layout: photo.truth.layout,
        mrz: photo.truth.mrz,
        holder: { surname, givenNames, birthDate, documentNumber, expiryDate, nationality, sex },
        mrzStyle,
        photo: { width: photo.truth.width, height: photo.truth.height, quality: photo.truth.quality, tables: photo.truth.tables, conditions: photo.truth.conditions },
        mrzBox: photo.truth.boxes.mrz,
      },
    };
  }
}
