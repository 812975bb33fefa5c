/**
 * Check digits as a tie-breaker between readings the image supports about equally. A recogniser confuses a few
 * look-alikes (0/O in a document number, a filler split or merged so that a character shifts by one cell); the
 * ICAO 9303 check digits say which of two near-equal readings is the zone. They never change a character the
 * image is clear about: a substitution is only considered when its symbol's probability is within a fixed ratio of
 * the chosen one's over the same frames, so a forged zone whose wrong digit is printed clearly stays wrong and is
 * caught by the MRZ layer.
 *
 * Positions are ICAO 9303 part 4–6: which characters each check digit covers, per format. Pure TypeScript.
 */
import type { MrzFormat } from "../types";

/** A check digit at `[line, position]` over the characters of `covers` (`[line, from, to)` runs). */
interface CheckPlan {
  digit: [number, number];
  covers: [number, number, number][];
  /** The field may be empty with a filler for its check digit (TD3 personal number). */
  optional?: boolean;
}

const CHECKS: Record<MrzFormat, CheckPlan[]> = {
  TD1: [
    { digit: [0, 14], covers: [[0, 5, 14]] },
    { digit: [1, 6], covers: [[1, 0, 6]] },
    { digit: [1, 14], covers: [[1, 8, 14]] },
    { digit: [1, 29], covers: [[0, 5, 30], [1, 0, 7], [1, 8, 15], [1, 18, 29]] },
  ],
  TD2: [
    { digit: [1, 9], covers: [[1, 0, 9]] },
    { digit: [1, 19], covers: [[1, 13, 19]] },
    { digit: [1, 27], covers: [[1, 21, 27]] },
    { digit: [1, 35], covers: [[1, 0, 10], [1, 13, 20], [1, 21, 35]] },
  ],
  TD3: [
    { digit: [1, 9], covers: [[1, 0, 9]] },
    { digit: [1, 19], covers: [[1, 13, 19]] },
    { digit: [1, 27], covers: [[1, 21, 27]] },
    { digit: [1, 42], covers: [[1, 28, 42]], optional: true },
    { digit: [1, 43], covers: [[1, 0, 10], [1, 13, 20], [1, 21, 43]] },
  ],
};

/** The ICAO 9303 check digit of a run of characters (weights 7-3-1; A–Z as 10–35, filler 0). */
export function checkDigit(chars: string): number {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : 0;
    sum += value * weights[i % 3];
  }
  return sum % 10;
}

/**
 * Whether each check digit of the format holds on these lines. A TD1 document number longer than nine characters
 * (a filler in its check digit's place, the number running on into the optional data) is not judged here.
 */
export function checkResults(format: MrzFormat, lines: string[]): boolean[] {
  return CHECKS[format].map((plan) => {
    const [dl, dp] = plan.digit;
    const written = lines[dl][dp];
    const covered = plan.covers.map(([l, from, to]) => lines[l].slice(from, to)).join("");
    if (written === "<") return format === "TD1" && dl === 0 ? true : Boolean(plan.optional) && /^<*$/.test(covered);
    return written === String(checkDigit(covered));
  });
}

/** The check digits of the format that fail on these lines. */
function failingChecks(format: MrzFormat, lines: string[]): CheckPlan[] {
  const results = checkResults(format, lines);
  return CHECKS[format].filter((_, i) => !results[i]);
}

/** The lines that hold a failing check digit or a character it covers (the ones worth reading again). */
export function linesUnderFailingChecks(format: MrzFormat, lines: string[]): Set<number> {
  return new Set(failingChecks(format, lines).flatMap((plan) => [plan.digit[0], ...plan.covers.map(([l]) => l)]));
}

/** One character the check digits decided: the recogniser's first choice and the one taken. */
export interface Substitution {
  line: number;
  position: number;
  read: string;
  chosen: string;
  /** Log-ratio of the two symbols' probabilities (how much less likely the image made the chosen one). */
  loss: number;
}

/**
 * The one substitution, from `options` (per line and position, the other symbols with their loss), that makes every
 * check digit hold at a loss of at most `maxLoss`: `[]` when the lines already hold, null when there is none or it
 * is not clear-cut. A misread character breaks its field's digit and the composite, so only a substitution that
 * mends at least two failing digits is taken: a lone failing digit (a clearly printed wrong one is what a forged zone
 * looks like) stays as read. The two digits are not independent everywhere: a TD3 or TD2 document number sits at
 * the start of the composite with the same weights, so any change that mends its digit mends the composite too, and
 * about one symbol in ten at each of its positions would fit. Hence the loss limit (the image must make the
 * substitute nearly as likely as the first choice) and the runner-up rule: when a second substitution also fits
 * within {@link RUNNER_UP_MARGIN} of the first, the reading stands.
 *
 * @example
 * settleByCheckDigits("TD3", ["P<UTO…", "L89O902C36…"], options, 3); // [{ line: 1, position: 3, read: "O", chosen: "8", loss: 0.6 }]
 */
export function settleByCheckDigits(format: MrzFormat, lines: string[], options: { symbol: string; loss: number }[][][], maxLoss: number): Substitution[] | null {
  const failing = failingChecks(format, lines);
  if (failing.length === 0) return [];
  if (failing.length < 2) return null;
  const positions = new Set<string>();
  for (const plan of failing) {
    positions.add(`${plan.digit[0]}:${plan.digit[1]}`);
    for (const [l, from, to] of plan.covers) for (let p = from; p < to; p++) positions.add(`${l}:${p}`);
  }
  const fits: Substitution[] = [];
  for (const key of positions) {
    const [line, position] = key.split(":").map(Number);
    for (const { symbol, loss } of options[line]?.[position] ?? []) {
      if (loss > maxLoss) continue;
      const changed = lines.map((l, i) => (i === line ? l.slice(0, position) + symbol + l.slice(position + 1) : l));
      if (checkResults(format, changed).every(Boolean)) fits.push({ line, position, read: lines[line][position], chosen: symbol, loss });
    }
  }
  fits.sort((a, b) => a.loss - b.loss);
  if (fits.length === 0 || (fits.length > 1 && fits[1].loss - fits[0].loss < RUNNER_UP_MARGIN)) return null;
  return [fits[0]];
}

/** How much (log-ratio, ln 4) the best substitution must beat the next one that also fits. */
const RUNNER_UP_MARGIN = Math.log(4);
