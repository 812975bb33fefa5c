/**
 * CSV as tenants export it from spreadsheets (RFC 4180): comma-separated, fields optionally in double quotes (a
 * quote doubled inside), CRLF or LF line ends, line breaks allowed inside quotes, a UTF-8 byte-order mark ignored.
 * The first row names the columns. Pure: text in, rows with the line each starts on out; problems are values, not
 * exceptions, so the caller can report every one in a single 400.
 */

export interface CsvRow {
  /** The 1-based line of the file the row starts on (the header is line 1). */
  line: number;
  /** Cells by column name; an empty cell is absent. */
  cells: Record<string, string>;
}

export type CsvTable = { ok: true; rows: CsvRow[] } | { ok: false; problems: { line: number; message: string }[] };

/**
 * Splits CSV text into records of cells, each with the line it starts on. Blank lines (and rows of empty cells)
 * are skipped.
 *
 * @example
 * splitCsv('a,b\r\n"x, y","say ""hi"""\n') // → [{ line: 1, cells: ["a", "b"] }, { line: 2, cells: ["x, y", 'say "hi"'] }]
 */
export function splitCsv(text: string): { ok: true; records: { line: number; cells: string[] }[] } | { ok: false; line: number; message: string } {
  const records: { line: number; cells: string[] }[] = [];
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let cells: string[] = [];
  let cell = "";
  let startLine = 1;
  let quoted = false;
  let wasQuoted = false;
  const endRecord = () => {
    cells.push(cell);
    // Spreadsheets end sheets with rows of empty cells (",,,,"): those are blank lines too.
    if (wasQuoted || cells.some((c) => c.trim() !== "")) records.push({ line: startLine, cells });
    cells = [];
    cell = "";
    wasQuoted = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
        const next = src[i + 1];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") return { ok: false, line, message: "A closing quote must end its field (a quote inside a quoted field is written twice)" };
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (cell !== "") return { ok: false, line, message: "A quote may only start a field; inside a field, quote the whole field and double the quote" };
      quoted = true;
      wasQuoted = true;
    } else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      endRecord();
      line++;
      startLine = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) return { ok: false, line: startLine, message: "A quoted field is not closed before the end of the file" };
  if (cell !== "" || cells.length || wasQuoted) endRecord();
  return { ok: true, records };
}

/**
 * Reads a CSV table whose header must hold every `required` column and may hold `optional` ones (any order, names
 * trimmed and case-insensitive). Unknown or repeated columns and rows with the wrong number of cells are problems.
 *
 * @example
 * readCsvTable("number,name\nA1,Erika\n", { required: ["number", "name"], optional: [] })
 * // → { ok: true, rows: [{ line: 2, cells: { number: "A1", name: "Erika" } }] }
 */
export function readCsvTable(text: string, columns: { required: readonly string[]; optional: readonly string[] }): CsvTable {
  const split = splitCsv(text);
  if (!split.ok) return { ok: false, problems: [{ line: split.line, message: split.message }] };
  const [header, ...body] = split.records;
  if (!header) return { ok: false, problems: [{ line: 1, message: `The CSV is empty: send a header row (${columns.required.join(",")}) and one row per document` }] };
  const known = new Set([...columns.required, ...columns.optional]);
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const problems: { line: number; message: string }[] = [];
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) problems.push({ line: header.line, message: `Unknown column${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}; the columns are ${[...known].join(",")}` });
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) problems.push({ line: header.line, message: `Column${repeated.length > 1 ? "s" : ""} named twice: ${[...new Set(repeated)].join(", ")}` });
  const missing = columns.required.filter((c) => !names.includes(c));
  if (missing.length) problems.push({ line: header.line, message: `Missing column${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}` });
  if (problems.length) return { ok: false, problems };

  const rows: CsvRow[] = [];
  for (const record of body) {
    if (record.cells.length !== names.length) {
      problems.push({ line: record.line, message: `Expected ${names.length} cells as in the header, found ${record.cells.length}` });
      continue;
    }
    const cells: Record<string, string> = {};
    record.cells.forEach((value, i) => {
      if (value.trim() !== "") cells[names[i]] = value;
    });
    rows.push({ line: record.line, cells });
  }
  return problems.length ? { ok: false, problems } : { ok: true, rows };
}
