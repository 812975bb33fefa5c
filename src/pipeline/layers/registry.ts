/**
 * The `registry` layer: a document that claims a number the tenant registered as issued (POST /v1/registry/documents)
 * must agree with that record — holder names, birth date, document type and expiry — and must not be revoked.
 *
 * The number looked up is the MRZ's when its check digits hold (image first, then the client-sent lines), else the
 * declared one: check digits make the MRZ number the most trustworthy claim on the document. Every presented value
 * (declared, and the MRZ's when valid) is compared with the record, so a genuine document presented under another
 * name fails here even when its MRZ agrees with the register. Findings name fields and where each value came from,
 * never the values.
 *
 * A number the register does not hold is `skipped` (REGISTRY_NOT_FOUND, info): most documents a tenant sees were
 * issued by someone else, so absence says nothing, and a skipped layer is left out of the weighted total — any fixed
 * score would pull every unregistered applicant's total towards it. A match scores 0 and so lowers the total.
 *
 * The port {@link RegistryLookup} is bound by the caller to the verification's tenant and mode, so another tenant's
 * or the other mode's register is out of reach by construction.
 */
import { parseCountry } from "../../lib/countries";
import type { DeclaredData, Finding, Layer, LayerContext, LayerResult, PipelineInputs } from "../types";
import { timed } from "../types";

export type RegistryDocumentType = "passport" | "id_card" | "driving_licence" | "residence_permit";

/** One registered document as the layer sees it (holder decrypted; the number itself is never returned). */
export interface RegistryRecord {
  id: string;
  documentType: RegistryDocumentType;
  /** ISO alpha-2, or the ICAO code for issuers without one. */
  issuingCountry: string;
  holder: { firstName: string; lastName: string; dateOfBirth: string };
  issueDate: string | null;
  expiryDate: string | null;
  status: "valid" | "revoked";
}

/** Records registered under a document number in the verification's tenant and mode (the caller binds both). */
export type RegistryLookup = (documentNumber: string) => Promise<RegistryRecord[]>;

/** What the layer reads of a parsed MRZ (the mrz layer's ParsedMrz fits this shape). */
export interface MrzView {
  /** Every check digit right and every field well-formed. */
  valid: boolean;
  fields?: {
    documentCode?: string | null;
    issuingState?: string | null;
    documentNumber?: string | null;
    surname?: string | null;
    givenNames?: string | null;
    /** ISO `YYYY-MM-DD`. */
    birthDate?: string | null;
    /** ISO `YYYY-MM-DD`. */
    expiryDate?: string | null;
  } | null;
}

/** The run's MRZ memo as the registry layer needs it (the mrz layer's MrzEvidence fits this shape). */
export interface MrzSource {
  of(inputs: PipelineInputs, ctx: LayerContext): Promise<{ parsed: MrzView | null; declaredParsed?: MrzView | null }>;
}

export type ComparedField = "first_name" | "last_name" | "date_of_birth" | "document_type" | "expiry_date";
export type ClaimSource = "declared" | "mrz";

/** One value the applicant's document presents, and where it came from. */
export interface Claim {
  field: ComparedField;
  source: ClaimSource;
  value: string;
}

/** What the verification presents to the register. */
export interface PresentedDocument {
  /** The number to look up (normalised by the lookup); null when neither the MRZ nor the applicant gave one. */
  number: string | null;
  numberSource: ClaimSource | null;
  /** Normalised country code (MRZ issuing state when the MRZ is valid, else declared); null when unknown. */
  issuingCountry: string | null;
  claims: Claim[];
}

/** Risk of a revoked document: certain. A contradicted record: as the other critical findings. */
const REVOKED_SCORE = 100;
const MISMATCH_SCORE = 90;

/**
 * What the verification presents: the valid MRZ's number (else the declared one), and every declared and MRZ value
 * that the register can confirm.
 *
 * @example
 * presentedDocument(declared, { valid: true, fields: { documentNumber: "C01X00T47", surname: "MUSTERMANN", ... } })
 * // → { number: "C01X00T47", numberSource: "mrz", claims: [{ field: "last_name", source: "declared", value: "Mustermann" }, ...] }
 */
