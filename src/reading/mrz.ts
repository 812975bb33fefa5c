/**
 * The machine-readable zone as data: ICAO Doc 9303 lines parsed with the `mrz` package, every check digit verified,
 * two-digit years resolved against the run's date, and the zone compared with what the applicant declared.
 *
 * The check digits make the MRZ self-certifying: a forger who edits the printed birth date or document number
 * but leaves the zone alone is caught by comparing the zone with the declared data; one who edits the zone without
 * recomputing the digits is caught by the digits. Fields a failed check digit covers are not compared with the
 * declared data: the checksum finding already says they cannot be trusted.
 *
 * Findings name fields, never values: they are shown to tenants. Pure TypeScript (workerd and Node), no clock:
 * `today` is passed in.
 */
import { parse } from "mrz";
import type { Details } from "mrz";
import { parseCountry } from "../lib/countries";
import type { DeclaredData, Finding } from "../pipeline/types";
import { checkDigit } from "./ocr/checks";
import { MRZ_SHAPES } from "./types";
import type { MrzFormat } from "./types";

/** The names this module gives MRZ fields in findings: the API's own field names where the API has the field. */
export type MrzFieldName =
  | "document_type"
  | "issuing_country"
  | "document_number"
  | "last_name"
  | "first_name"
  | "nationality"
  | "date_of_birth"
  | "sex"
  | "expiry_date"
  | "optional_data";

/** The check digits ICAO 9303 defines, named like the fields they protect (`composite`: the whole zone). */
export type MrzCheckName = "document_number" | "date_of_birth" | "expiry_date" | "optional_data" | "composite";

export interface MrzFields {
  /** `P`, `PP`, `I`, `ID`, `AC`… as written, fillers dropped. */
  documentCode: string | null;
  /** The 1–3 letter ICAO code as written (`D`, `NLD`, `GBN`). */
  issuingState: string | null;
  /** Fillers dropped; a TD1 number longer than 9 characters includes its overflow into the optional data. */
  documentNumber: string | null;
  /** Upper-case, fillers turned into single spaces (`VAN DER BERG`). */
  surname: string | null;
  givenNames: string | null;
  nationality: string | null;
  /** ISO `YYYY-MM-DD`; null when unreadable or when the document leaves day or month unknown (`<<`). */
  birthDate: string | null;
  expiryDate: string | null;
  /** `X` for the filler (unspecified) and for the `X` some issuers write. */
  sex: "M" | "F" | "X" | null;
  /** TD3 personal number, TD2 optional data, TD1 both optional fields (space-separated); null when empty. */
  optionalData: string | null;
}

export interface ParsedMrz {
  /** null when the lines are no ICAO 9303 zone we support (see `reason`). */
  format: MrzFormat | null;
  /** The lines as parsed (trimmed, upper-case). */
  lines: string[];
  /** Every check digit right and every field well-formed. */
  valid: boolean;
  /** Each check digit of the format, in the order of the zone. */
  checks: { field: MrzCheckName; valid: boolean }[];
  /**
   * Fields that are not well-formed ICAO values, with why. An unknown state code lands here: `mrz` knows the ICAO
   * list and {@link parseCountry} adds the few codes it lacks, but the specimen state `UTO` stays unknown (no real
   * document carries it).
   */
  problems: { field: MrzFieldName; reason: string }[];
  fields: MrzFields;
  /** Why the lines could not be parsed at all (wrong shape, characters outside `A-Z0-9<`); null when parsed. */
  reason: string | null;
}

const EMPTY_FIELDS: MrzFields = {
  documentCode: null,
  issuingState: null,
  documentNumber: null,
  surname: null,
  givenNames: null,
  nationality: null,
  birthDate: null,
  expiryDate: null,
  sex: null,
  optionalData: null,
};

const CHECK_NAMES: Partial<Record<string, MrzCheckName>> = {
  documentNumberCheckDigit: "document_number",
  birthDateCheckDigit: "date_of_birth",
  expirationDateCheckDigit: "expiry_date",
  personalNumberCheckDigit: "optional_data",
  compositeCheckDigit: "composite",
};

const FIELD_NAMES: Partial<Record<string, MrzFieldName>> = {
  documentCode: "document_type",
  issuingState: "issuing_country",
  documentNumber: "document_number",
  lastName: "last_name",
  firstName: "first_name",
  nationality: "nationality",
  birthDate: "date_of_birth",
  sex: "sex",
  expirationDate: "expiry_date",
  personalNumber: "optional_data",
  optional: "optional_data",
  optional1: "optional_data",
  optional2: "optional_data",
};

