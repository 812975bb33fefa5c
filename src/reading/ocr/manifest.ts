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
  source: { package: string; version: string; path: string; dictionary: string };
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

export const RECOGNISER: OcrModelManifest = rec as OcrModelManifest;

/** The model input's height in pixels (PP-OCRv4 recognisers are trained on 48 px lines). */
export const REC_HEIGHT = 48;

/** The recogniser's output frames per input pixel of width (the backbone downsamples width by 8). */
export const REC_STRIDE = 8;
