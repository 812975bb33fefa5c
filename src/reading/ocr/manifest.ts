/**
 * The recogniser's manifest (models/ocr_rec.json) as a typed constant: file name, hash, input shape and the CTC
 * class of every MRZ symbol. Bundled at build time, so the class table travels with the decoder that relies on it.
 */
import rec from "../../../models/ocr_rec.json";

/** The 37 symbols an MRZ may contain. */
export const MRZ_SYMBOLS = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export interface OcrModelManifest {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  /** Where scripts/models.mjs reads the file: node_modules/<package>/<path>. */
  source: { package: string; version: string; path: string; dictionary: string; sha256: string; bytes: number };
  input: { name: string; shape: (number | string)[]; colour_order: "BGR" | "RGB" };
  classes: {
    blank: number;
    space: number;
    count: number;
    /** Symbol → class index in the model output. */
    mrz: Record<string, number>;
    /** Symbol → other classes that read as the same symbol (lower case, full-width forms). */
    aliases: Record<string, Record<string, number>>;
  };
}

/** The manifest as written: `classes` numbers each symbol by its line in the dictionary (class 0 = blank). */
export const DICTIONARY_MANIFEST: OcrModelManifest = rec as OcrModelManifest;

/**
 * The classes the model file in R2 outputs: scripts/onnx-prune.mjs cut its CTC head to the manifest's classes (blank,
 * symbols, aliases, space) kept in dictionary order, so each class's index is its rank among them.
 */
function prunedClasses(c: OcrModelManifest["classes"]): OcrModelManifest["classes"] {
  const kept = [...new Set([c.blank, c.space, ...Object.values(c.mrz), ...Object.values(c.aliases).flatMap((a) => Object.values(a))])].sort((a, b) => a - b);
  const rank = (n: number) => kept.indexOf(n);
  const map = (table: Record<string, number>) => Object.fromEntries(Object.entries(table).map(([k, v]) => [k, rank(v)]));
  return { blank: rank(c.blank), space: rank(c.space), count: kept.length, mrz: map(c.mrz), aliases: Object.fromEntries(Object.entries(c.aliases).map(([k, v]) => [k, map(v)])) };
}

export const RECOGNISER: OcrModelManifest = { ...DICTIONARY_MANIFEST, classes: prunedClasses(DICTIONARY_MANIFEST.classes) };

/** The model input's height in pixels (PP-OCRv4 recognisers are trained on 48 px lines). */
export const REC_HEIGHT = 48;

/** The recogniser's output frames per input pixel of width (the backbone downsamples width by 8). */
export const REC_STRIDE = 8;