/** Years a document's expiry may lie ahead of today; two-digit expiry years resolve into the 100 years ending there. */
const EXPIRY_HORIZON_YEARS = 20;

/**
 * Parses MRZ lines (TD1 3×30, TD2 2×36, TD3 2×44) and verifies each check digit. Never throws: garbage gives
 * `valid: false` with a `reason`. Two-digit years resolve so that birth dates lie on or before `today` and expiry
 * dates at most 20 years after it.
 *
 * @example
 * const parsed = parseMrz(["P<NLDERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36NLD7408122F3204153<<<<<<<<<<<<<<04"], { today: "2026-12-03" });
 * parsed.valid; // true
 * parsed.fields.birthDate; // "1974-08-12"
 */
export function parseMrz(lines: string[], options: { today: string }): ParsedMrz {
  const cleaned = lines.map((line) => line.trim().toUpperCase()).filter((line) => line.length > 0);
  const unparsed = (reason: string): ParsedMrz => ({ format: null, lines: cleaned, valid: false, checks: [], problems: [], fields: EMPTY_FIELDS, reason });
  const format = shapeOf(cleaned);
  if (!format) return unparsed(`expected 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3) characters, got ${cleaned.length} line(s) of ${cleaned.map((l) => l.length).join(", ") || 0}`);
  if (cleaned.some((line) => !/^[A-Z0-9<]+$/.test(line))) return unparsed("characters outside A-Z, 0-9 and the filler <");
  let result: ReturnType<typeof parse>;
  try {
    result = parse(cleaned);
  } catch (error) {
    return unparsed(error instanceof Error ? error.message : String(error));
  }
  // `mrz` reads a 36-character zone with digits where TD2 has the name as the old French identity card.
  if (result.format !== format) return unparsed(`unsupported MRZ layout (${result.format})`);

  const checks: ParsedMrz["checks"] = [];
  const problems: ParsedMrz["problems"] = [];
  const fields: MrzFields = { ...EMPTY_FIELDS };
  const optional: string[] = [];
  for (const detail of result.details) {
    if (!detail.field) continue;
    const check = CHECK_NAMES[detail.field];
    if (check) {
      checks.push({ field: check, valid: detail.valid });
      continue;
    }
    const name = FIELD_NAMES[detail.field];
    if (!name) continue;
    const value = acceptedValue(detail, cleaned);
    if (value === null) {
      problems.push({ field: name, reason: detail.error ?? "not a valid value" });
      continue;
    }
    switch (detail.field) {
      case "documentCode":
        fields.documentCode = value;
        break;
      case "issuingState":
        fields.issuingState = value;
        break;
      case "documentNumber":
        fields.documentNumber = value;
        break;
      case "lastName":
        fields.surname = value;
        break;
      case "firstName":
        fields.givenNames = value;
        break;
      case "nationality":
        fields.nationality = value;
        break;
      case "sex":
        fields.sex = value as MrzFields["sex"];
        break;
      case "birthDate":
      case "expirationDate": {
        const resolved = resolveDate(value, options.today, detail.field === "birthDate" ? "birth" : "expiry");
        if (resolved === "invalid") problems.push({ field: name, reason: `not a calendar date: ${value}` });
        else if (detail.field === "birthDate") fields.birthDate = resolved;
        else fields.expiryDate = resolved;
        break;
      }
      default: {
        // A TD1 number longer than 9 characters continues in the optional data (the check digit slot holds a filler).
        const own = detail.field === "optional1" && cleaned[0][14] === "<" ? overflowRemoved(cleaned[0].slice(15)) : value;
        if (own) optional.push(own);
      }
    }
  }
  fields.optionalData = optional.length ? optional.join(" ") : null;
  const valid = checks.every((c) => c.valid) && problems.length === 0;
  return { format, lines: cleaned, valid, checks, problems, fields, reason: null };
}

/** TD1 optional data 1 after a long document number's overflow and its check digit. */
function overflowRemoved(optional1: string): string {
  return optional1.slice(optional1.indexOf("<")).replace(/^<+|<+$/g, "").replace(/</g, " ");
}

