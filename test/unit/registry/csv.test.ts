/**
 * Reading registry imports as spreadsheets export them (RFC 4180), and reporting every invalid row with the line a
 * tenant finds it on.
 */
import { describe, expect, it } from "vitest";
import { readCsvTable, splitCsv } from "../../../src/registry/csv";
import type { RegistryDocumentInput } from "../../../src/registry/registry";
import { duplicateIssues, importValidationError } from "../../../src/registry/validation";

const columns = { required: ["number", "name"], optional: ["status"] };

describe("splitCsv", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, and numbers records by their first line", () => {
    const text = '\uFEFFnumber,name\r\n"A,1","say ""hi"""\r\n"B2","two\nlines"\nC3,plain\n';
    const split = splitCsv(text);
    expect(split).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ["number", "name"] },
        { line: 2, cells: ["A,1", 'say "hi"'] },
        { line: 3, cells: ["B2", "two\nlines"] },
        { line: 5, cells: ["C3", "plain"] },
      ],
    });
  });

  it("skips blank lines and the rows of empty cells spreadsheets append, keeping line numbers true", () => {
    const split = splitCsv("number,name\n\nA1,x\n,\n,,\nB2,y");
    expect(split.ok && split.records.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, "number"],
      [3, "A1"],
      [6, "B2"],
    ]);
  });

  it("refuses an unclosed quote and a stray quote, saying where", () => {
    expect(splitCsv('a,b\n"open,x\n')).toMatchObject({ ok: false, line: 2 });
    expect(splitCsv('a,b\nx"y,z\n')).toMatchObject({ ok: false, line: 2 });
    expect(splitCsv('a,b\n"x"y,z\n')).toMatchObject({ ok: false, line: 2 });
  });
});

describe("readCsvTable", () => {
  it("maps cells to columns in any order, case-insensitively, leaving empty cells out", () => {
    expect(readCsvTable("Name, NUMBER ,status\nErika,A1,\n", columns)).toEqual({ ok: true, rows: [{ line: 2, cells: { name: "Erika", number: "A1" } }] });
  });

  it("lists missing, unknown and repeated columns at once", () => {
    const table = readCsvTable("number,colour,colour\n", columns);
    expect(table.ok).toBe(false);
    const messages = !table.ok ? table.problems.map((p) => p.message).join(" | ") : "";
    expect(messages).toMatch(/Unknown columns: colour, colour/);
    expect(messages).toMatch(/named twice: colour/);
    expect(messages).toMatch(/Missing column: name/);
  });

  it("refuses rows with another number of cells than the header, by line", () => {
    expect(readCsvTable("number,name\nA1\nB2,y\nC3,z,extra\n", columns)).toMatchObject({ ok: false, problems: [{ line: 2 }, { line: 4 }] });
  });

  it("refuses an empty file", () => {
    expect(readCsvTable("", columns)).toMatchObject({ ok: false, problems: [{ line: 1 }] });
  });
});

describe("import validation errors", () => {
  it("group problems by record with their CSV line, and keep the usual field paths", () => {
    const lines = [2, 3, 7];
    const error = importValidationError(
      [
        { path: ["records", 2, "date_of_birth"], message: "Invalid ISO date" },
        { path: ["records", 0, "first_name"], message: "Too small" },
        { path: ["records", 2, "document_type"], message: "Invalid option" },
      ],
      "csv",
      (i) => lines[i],
    );
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/2 records are invalid \(line 2, line 7\); nothing was imported/);
    expect(error.details).toMatchObject({
      target: "csv",
      invalid_rows: 2,
      rows: [
        { index: 0, line: 2, fields: { first_name: ["Too small"] } },
        { index: 2, line: 7, fields: { date_of_birth: ["Invalid ISO date"], document_type: ["Invalid option"] } },
      ],
      fields: { "records.2.date_of_birth": ["Invalid ISO date"] },
    });
  });

  it("refuse the same document twice in one import, pointing at the first", () => {
    const record = (number: string, type: RegistryDocumentInput["document_type"] = "id_card"): RegistryDocumentInput => ({ document_number: number, document_type: type, issuing_country: "DE", first_name: "A", last_name: "B", date_of_birth: "1990-01-01", status: "valid" });
    const issues = duplicateIssues([record("C01X00T47"), record("X1"), record("c01x-00t47"), record("C01X00T47", "passport")]);
    expect(issues).toEqual([{ path: ["records", 2, "document_number"], message: expect.stringMatching(/records\[0\]/) }]);
  });
});
