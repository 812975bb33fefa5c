/**
 * What reading a document produces, shared by the OCR reader, the MRZ checks, the vision model and the registry.
 * Dates are ISO `YYYY-MM-DD`; names are upper-case as the MRZ writes them (`<` turned into spaces, trimmed).
 */

/** ICAO 9303 machine-readable zone formats: TD1 (ID card, 3×30), TD2 (2×36), TD3 (passport, 2×44). */
export type MrzFormat = "TD1" | "TD2" | "TD3";

export const MRZ_SHAPES: Record<MrzFormat, { lines: number; length: number }> = {
  TD1: { lines: 3, length: 30 },
  TD2: { lines: 2, length: 36 },
  TD3: { lines: 2, length: 44 },
};

/** An axis-aligned box in the pixels of the image that was read. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The MRZ as the OCR reader saw it on an image. */
export interface MrzReading {
  format: MrzFormat;
  /** Exactly `MRZ_SHAPES[format].lines` lines of `MRZ_SHAPES[format].length` characters from `A-Z0-9<`. */
  lines: string[];
  /** Per line, the mean of the chosen characters' probabilities (0..1). */
  confidence: number[];
  /** Where the band was found, in the pixels of the image given to the reader. */
  band: Box;
  /**
   * Characters the image supported about equally as two symbols (a 0 or an O, a character one cell off), where the
   * check digits chose: the recogniser's first choice and the one in `lines`. Absent when there were none.
   */
  ambiguities?: { line: number; position: number; read: string; chosen: string }[];
  /** Stage timings in ms (zeros without a clock). */
  ms: { locate: number; recognise: number; total: number };
}