function shapeOf(lines: string[]): MrzFormat | null {
  for (const format of Object.keys(MRZ_SHAPES) as MrzFormat[]) {
    const shape = MRZ_SHAPES[format];
    if (lines.length === shape.lines && lines.every((line) => line.length === shape.length)) return format;
  }
  return null;
}

/** The field's value, or null when it is not well-formed; corrects `mrz` where it is stricter than the documents. */
function acceptedValue(detail: Details, lines: string[]): string | null {
  const range = detail.ranges[0];
  const raw = (range ? lines[range.line].slice(range.start, range.end) : "").replace(/<+$/, "").replace(/</g, " ");
  if (detail.field === "sex") return detail.valid ? ({ male: "M", female: "F" } as Record<string, string>)[detail.value ?? ""] ?? "X" : raw === "X" ? "X" : null;
  if (detail.valid) return detail.value ?? "";
  // `mrz`'s state list lacks a few ICAO codes (e.g. XMP); ours has them. The specimen state stays unknown.
  if ((detail.field === "issuingState" || detail.field === "nationality") && raw !== "UTO" && parseCountry(raw)) return raw;
  return null;
}

/** `YYMMDD` → ISO; null for day or month unknown (`<<`), "invalid" for a date no calendar has. */
function resolveDate(yymmdd: string, today: string, kind: "birth" | "expiry"): string | "invalid" | null {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const yy = Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6));
  const todayYear = Number(today.slice(0, 4));
  const latestYear = kind === "birth" ? todayYear : todayYear + EXPIRY_HORIZON_YEARS;
  let year = latestYear - ((((latestYear - yy) % 100) + 100) % 100);
  const iso = (y: number) => `${String(y).padStart(4, "0")}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
  if (kind === "birth" && iso(year) > today) year -= 100;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return "invalid";
  return iso(year);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A name as an MRZ may write it, in each of ICAO 9303 Part 3's transliterations (Ü → `UE` or `U`, Å → `AA` or
 * `A`…): upper-case A–Z, apostrophes dropped, hyphens, spaces and anything else as single spaces. Empty strings
 * mean the name has no Latin letters (another script), so it cannot be compared.
 *
 * @example
 * mrzNameVariants("Müller-Lüdenscheidt"); // ["MUELLER LUEDENSCHEIDT", "MULLER LUDENSCHEIDT"]
 */
export function mrzNameVariants(name: string): string[] {
  const variants = [LONG_FORMS, SHORT_FORMS].map((forms) =>
    [...name.toUpperCase()]
      .map((char) => forms[char] ?? COMMON_FORMS[char] ?? char)
      .join("")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/['’ʼ`]/g, "")
      .replace(/[^A-Z]+/g, " ")
      .trim(),
  );
  return [...new Set(variants)];
}

/** Letters ICAO 9303 writes the same whichever variant an issuer chose. */
const COMMON_FORMS: Record<string, string> = { Æ: "AE", Œ: "OE", ß: "SS", ẞ: "SS", Þ: "TH", Ð: "D", Đ: "D", Ł: "L", Ħ: "H", Ŧ: "T", Ŋ: "N", Ĳ: "IJ", Ŀ: "L" };
const LONG_FORMS: Record<string, string> = { Ä: "AE", Ö: "OE", Ü: "UE", Å: "AA", Ø: "OE" };
const SHORT_FORMS: Record<string, string> = { Ä: "A", Ö: "O", Ü: "U", Å: "A", Ø: "O" };

/**
 * Whether a declared name agrees with the MRZ's: the same letters, or every declared name part among the MRZ's
 * (people often declare one of several given names), or — when the MRZ's name field was full and so possibly
 * truncated — the MRZ's letters begin the declared name. null when the declared name has no Latin letters.
 *
 * @example
 * namesAgree("Anna", "ANNA MARIA", false); // true
 * namesAgree("Müller", "MUELLER", false); // true
 */
export function namesAgree(declared: string, mrz: string, truncated: boolean): boolean | null {
  const variants = mrzNameVariants(declared).filter((v) => v.length > 0);
  if (!variants.length) return null;
  const mrzParts = mrz.split(" ").filter(Boolean);
  const mrzJoined = mrzParts.join("");
  return variants.some((variant) => {
    const joined = variant.replace(/ /g, "");
    if (joined === mrzJoined) return true;
    if (variant.split(" ").every((part) => mrzParts.includes(part))) return true;
    return truncated && mrzJoined.length > 0 && joined.startsWith(mrzJoined);
  });
}

