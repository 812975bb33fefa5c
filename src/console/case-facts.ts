/**
 * Facts a reviewer looks for first, picked out of a verification's layer findings: the face similarity and its
 * threshold, and the other cases that share this face or document. Pure over the API's verification view, so the
 * page stays a function of data.
 */
type FindingLike = { code: string; severity: string; message: string; data?: Record<string, unknown> };
type LayersLike = Record<string, { status: string; score: number | null; findings: FindingLike[] }>;

export interface FaceComparison {
  similarity: number;
  threshold: number;
  match: boolean;
}

/**
 * The face layer's similarity and threshold, when it compared two faces.
 *
 * @example
 * faceComparison({ face: { status: "passed", score: 3, findings: [{ code: "FACE_MATCH", severity: "info", message: "", data: { similarity: 0.71, threshold: 0.36 } }] } });
 * // { similarity: 0.71, threshold: 0.36, match: true }
 */
export function faceComparison(layers: LayersLike): FaceComparison | null {
  const finding = layers.face?.findings.find((f) => f.code === "FACE_MATCH" || f.code === "FACE_MISMATCH");
  const similarity = finding?.data?.similarity;
  const threshold = finding?.data?.threshold;
  if (typeof similarity !== "number" || typeof threshold !== "number") return null;
  return { similarity, threshold, match: finding?.code === "FACE_MATCH" };
}

export interface DuplicateLink {
  code: string;
  verificationId: string;
  similarity?: number;
}

/** Ids of other verifications named by duplicate findings (faces, document numbers, document images), de-duplicated. */
export function duplicateLinks(layers: LayersLike): DuplicateLink[] {
  const links: DuplicateLink[] = [];
  for (const layer of ["duplicates", "document_duplicates"]) {
    for (const f of layers[layer]?.findings ?? []) {
      if (!f.code.startsWith("DUPLICATE_") && f.code !== "RETURNING_APPLICANT") continue;
      const matches = Array.isArray(f.data?.matches) ? (f.data.matches as { verification_id?: unknown; similarity?: unknown }[]) : [];
      for (const m of matches) {
        if (typeof m.verification_id === "string") links.push({ code: f.code, verificationId: m.verification_id, similarity: typeof m.similarity === "number" ? m.similarity : undefined });
      }
      const ids = Array.isArray(f.data?.verification_ids) ? (f.data.verification_ids as unknown[]) : [];
      for (const id of ids) if (typeof id === "string") links.push({ code: f.code, verificationId: id });
    }
  }
  const seen = new Set<string>();
  return links.filter((l) => (seen.has(`${l.code}:${l.verificationId}`) ? false : (seen.add(`${l.code}:${l.verificationId}`), true)));
}

/**
 * A finding's data value in a few words for a table cell.
 *
 * @example
 * dataValue({ a: 1 }); // '{"a":1}'
 */
export function dataValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** One row of the case page's reading table: a field as the MRZ, the printed page and the applicant give it. */
export interface ReadingRow {
  field: string;
  label: string;
  mrz: string | null;
  /** Whether the MRZ check digit covering this field holds; null when none covers it or nothing was read. */
  check: boolean | null;
  printed: string | null;
  declared: string | null;
  /** The MRZ value disagrees with the declared one (the mrz layer's own comparison). */
  mrzDiffers: boolean;
  /** The printed value disagrees with the declared data or the MRZ (the vision layer's own comparison). */
  printedDiffers: boolean;
}

export interface DeclaredLike {
  applicant: { first_name: string; last_name: string; date_of_birth: string } | null;
  document: { type: string | null; number_masked: string | null; issuing_country: string | null; expiry_date: string | null };
}

