/**
 * Check digits as the reader's tie-breaker (src/reading/ocr/checks.ts): the ICAO 9303 positions of every check digit
 * per format, and the rule for when a look-alike substitution may be taken — one that mends two failing digits and
 * is clear-cut — and when the reading must stand as read (a lone failing digit, a clear print, two candidates).
 */
import { describe, expect, it } from "vitest";
import { checkDigit, checkResults, linesUnderFailingChecks, settleByCheckDigits } from "../../../src/reading/ocr/checks";

// ICAO Doc 9303 specimens (parts 4, 5 and 6).
const TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
const TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
const TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"];

const at = (lines: string[], line: number, position: number, symbol: string) =>
  lines.map((l, i) => (i === line ? l.slice(0, position) + symbol + l.slice(position + 1) : l));

/** No alternatives anywhere but `[line, position] → symbol` at `loss`. */
function optionsWith(lines: string[], entries: [number, number, string, number][]) {
  const options = lines.map((l) => Array.from(l, () => [] as { symbol: string; loss: number }[]));
  for (const [line, position, symbol, loss] of entries) options[line][position].push({ symbol, loss });
  return options;
}

describe("ICAO 9303 check digits", () => {
  it("computes the specimens' digits (weights 7-3-1, letters 10–35, filler 0)", () => {
    expect(checkDigit("L898902C3")).toBe(6);
    expect(checkDigit("740812")).toBe(2);
    expect(checkDigit("120415")).toBe(9);
    expect(checkDigit("D23145890")).toBe(7);
    expect(checkDigit("<<<<<<<<<<<<<<")).toBe(0);
  });

  it("finds every check digit of TD3, TD1 and TD2 specimens holding, and a changed character breaking its field's and the composite", () => {
    expect(checkResults("TD3", TD3)).toEqual([true, true, true, true, true]);
    expect(checkResults("TD1", TD1)).toEqual([true, true, true, true]);
    expect(checkResults("TD2", TD2)).toEqual([true, true, true, true]);
    expect(checkResults("TD3", at(TD3, 1, 2, "7"))).toEqual([false, true, true, true, false]);
    expect(checkResults("TD1", at(TD1, 1, 9, "5"))).toEqual([true, true, false, false]);
    expect(checkResults("TD2", at(TD2, 1, 15, "5"))).toEqual([true, false, true, false]);
    expect([...linesUnderFailingChecks("TD1", at(TD1, 1, 9, "5"))].sort()).toEqual([0, 1]);
    expect([...linesUnderFailingChecks("TD3", at(TD3, 1, 2, "7"))]).toEqual([1]);
  });

  it("accepts an empty TD3 personal number with a filler for its check digit", () => {
    const empty = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<0"];
    const composite = checkDigit(empty[1].slice(0, 10) + empty[1].slice(13, 20) + empty[1].slice(21, 43));
    const lines = [empty[0], empty[1].slice(0, 43) + String(composite)];
    expect(checkResults("TD3", lines).every(Boolean)).toBe(true);
  });
});

describe("settling a reading by its check digits", () => {
  it("takes the look-alike that mends both the field's digit and the composite (0 read as O in a document number)", () => {
    const misread = at(TD3, 1, 3, "O"); // L898902… read as L89O902…
    // 0→8 at position 5 would fit the digits too (the number's digit and the composite weigh it alike), but the image
    // makes it far less likely than the 8 at position 3.
    const subs = settleByCheckDigits("TD3", misread, optionsWith(misread, [[1, 3, "8", 0.6], [1, 5, "8", 2.5]]), Math.log(20));
    expect(subs).toEqual([{ line: 1, position: 3, read: "O", chosen: "8", loss: 0.6 }]);
  });

  it("leaves lines whose digits hold alone, and leaves a lone failing digit as read", () => {
    expect(settleByCheckDigits("TD3", TD3, optionsWith(TD3, [[1, 3, "0", 0.1]]), 3)).toEqual([]);
    // Only the composite fails: a clearly different digit there is what a forged zone looks like.
    const composite = at(TD3, 1, 43, "7");
    expect(settleByCheckDigits("TD3", composite, optionsWith(composite, [[1, 43, "0", 0.2]]), 3)).toBeNull();
  });

  it("keeps the reading when the image is clear (the mend is past the loss limit) or when two mends fit about equally", () => {
    const misread = at(TD3, 1, 3, "O");
    expect(settleByCheckDigits("TD3", misread, optionsWith(misread, [[1, 3, "8", 4]]), Math.log(20))).toBeNull();
    // A forged document-number check digit: the right one would also fit, but nothing in the image suggests it.
    const forged = at(TD3, 1, 9, "3");
    expect(settleByCheckDigits("TD3", forged, optionsWith(forged, []), Math.log(20))).toBeNull();
    // Two different characters that would each mend both digits, at about the same cost: no choice is clear-cut.
    const both = settleByCheckDigits("TD3", misread, optionsWith(misread, [[1, 3, "8", 0.6], [1, 5, "8", 0.9]]), Math.log(20));
    expect(both).toBeNull();
  });
});