/** The MRZ's name field was filled to its last character, so the issuer may have cut the names short. */
function nameTruncated(parsed: ParsedMrz): boolean {
  const nameLine = parsed.format === "TD1" ? parsed.lines[2] : parsed.lines[0];
  return nameLine !== undefined && !nameLine.endsWith("<");
}

/** Document numbers compare as letters and digits only: fillers, spaces and hyphens are layout. */
const numberKey = (value: string) => value.toUpperCase().replace(/[^A-Z0-9]/g, "");

/** Country codes compare through src/lib/countries.ts, so `D`, `DEU` and `DE` are one country. */
const countryKey = (value: string) => parseCountry(value)?.code ?? value.trim().toUpperCase();

/** The declared document types whose MRZ document code is fixed by ICAO 9303 (other types vary by issuer). */
const TYPE_CODES: Partial<Record<string, RegExp>> = { passport: /^P/, id_card: /^[IAC]/ };

/** Whether each check digit covering a field holds (fields no check digit covers count as checked). */
function checkHolds(parsed: ParsedMrz, field: MrzCheckName): boolean {
  return parsed.checks.find((c) => c.field === field)?.valid ?? true;
}

/**
 * The declared fields that differ from the MRZ, by API name. Fields the MRZ could not read, fields a failed check
 * digit covers, declared fields left empty and names in another script are not compared. The applicant's `country`
 * is not compared with the MRZ's nationality: integrators send the country of residence as often as nationality, and
 * an expatriate must not go to review for it (the document's issuing country is compared instead).
 *
 * @example
 * declaredMismatches(parsed, { ...declared, dateOfBirth: "1975-08-12" }); // ["date_of_birth"]
 */
export function declaredMismatches(parsed: ParsedMrz, declared: DeclaredData): MrzFieldName[] {
  const f = parsed.fields;
  const differs: MrzFieldName[] = [];
  if (f.documentNumber && declared.documentNumber && checkHolds(parsed, "document_number")) {
    const read = numberKey(f.documentNumber);
    const claimed = numberKey(declared.documentNumber);
    // Some applicants type the check digit after the number, as printed on a few cards.
    if (claimed !== read && claimed !== read + checkDigit(f.documentNumber)) differs.push("document_number");
  }
  if (f.birthDate && declared.dateOfBirth && checkHolds(parsed, "date_of_birth") && f.birthDate !== declared.dateOfBirth) differs.push("date_of_birth");
  if (f.expiryDate && declared.documentExpiry && checkHolds(parsed, "expiry_date") && f.expiryDate !== declared.documentExpiry) differs.push("expiry_date");
  const truncated = nameTruncated(parsed);
  if (f.surname && declared.lastName && namesAgree(declared.lastName, f.surname, truncated) === false) differs.push("last_name");
  if (f.givenNames && declared.firstName && namesAgree(declared.firstName, f.givenNames, truncated) === false) differs.push("first_name");
  if (f.issuingState && declared.documentIssuingCountry && countryKey(f.issuingState) !== countryKey(declared.documentIssuingCountry)) differs.push("issuing_country");
  const typeCode = TYPE_CODES[declared.documentType];
  if (f.documentCode && typeCode && !typeCode.test(f.documentCode)) differs.push("document_type");
  return differs;
}

/**
 * The fields two readings of the same zone disagree on (e.g. the image's MRZ and the lines the client sent). Fields
 * a failed check digit covers on either side are left to the checksum finding.
 *
 * @example
 * mrzDifferences(fromImage, fromClient); // ["document_number"]
 */
export function mrzDifferences(a: ParsedMrz, b: ParsedMrz): MrzFieldName[] {
  const both = (check: MrzCheckName) => checkHolds(a, check) && checkHolds(b, check);
  const pairs: [MrzFieldName, keyof MrzFields, MrzCheckName | null][] = [
    ["document_type", "documentCode", null],
    ["issuing_country", "issuingState", null],
    ["document_number", "documentNumber", "document_number"],
    ["last_name", "surname", null],
    ["first_name", "givenNames", null],
    ["nationality", "nationality", null],
    ["date_of_birth", "birthDate", "date_of_birth"],
    ["sex", "sex", null],
    ["expiry_date", "expiryDate", "expiry_date"],
    ["optional_data", "optionalData", "optional_data"],
  ];
  return pairs.filter(([, key, check]) => (!check || both(check)) && a.fields[key] !== b.fields[key]).map(([name]) => name);
}

