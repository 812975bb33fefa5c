/**
 * ICAO 9303 parsing and the comparison with the declared data. The specimen zones are ICAO's own (Doc 9303 Part 4–6)
 * with the specimen state UTO replaced by NLD (no check digit covers the state); generated zones come from the
 * documents generator (scripts/docgen) so the lines are the ones the OCR benchmark reads.
 */
import { describe, expect, it } from "vitest";
import { ageOn, compareMrz, declaredMismatches, mrzNameVariants, namesAgree, parseMrz } from "../../../src/reading/mrz";
import type { DeclaredData } from "../../../src/pipeline/types";
import { checkDigit, td1Lines, td3Lines } from "../../../scripts/docgen/index.mjs";
import type { Holder } from "../../../scripts/docgen/index.mjs";

const today = "2026-12-03";
const TD3_SPECIMEN = ["P<NLDERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36NLD7408122F1204159ZE184226B<<<<<10"];
const TD1_SPECIMEN = ["I<NLDD231458907<<<<<<<<<<<<<<<", "7408122F1204159NLD<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
const TD2_SPECIMEN = ["I<NLDERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907NLD7408122F1204159<<<<<<<6"];

const holder: Holder = {
  surname: "Müller",
  givenNames: "Anna Maria",
  nationality: "D",
  issuingState: "D",
  stateName: "Germany",
  sex: "F",
  birthDate: "1984-08-12",
  issueDate: "2022-01-10",
  expiryDate: "2032-01-09",
  documentNumber: "C01X00T47",
  placeOfBirth: "Berlin",
};

const declared = (over: Partial<DeclaredData> = {}): DeclaredData => ({
  firstName: "Anna Maria",
  lastName: "Müller",
  dateOfBirth: "1984-08-12",
  country: "DE",
  documentType: "passport",
  documentNumber: "C01X00T47",
  documentIssuingCountry: "DE",
  documentExpiry: "2032-01-09",
  mrz: null,
  ...over,
});

/** Replaces one character of one line. */
const edit = (lines: string[], line: number, at: number, char: string) => lines.map((l, i) => (i === line ? l.slice(0, at) + char + l.slice(at + 1) : l));
const failing = (lines: string[]) => parseMrz(lines, { today }).checks.filter((c) => !c.valid).map((c) => c.field);

describe("parseMrz", () => {
  it("reads ICAO's TD3 specimen: every field, every check digit", () => {
    const parsed = parseMrz(TD3_SPECIMEN, { today });
    expect(parsed).toMatchObject({ format: "TD3", valid: true, reason: null, problems: [] });
    expect(parsed.fields).toEqual({
      documentCode: "P",
      issuingState: "NLD",
      documentNumber: "L898902C3",
      surname: "ERIKSSON",
      givenNames: "ANNA MARIA",
      nationality: "NLD",
      birthDate: "1974-08-12",
      expiryDate: "2012-04-15",
      sex: "F",
      optionalData: "ZE184226B",
    });
    expect(parsed.checks).toEqual(["document_number", "date_of_birth", "expiry_date", "optional_data", "composite"].map((field) => ({ field, valid: true })));
  });

  it("reads ICAO's TD1 and TD2 specimens", () => {
    const td1 = parseMrz(TD1_SPECIMEN, { today });
    expect(td1).toMatchObject({ format: "TD1", valid: true });
    expect(td1.fields).toMatchObject({ documentCode: "I", documentNumber: "D23145890", surname: "ERIKSSON", givenNames: "ANNA MARIA", birthDate: "1974-08-12", expiryDate: "2012-04-15" });
    expect(td1.checks.map((c) => c.field)).toEqual(["document_number", "date_of_birth", "expiry_date", "composite"]);
    const td2 = parseMrz(TD2_SPECIMEN, { today });
    expect(td2).toMatchObject({ format: "TD2", valid: true });
    expect(td2.fields).toMatchObject({ documentNumber: "D23145890", surname: "ERIKSSON", birthDate: "1974-08-12" });
  });

  it("reads a TD1 document number longer than 9 characters (ICAO 9303 Part 5's example)", () => {
    const parsed = parseMrz(["I<NLDD23145890<7349<<<<<<<<<<<", "3407127M9507122NLD<<<<<<<<<<<2", "STEVENSON<<PETER<JOHN<<<<<<<<<"], { today });
    expect(parsed).toMatchObject({ format: "TD1", valid: true });
    expect(parsed.fields).toMatchObject({ documentNumber: "D23145890734", optionalData: null, sex: "M", birthDate: "1934-07-12" });
  });

  it("reads the generator's German TD1 and TD3 zones (state D, accents stripped)", () => {
    const td3 = parseMrz(td3Lines(holder), { today });
    expect(td3).toMatchObject({ format: "TD3", valid: true });
    expect(td3.fields).toMatchObject({ issuingState: "D", nationality: "D", surname: "MULLER", documentNumber: "C01X00T47", expiryDate: "2032-01-09" });
    const td1 = parseMrz(td1Lines(holder), { today });
    expect(td1).toMatchObject({ format: "TD1", valid: true });
    expect(td1.fields).toMatchObject({ documentCode: "ID", surname: "MULLER", givenNames: "ANNA MARIA", sex: "F" });
  });

  it("names each failing check digit", () => {
    // The birth date's check digit (line 2, column 10) and so the composite too.
    expect(failing(edit(TD3_SPECIMEN, 1, 19, "3"))).toEqual(["date_of_birth", "composite"]);
    // A document number edited without recomputing anything.
    expect(failing(edit(TD3_SPECIMEN, 1, 0, "M"))).toEqual(["document_number", "composite"]);
    // Only the composite: an edited expiry whose own digit was recomputed, the composite left alone.
    const expiry = "120416";
    const forged = TD3_SPECIMEN[1].slice(0, 21) + expiry + checkDigit(expiry) + TD3_SPECIMEN[1].slice(28);
    expect(failing([TD3_SPECIMEN[0], forged])).toEqual(["composite"]);
    expect(parseMrz([TD3_SPECIMEN[0], forged], { today }).valid).toBe(false);
    expect(failing(edit(TD1_SPECIMEN, 0, 14, "1"))).toEqual(["document_number", "composite"]);
  });

  it("turns garbage into a reason instead of throwing", () => {
    for (const lines of [[], ["hello"], ["P<NLD", "123"], [TD3_SPECIMEN[0], TD3_SPECIMEN[1].slice(0, 43)], [TD3_SPECIMEN[0].replace("<<ANNA", "  ANNA"), TD3_SPECIMEN[1]], ["Ä".repeat(44), "Ö".repeat(44)], TD1_SPECIMEN.slice(0, 2)]) {
      const parsed = parseMrz(lines, { today });
      expect(parsed.valid).toBe(false);
      expect(parsed.format).toBeNull();
      expect(parsed.reason).toMatch(/\w/);
    }
    // The old French identity card has a 36-character zone that is no TD2.
    expect(parseMrz(["IDFRA" + "BERTHIER".padEnd(25, "<") + "157031", "8806923102858CORINNE<<<<<<<6512068F6"], { today }).reason).toMatch(/unsupported/);
  });

  it("accepts lower-case and padded lines the way a client may send them", () => {
    expect(parseMrz(TD3_SPECIMEN.map((l) => ` ${l.toLowerCase()} `), { today }).valid).toBe(true);
  });

  it("reports the specimen state UTO as an unknown state, not as a failed check digit", () => {
    const parsed = parseMrz(TD3_SPECIMEN.map((l) => l.replace("NLD", "UTO")), { today });
    expect(parsed.valid).toBe(false);
    expect(parsed.checks.every((c) => c.valid)).toBe(true);
    expect(parsed.problems.map((p) => p.field)).toEqual(["issuing_country", "nationality"]);
    expect(parsed.fields.issuingState).toBeNull();
  });

  it("resolves two-digit years: births on or before today, expiries at most 20 years ahead", () => {
    const td3With = (birth: string, expiry: string) =>
      parseMrz([TD3_SPECIMEN[0], `L898902C36NLD${birth}${checkDigit(birth)}F${expiry}${checkDigit(expiry)}<<<<<<<<<<<<<<0`.padEnd(43, "<") + "0"], { today }).fields;
    expect(td3With("261203", "460101")).toMatchObject({ birthDate: "2026-12-03", expiryDate: "2046-01-01" });
    expect(td3With("261204", "470101")).toMatchObject({ birthDate: "1926-12-04", expiryDate: "1947-01-01" });
    expect(td3With("000229", "300101").birthDate).toBe("2000-02-29");
  });

  it("treats a date no calendar has as a malformed field even when its check digit holds", () => {
    const birth = "740230";
    const line = TD3_SPECIMEN[1].slice(0, 13) + birth + checkDigit(birth) + TD3_SPECIMEN[1].slice(20, 43);
    const parsed = parseMrz([TD3_SPECIMEN[0], line + checkDigit(line.slice(0, 10) + line.slice(13, 20) + line.slice(21, 43))], { today });
    expect(parsed.checks.every((c) => c.valid)).toBe(true);
    expect(parsed).toMatchObject({ valid: false, problems: [{ field: "date_of_birth" }] });
    expect(parsed.fields.birthDate).toBeNull();
  });

  it("writes an unspecified sex (filler) as X", () => {
    const lines = td3Lines({ ...holder, sex: "X" });
    expect(lines[1][20]).toBe("<");
    expect(parseMrz(lines, { today }).fields.sex).toBe("X");
  });
});

describe("names", () => {
  it("produces both ICAO transliterations of umlauts and drops apostrophes", () => {
    expect(mrzNameVariants("Müller-Lüdenscheidt")).toEqual(["MUELLER LUEDENSCHEIDT", "MULLER LUDENSCHEIDT"]);
    expect(mrzNameVariants("Øster Ångström")).toEqual(["OESTER AANGSTROEM", "OSTER ANGSTROM"]);
    expect(mrzNameVariants("O'Brien")).toEqual(["OBRIEN"]);
    expect(mrzNameVariants("Straße")).toEqual(["STRASSE"]);
    expect(mrzNameVariants("Иванов")).toEqual([""]);
  });

  it("agrees across transliteration, case, fillers and a subset of given names", () => {
    expect(namesAgree("Müller", "MUELLER", false)).toBe(true);
    expect(namesAgree("Müller", "MULLER", false)).toBe(true);
    expect(namesAgree("mueller", "MUELLER", false)).toBe(true);
    expect(namesAgree("Anna", "ANNA MARIA", false)).toBe(true);
    expect(namesAgree("Anne-Marie", "ANNE MARIE", false)).toBe(true);
    expect(namesAgree("José María", "JOSE MARIA", false)).toBe(true);
    expect(namesAgree("O'Brien", "O BRIEN", false)).toBe(true);
    expect(namesAgree("Schmidt", "MUELLER", false)).toBe(false);
    expect(namesAgree("Anna Sofia", "ANNA MARIA", false)).toBe(false);
  });

  it("accepts a name the issuer cut short only when the name field was full", () => {
    expect(namesAgree("Maximiliane", "MAXIMIL", true)).toBe(true);
    expect(namesAgree("Maximiliane", "MAXIMIL", false)).toBe(false);
  });

  it("cannot compare a declared name in another script", () => {
    expect(namesAgree("Иван", "IVAN", false)).toBeNull();
  });
});

describe("compareMrz", () => {
  const passport = parseMrz(td3Lines(holder), { today });

  it("finds nothing when the MRZ agrees with everything declared", () => {
    expect(compareMrz(passport, declared(), { today, minimumAge: 18 })).toEqual([]);
    // Country codes as the API stores them (alpha-2), as sent (alpha-3) and as ICAO writes them (D).
    expect(compareMrz(passport, declared({ country: "DEU", documentIssuingCountry: "D" }), { today })).toEqual([]);
    expect(compareMrz(passport, declared({ documentNumber: "c01x-00t47 " }), { today })).toEqual([]);
  });

  it("does not hold the applicant's country (often the country of residence) against the MRZ's nationality", () => {
    expect(compareMrz(passport, declared({ country: "FR" }), { today })).toEqual([]);
  });

  it("names the contradicted fields and nothing of their values", () => {
    const findings = compareMrz(passport, declared({ dateOfBirth: "1985-08-12", documentNumber: "C01X00T48", lastName: "Schmidt" }), { today });
    expect(findings).toEqual([{ code: "MRZ_MISMATCH", severity: "critical", message: expect.any(String), data: { fields: ["document_number", "date_of_birth", "last_name"] } }]);
    const text = JSON.stringify(findings);
    for (const value of ["1984", "1985", "C01X", "MUELLER", "SCHMIDT", "Schmidt"]) expect(text).not.toContain(value);
  });

  it("makes a mismatch of given names, countries or document type only a warning", () => {
    const findings = compareMrz(passport, declared({ firstName: "Sofia", documentType: "id_card" }), { today });
    expect(findings).toEqual([expect.objectContaining({ code: "MRZ_MISMATCH", severity: "warning", data: { fields: ["first_name", "document_type"] } })]);
    expect(declaredMismatches(passport, declared({ documentIssuingCountry: "AT" }))).toEqual(["issuing_country"]);
    expect(declaredMismatches(passport, declared({ documentExpiry: "2031-01-09" }))).toEqual(["expiry_date"]);
  });

  it("reports failed check digits and does not compare the fields they cover", () => {
    const broken = parseMrz(edit(td3Lines(holder), 1, 19, String((Number(td3Lines(holder)[1][19]) + 1) % 10)), { today });
    const findings = compareMrz(broken, declared({ dateOfBirth: "1999-01-01" }), { today, minimumAge: 18 });
    expect(findings.map((f) => f.code)).toEqual(["MRZ_CHECKSUM_FAILED"]);
    expect(findings[0]).toMatchObject({ severity: "critical", data: { checks: ["date_of_birth", "composite"] } });
  });

  it("finds an expired document from the MRZ, or from the declared date without a trustworthy MRZ date", () => {
    const expired = parseMrz(td3Lines({ ...holder, expiryDate: "2026-12-02" }), { today });
    expect(compareMrz(expired, declared({ documentExpiry: "2026-12-02" }), { today })).toEqual([expect.objectContaining({ code: "DOCUMENT_EXPIRED", severity: "critical", data: { source: "mrz" } })]);
    // Valid through its expiry day.
    expect(compareMrz(parseMrz(td3Lines({ ...holder, expiryDate: today }), { today }), declared({ documentExpiry: today }), { today })).toEqual([]);
    const noExpiry = parseMrz(edit(td3Lines(holder), 1, 27, "0"), { today });
    expect(compareMrz(noExpiry, declared({ documentExpiry: "2020-01-01" }), { today }).map((f) => [f.code, f.data?.source ?? null])).toEqual([
      ["MRZ_CHECKSUM_FAILED", null],
      ["DOCUMENT_EXPIRED", "declared"],
    ]);
  });

  it("finds an underage applicant from the MRZ's birth date when its check digit holds, else the declared one", () => {
    const minor = parseMrz(td3Lines({ ...holder, birthDate: "2008-12-04" }), { today });
    expect(compareMrz(minor, declared({ dateOfBirth: "2008-12-04" }), { today, minimumAge: 18 })).toEqual([expect.objectContaining({ code: "UNDERAGE", data: { minimum_age: 18, source: "mrz" } })]);
    expect(compareMrz(minor, declared({ dateOfBirth: "2008-12-04" }), { today, minimumAge: 17 })).toEqual([]);
    expect(compareMrz(minor, declared({ dateOfBirth: "2008-12-04" }), { today, minimumAge: null })).toEqual([]);
    // A forger who made the MRZ say "adult" without the check digit: the declared date decides.
    const lines = td3Lines({ ...holder, birthDate: "2008-12-04" });
    const forged = parseMrz([lines[0], lines[1].slice(0, 13) + "98" + lines[1].slice(15)], { today });
    expect(compareMrz(forged, declared({ dateOfBirth: "2008-12-04" }), { today, minimumAge: 18 }).map((f) => f.code)).toEqual(["MRZ_CHECKSUM_FAILED", "UNDERAGE"]);
  });

  it("counts whole years, birthdays included", () => {
    expect(ageOn("2008-12-03", today)).toBe(18);
    expect(ageOn("2008-12-04", today)).toBe(17);
    expect(ageOn("2008-02-29", "2026-02-28")).toBe(17);
    expect(ageOn("2008-02-29", "2026-03-01")).toBe(18);
  });
});