export function presentedDocument(declared: DeclaredData, mrz: MrzView | null): PresentedDocument {
  const valid = mrz?.valid && mrz.fields ? mrz.fields : null;
  const claims: Claim[] = [
    { field: "first_name", source: "declared", value: declared.firstName },
    { field: "last_name", source: "declared", value: declared.lastName },
    { field: "date_of_birth", source: "declared", value: declared.dateOfBirth },
    { field: "document_type", source: "declared", value: declared.documentType },
  ];
  if (declared.documentExpiry) claims.push({ field: "expiry_date", source: "declared", value: declared.documentExpiry });
  if (valid) {
    const fromMrz: [ComparedField, string | null | undefined][] = [
      ["first_name", valid.givenNames],
      ["last_name", valid.surname],
      ["date_of_birth", valid.birthDate],
      ["document_type", valid.documentCode],
      ["expiry_date", valid.expiryDate],
    ];
    for (const [field, value] of fromMrz) if (value?.trim()) claims.push({ field, source: "mrz", value });
  }
  const mrzNumber = valid?.documentNumber?.trim() || null;
  const declaredNumber = declared.documentNumber?.trim() || null;
  const country = (valid?.issuingState && parseCountry(valid.issuingState)?.code) || (declared.documentIssuingCountry && parseCountry(declared.documentIssuingCountry)?.code) || null;
  return {
    number: mrzNumber ?? declaredNumber,
    numberSource: mrzNumber ? "mrz" : declaredNumber ? "declared" : null,
    issuingCountry: country,
    claims,
  };
}

/** ICAO 9303 transliterations of the letters that have one beyond dropping the accent (Ä → AE, ß → SS…). */
const TRANSLITERATION: Record<string, string> = { Ä: "AE", Ö: "OE", Ü: "UE", ß: "SS", ẞ: "SS", Æ: "AE", Ø: "OE", Å: "AA", Þ: "TH", Œ: "OE", Ĳ: "IJ", Ð: "D", Ł: "L", Đ: "D", Ħ: "H", Ŧ: "T", Ŋ: "N" };

const letters = (s: string) =>
  s
    .replace(/[^A-Z]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);

/** A name's token lists as an MRZ may spell it: ICAO transliteration, and plain accent removal (`MÜLLER` → MUELLER, MULLER). */
export function nameForms(name: string): string[][] {
  const upper = name.toUpperCase().replace(/</g, " ");
  const strip = (s: string) => s.normalize("NFD").replace(/\p{M}/gu, "");
  const transliterate = (s: string) => [...s].map((ch) => TRANSLITERATION[ch] ?? ch).join("");
  const forms = [letters(strip(transliterate(upper))), letters(transliterate(strip(upper)))];
  return forms[0].join(" ") === forms[1].join(" ") ? [forms[0]] : forms;
}

/**
 * Whether a presented name is the registered one: the same words after transliteration, or its leading words
 * (an applicant may leave out a middle name; an MRZ name field cut at its length may end in a partial word).
 *
 * @example
 * sameName("Erika Maria", "ERIKA", "mrz") // → true
 * sameName("Müller", "MUELLER", "mrz")    // → true
 * sameName("Müller", "Schmidt", "declared") // → false
 */
export function sameName(registered: string, presented: string, source: ClaimSource): boolean {
  for (const reg of nameForms(registered)) {
    for (const pres of nameForms(presented)) {
      if (!pres.length || pres.length > reg.length) continue;
      const leading = pres.every((word, i) => word === reg[i]);
      const truncated = source === "mrz" && pres.slice(0, -1).every((word, i) => word === reg[i]) && reg[pres.length - 1].startsWith(pres[pres.length - 1]);
      if (leading || truncated) return true;
    }
  }
  return false;
}

/** Dates compare as ISO days; a six-digit MRZ date (YYMMDD) compares with the record's last six digits. */
function sameDate(registered: string, presented: string): boolean {
  const p = presented.trim();
  if (/^\d{6}$/.test(p)) return registered.replace(/-/g, "").slice(2) === p;
  return registered === p;
}

/** MRZ document codes: `P…` passports; `I…`, `A…`, `C…` identity cards and residence permits (ICAO 9303 parts 4–6). */
function sameType(registered: RegistryDocumentType, presented: string, source: ClaimSource): boolean {
  if (source === "declared") return registered === presented;
  const code = presented.trim().toUpperCase()[0];
  if (code === "P") return registered === "passport";
  if (code === "I" || code === "A" || code === "C") return registered === "id_card" || registered === "residence_permit";
  return true; // visas and unknown codes say nothing about our four types
}