/**
 * Whole years between a birth date and a day (ISO dates). Someone born on 29 February comes of age on 1 March
 * in common years.
 *
 * @example
 * ageOn("2008-12-04", "2026-12-03"); // 17
 */
export function ageOn(birthDate: string, today: string): number {
  const years = Number(today.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return today.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** Fields whose disagreement means another document or an edited one, not a spelling: these make a mismatch critical. */
const IDENTITY_FIELDS: MrzFieldName[] = ["document_number", "date_of_birth", "expiry_date", "last_name"];

export interface CompareOptions {
  /** The run's date, `YYYY-MM-DD`. */
  today: string;
  /** The tenant's minimum age; null or absent: no age check. */
  minimumAge?: number | null;
}

/** `MRZ_CHECKSUM_FAILED` naming the failing check digits, or nothing. */
export function checksumFindings(parsed: ParsedMrz): Finding[] {
  const failing = parsed.checks.filter((c) => !c.valid).map((c) => c.field);
  if (!failing.length) return [];
  return [{ code: "MRZ_CHECKSUM_FAILED", severity: "critical", message: `The MRZ's check digits do not hold (${failing.join(", ")})`, data: { checks: failing } }];
}

/**
 * `MRZ_MISMATCH` naming the declared fields the MRZ contradicts, or nothing. Critical when a document number, a
 * date or the surname differs (the zone is certified by its check digits, so the printed page or the declaration
 * was changed, or the document is someone else's); a warning when only given names, countries or the document type
 * differ (spellings, residence declared as country, a type picked wrongly).
 */
export function mismatchFindings(parsed: ParsedMrz, declared: DeclaredData): Finding[] {
  if (!parsed.format) return [];
  const fields = declaredMismatches(parsed, declared);
  if (!fields.length) return [];
  const critical = fields.some((f) => IDENTITY_FIELDS.includes(f));
  return [{ code: "MRZ_MISMATCH", severity: critical ? "critical" : "warning", message: `The MRZ disagrees with the declared ${fields.join(", ")}`, data: { fields } }];
}

/**
 * `DOCUMENT_EXPIRED` and `UNDERAGE`, from the MRZ's dates when their check digits hold, otherwise from the declared
 * dates (`parsed` may be null: no MRZ at all). `data.source` says which.
 *
 * @example
 * dateFindings(null, { ...declared, documentExpiry: "2020-01-01" }, { today: "2026-12-03" })[0].code; // "DOCUMENT_EXPIRED"
 */
export function dateFindings(parsed: ParsedMrz | null, declared: DeclaredData, options: CompareOptions): Finding[] {
  const findings: Finding[] = [];
  const fromMrz = (field: MrzCheckName, value: string | null) => (parsed && value && checkHolds(parsed, field) ? value : null);
  const mrzExpiry = fromMrz("expiry_date", parsed?.fields.expiryDate ?? null);
  const expiry = mrzExpiry ?? declared.documentExpiry;
  if (expiry && expiry < options.today)
    findings.push({ code: "DOCUMENT_EXPIRED", severity: "critical", message: "The document has expired", data: { source: mrzExpiry ? "mrz" : "declared" } });
  const minimumAge = options.minimumAge ?? null;
  const mrzBirth = fromMrz("date_of_birth", parsed?.fields.birthDate ?? null);
  const birth = mrzBirth ?? declared.dateOfBirth;
  if (minimumAge !== null && birth && ageOn(birth, options.today) < minimumAge)
    findings.push({ code: "UNDERAGE", severity: "critical", message: `The applicant is younger than ${minimumAge}`, data: { minimum_age: minimumAge, source: mrzBirth ? "mrz" : "declared" } });
  return findings;
}

/**
 * Everything the MRZ says against the declared data: failed check digits, contradicted fields, expiry and age.
 *
 * @example
 * compareMrz(parseMrz(lines, { today }), declared, { today, minimumAge: 18 }).map((f) => f.code); // [] when all agree
 */
export function compareMrz(parsed: ParsedMrz, declared: DeclaredData, options: CompareOptions): Finding[] {
  return [...checksumFindings(parsed), ...mismatchFindings(parsed, declared), ...dateFindings(parsed, declared, options)];
}