const READING_FIELDS: { field: string; label: string; mrz: string; printed: string | null; check: string | null; declared: (d: DeclaredLike) => string | null }[] = [
  { field: "last_name", label: "Surname", mrz: "surname", printed: "surname", check: null, declared: (d) => d.applicant?.last_name ?? null },
  { field: "first_name", label: "Given names", mrz: "givenNames", printed: "given_names", check: null, declared: (d) => d.applicant?.first_name ?? null },
  { field: "date_of_birth", label: "Date of birth", mrz: "birthDate", printed: "date_of_birth", check: "date_of_birth", declared: (d) => d.applicant?.date_of_birth ?? null },
  { field: "document_number", label: "Document number", mrz: "documentNumber", printed: "document_number", check: "document_number", declared: (d) => d.document.number_masked },
  { field: "expiry_date", label: "Expiry date", mrz: "expiryDate", printed: "expiry_date", check: "expiry_date", declared: (d) => d.document.expiry_date },
  { field: "issuing_country", label: "Issuing country", mrz: "issuingState", printed: "issuing_country", check: null, declared: (d) => d.document.issuing_country },
  { field: "document_type", label: "Document type", mrz: "documentCode", printed: "document_type", check: null, declared: (d) => d.document.type },
  { field: "nationality", label: "Nationality", mrz: "nationality", printed: null, check: null, declared: () => null },
  { field: "sex", label: "Sex", mrz: "sex", printed: null, check: null, declared: () => null },
];

/** The vision layer's names for the fields it compares, mapped to the mrz layer's. */
const VISION_FIELD: Record<string, string> = { surname: "last_name", given_names: "first_name", date_of_birth: "date_of_birth", document_number: "document_number", expiry_date: "expiry_date", issuing_country: "issuing_country", document_type: "document_type" };

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const record = (value: unknown): Record<string, unknown> | null => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null);

/**
 * The MRZ as read (from the image, or the lines the client sent), the printed fields as the vision model read them,
 * and the declared data, field by field, with the disagreements the mrz and vision layers found. Null when neither
 * layer read anything (nothing to compare).
 *
 * @example
 * readingTable(view.layers, view)?.rows.find((r) => r.field === "date_of_birth");
 * // { label: "Date of birth", mrz: "1974-08-12", check: true, printed: "1974-08-12", declared: "1974-08-12", mrzDiffers: false, printedDiffers: false, ... }
 */
export function readingTable(layers: LayersLike, declared: DeclaredLike): { source: string | null; lines: string[]; rows: ReadingRow[] } | null {
  const mrzFindings = layers.mrz?.findings ?? [];
  const withRead = mrzFindings.find((f) => record(f.data?.read)?.fields);
  const read = record(withRead?.data?.read);
  const fields = record(read?.fields) ?? {};
  const checks = Array.isArray(read?.checks) ? (read.checks as { field?: unknown; valid?: unknown }[]) : [];
  const mrzDiffer = new Set(mrzFindings.filter((f) => f.code === "MRZ_MISMATCH" && f.data?.compared === "mrz_and_declared").flatMap((f) => (Array.isArray(f.data?.fields) ? (f.data.fields as string[]) : [])));

  const visionFindings = layers.vision?.findings ?? [];
  const printed = record(visionFindings.find((f) => record(f.data?.read))?.data?.read);
  const printedDiffer = new Set<string>();
  for (const f of visionFindings) {
    if (f.code === "VISION_FIELD_MISMATCH" && Array.isArray(f.data?.fields)) for (const name of f.data.fields as string[]) printedDiffer.add(VISION_FIELD[name] ?? name);
    if (f.code === "DOC_TYPE_MISMATCH") printedDiffer.add("document_type");
  }
  if (!read && !printed) return null;

  const rows = READING_FIELDS.map((spec): ReadingRow => {
    const check = spec.check ? checks.find((c) => c.field === spec.check) : undefined;
    return {
      field: spec.field,
      label: spec.label,
      mrz: text(fields[spec.mrz]),
      check: read && check && typeof check.valid === "boolean" ? check.valid : null,
      printed: spec.printed ? text(printed?.[spec.printed]) : null,
      declared: spec.declared(declared),
      mrzDiffers: mrzDiffer.has(spec.field),
      printedDiffers: printedDiffer.has(spec.field),
    };
  });
  const source = text(withRead?.data?.source);
  return { source, lines: Array.isArray(read?.lines) ? (read.lines as unknown[]).filter((l): l is string => typeof l === "string") : [], rows };
}