function agrees(record: RegistryRecord, claim: Claim): boolean {
  switch (claim.field) {
    case "first_name":
      return sameName(record.holder.firstName, claim.value, claim.source);
    case "last_name":
      return sameName(record.holder.lastName, claim.value, claim.source);
    case "date_of_birth":
      return sameDate(record.holder.dateOfBirth, claim.value);
    case "document_type":
      return sameType(record.documentType, claim.value, claim.source);
    case "expiry_date":
      return record.expiryDate === null || sameDate(record.expiryDate, claim.value);
  }
}

/** The claims a record contradicts. */
export function disagreements(record: RegistryRecord, claims: Claim[]): Claim[] {
  return claims.filter((claim) => !agrees(record, claim));
}

/**
 * The layer's verdict for the records registered under the presented number. Records of another issuing country are
 * another document; among the rest, the one the presented data contradicts least is the record compared.
 *
 * @example
 * registryVerdict(presented, []) // → { status: "skipped", score: 0, findings: [REGISTRY_NOT_FOUND] }
 */
export function registryVerdict(presented: PresentedDocument, records: RegistryRecord[]): Omit<LayerResult, "layer" | "ms"> {
  const sameIssuer = records.filter((r) => !presented.issuingCountry || r.issuingCountry === presented.issuingCountry);
  if (!sameIssuer.length) {
    return {
      status: "skipped",
      score: 0,
      findings: [
        {
          code: "REGISTRY_NOT_FOUND",
          severity: "info",
          message: records.length ? "The document number is registered only for another issuing country; this document is not in the register" : "The document number is not in the tenant's register; the registry has no bearing on this decision",
          data: { number_source: presented.numberSource, ...(records.length ? { other_issuing_country: true } : {}) },
        },
      ],
    };
  }
  const compared = sameIssuer
    .map((record) => ({ record, contradicted: disagreements(record, presented.claims) }))
    .sort((a, b) => a.contradicted.length - b.contradicted.length || Number(a.record.status === "revoked") - Number(b.record.status === "revoked"))[0];
  const { record, contradicted } = compared;
  const findings: Finding[] = [];
  if (record.status === "revoked") {
    findings.push({ code: "REGISTRY_REVOKED", severity: "critical", message: "The issuer revoked this document", data: { record_id: record.id, number_source: presented.numberSource } });
  }
  if (contradicted.length) {
    const fields = [...new Set(contradicted.map((c) => c.field))];
    const sources = Object.fromEntries(fields.map((f) => [f, [...new Set(contradicted.filter((c) => c.field === f).map((c) => c.source))]]));
    findings.push({
      code: "REGISTRY_MISMATCH",
      severity: "critical",
      message: `The registered document disagrees with the presented ${fields.join(", ").replace(/_/g, " ")}`,
      data: { record_id: record.id, fields, sources, number_source: presented.numberSource },
    });
  }
  if (findings.length) return { status: "failed", score: record.status === "revoked" ? REVOKED_SCORE : MISMATCH_SCORE, findings };
  return {
    status: "passed",
    score: 0,
    findings: [
      {
        code: "REGISTRY_MATCH",
        severity: "info",
        message: "The document is in the tenant's register and its holder, birth date, type and expiry agree",
        data: { record_id: record.id, compared: [...new Set(presented.claims.map((c) => c.field))], number_source: presented.numberSource },
      },
    ],
  };
}

/**
 * @example
 * registryLayer(d1RegistryLookup(services, { tenantId: v.tenantId, mode: v.mode }), mrzEvidence)
 */
export function registryLayer(lookup: RegistryLookup | null, mrz: MrzSource): Layer {
  return {
    name: "registry",
    run: (inputs, ctx) =>
      timed("registry", ctx.clock, async () => {
        if (!lookup) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "The tenant's register is not consulted in this run" }] };
        const outcome = await mrz.of(inputs, ctx);
        const parsed = outcome.parsed?.valid ? outcome.parsed : outcome.declaredParsed?.valid ? outcome.declaredParsed : null;
        const presented = presentedDocument(inputs.declared, parsed);
        if (!presented.number) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "No document number to look up: none declared and no valid MRZ" }] };
        return registryVerdict(presented, await lookup(presented.number));
      }),
  };
}
