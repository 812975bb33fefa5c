/**
 * ICAO 9303 slot alphabets: for each format, line and character position, which symbols may stand there
 * (digits in dates and check digits, letters in country codes, letters and fillers in names, …). The decoder
 * uses them to choose between look-alikes (0/O, 1/I, 5/S, 8/B) without looking at the check digits' values (those
 * only break near-ties afterwards, ./checks.ts).
 */
import type { MrzFormat } from "../types";

const DIGITS = "0123456789";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const FILLER = "<";

/** Alphabet kinds; each is a string of allowed symbols. */
const KIND = {
  letter: LETTERS,
  letterOrFiller: LETTERS + FILLER,
  digit: DIGITS,
  digitOrFiller: DIGITS + FILLER,
  sex: "MFX" + FILLER,
  any: FILLER + DIGITS + LETTERS,
} as const;

type Kind = keyof typeof KIND;

/** [kind, count] runs, left to right, that make up one line. */
type LinePlan = [Kind, number][];

// A birth date may carry fillers where day or month are unknown (ICAO 9303-3 §4.6); other dates are digits.
const PLANS: Record<MrzFormat, LinePlan[]> = {
  TD1: [
    [["letter", 1], ["letterOrFiller", 1], ["letterOrFiller", 3], ["any", 9], ["digitOrFiller", 1], ["any", 15]],
    [["digitOrFiller", 6], ["digit", 1], ["sex", 1], ["digit", 6], ["digit", 1], ["letterOrFiller", 3], ["any", 11], ["digit", 1]],
    [["letterOrFiller", 30]],
  ],
  TD2: [
    [["letter", 1], ["letterOrFiller", 1], ["letterOrFiller", 3], ["letterOrFiller", 31]],
    [["any", 9], ["digit", 1], ["letterOrFiller", 3], ["digitOrFiller", 6], ["digit", 1], ["sex", 1], ["digit", 6], ["digit", 1], ["any", 7], ["digit", 1]],
  ],
  TD3: [
    [["letter", 1], ["letterOrFiller", 1], ["letterOrFiller", 3], ["letterOrFiller", 39]],
    [["any", 9], ["digit", 1], ["letterOrFiller", 3], ["digitOrFiller", 6], ["digit", 1], ["sex", 1], ["digit", 6], ["digit", 1], ["any", 14], ["digitOrFiller", 1], ["digit", 1]],
  ],
};

/**
 * The allowed symbols at every position of every line of a format.
 *
 * @example
 * slotAlphabets("TD3")[1][9]; // "0123456789" — the document number's check digit
 */
export function slotAlphabets(format: MrzFormat): string[][] {
  return PLANS[format].map((plan) => plan.flatMap(([kind, count]) => Array<string>(count).fill(KIND[kind])));
}
