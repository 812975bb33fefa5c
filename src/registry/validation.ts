/**
 * How an import's problems reach the client: one 400 VALIDATION_ERROR for the whole call (nothing is written),
 * with the usual `details.fields` (`records.<index>.<field>` paths, as every route reports body fields) and
 * `details.rows`, one entry per invalid record — its index in `records` or among the CSV's data rows, the CSV line
 * it starts on, and its fields' messages — so a tenant can fix a spreadsheet without counting rows.
 */
import { ApiError, validationError } from "../lib/errors";
import type { RegistryDocumentInput } from "./registry";
import { normaliseRegistryNumber } from "./number";

/** Rows listed in one error; the count of all invalid rows is given beside them. */
export const MAX_ROWS_LISTED = 100;

type Issue = { path: readonly PropertyKey[]; message: string };

export interface RowProblem {
  index: number;
  /** The CSV line the row starts on (CSV imports only). */
  line?: number;
  fields: Record<string, string[]>;
}

/**
 * The 400 for an import whose records failed validation. Issues are zod's, with paths from the body root
 * (`["records", 3, "date_of_birth"]`); `lineOf` maps a record index to its CSV line.
 *
 * @example
 * importValidationError([{ path: ["records", 0, "date_of_birth"], message: "Invalid ISO date" }], "json")
 * // details: { target: "json", fields: { "records.0.date_of_birth": [...] }, rows: [{ index: 0, fields: { date_of_birth: [...] } }], invalid_rows: 1 }
 */
export function importValidationError(issues: readonly Issue[], target: "json" | "csv", lineOf?: (index: number) => number): ApiError {
  const byRow = new Map<number, RowProblem>();
  for (const issue of issues) {
    const [root, index, ...rest] = issue.path;
    if (root !== "records" || typeof index !== "number") continue;
    const row = byRow.get(index) ?? { index, ...(lineOf ? { line: lineOf(index) } : {}), fields: {} };
    const field = rest.length ? rest.map(String).join(".") : "(record)";
    (row.fields[field] ??= []).push(issue.message);
    byRow.set(index, row);
  }
  const base = validationError(issues, { target });
  if (!byRow.size) return base;
  const rows = [...byRow.values()].sort((a, b) => a.index - b.index);
  const where = rows
    .slice(0, 5)
    .map((r) => (r.line ? `line ${r.line}` : `records[${r.index}]`))
    .join(", ");
  return new ApiError("VALIDATION_ERROR", `${rows.length} record${rows.length > 1 ? "s are" : " is"} invalid (${where}${rows.length > 5 ? ", …" : ""}); nothing was imported`, {
    details: { ...base.details, rows: rows.slice(0, MAX_ROWS_LISTED), invalid_rows: rows.length },
  });
}

/**
 * Issues for documents that appear twice in one import (same number, type and issuing country): the second would
 * silently overwrite the first, so the call is refused instead.
 *
 * @example
 * duplicateIssues([a, b, a]) // → [{ path: ["records", 2, "document_number"], message: "The same document as records[0] …" }]
 */
export function duplicateIssues(records: RegistryDocumentInput[], lineOf?: (index: number) => number): Issue[] {
  const first = new Map<string, number>();
  const issues: Issue[] = [];
  records.forEach((r, i) => {
    const key = `${normaliseRegistryNumber(r.document_number)}|${r.document_type}|${r.issuing_country}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else issues.push({ path: ["records", i, "document_number"], message: `The same document (number, type and issuing country) as ${lineOf ? `line ${lineOf(earlier)}` : `records[${earlier}]`}; send each document once` });
  });
  return issues;
}
