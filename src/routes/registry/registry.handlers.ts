/**
 * HTTP handlers of the registry routes. The import takes JSON (validated by the route's schema, with this route's
 * own hook so every invalid record is listed by row) or CSV (read here and validated record by record with the
 * same schema); either way the domain receives only valid records, and the call is all or nothing.
 */
import type { Hook, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app/context";
import { ApiError, validationError } from "../../lib/errors";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import { readCsvTable } from "../../registry/csv";
import type { RegistryDocumentInput } from "../../registry/registry";
import { MAX_IMPORT_RECORDS, deleteRegistryDocument, importRegistryDocuments, listRegistryDocuments, publicRegistryDocument, registryModeOf, revokeRegistryDocument, tooManyRecords } from "../../registry/registry";
import { duplicateIssues, importValidationError } from "../../registry/validation";
import type { deleteRegistryRoute, importRegistryRoute, listRegistryRoute, revokeRegistryRoute } from "./registry.routes";
import { CSV_OPTIONAL_COLUMNS, CSV_REQUIRED_COLUMNS, RegistryDocumentRecord } from "./registry.routes";

type Issue = { path: PropertyKey[]; message: string; code?: string };

/**
 * The import's validation hook: too many records → 400 with the count; invalid records → listed by row.
 * (`any` input: the hook serves exactly one route, whose validated input type it never reads.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const importValidationHook: Hook<any, AppEnv, any, Promise<never> | undefined> = (result, c) => {
  if (result.success) return undefined;
  if (result.target !== "json") throw validationError(result.error.issues, { target: result.target });
  const tooBig = result.error.issues.some((i) => i.code === "too_big" && i.path.length === 1 && i.path[0] === "records");
  if (!tooBig) throw importValidationError(result.error.issues, "json");
  // The validator has parsed the body already; hono hands back its cached value.
  return c.req.json().then(
    (body: { records?: unknown[] } | null) => {
      throw tooManyRecords(Array.isArray(body?.records) ? body.records.length : MAX_IMPORT_RECORDS + 1);
    },
    () => {
      throw tooManyRecords(MAX_IMPORT_RECORDS + 1);
    },
  );
};

/** Reads and validates a CSV import; throws the 400 that lists every problem. */
export function csvRecords(text: string): RegistryDocumentInput[] {
  const table = readCsvTable(text, { required: CSV_REQUIRED_COLUMNS, optional: CSV_OPTIONAL_COLUMNS });
  if (!table.ok) {
    throw new ApiError("VALIDATION_ERROR", `The CSV cannot be read: ${table.problems[0].message} (line ${table.problems[0].line}); nothing was imported`, {
      details: { target: "csv", problems: table.problems.slice(0, 100) },
    });
  }
  if (table.rows.length > MAX_IMPORT_RECORDS) throw tooManyRecords(table.rows.length);
  if (!table.rows.length) throw new ApiError("VALIDATION_ERROR", "The CSV has a header but no records", { details: { target: "csv" } });
  const lineOf = (index: number) => table.rows[index].line;
  const records: RegistryDocumentInput[] = [];
  const issues: Issue[] = [];
  table.rows.forEach((row, index) => {
    const parsed = RegistryDocumentRecord.safeParse(row.cells);
    if (parsed.success) records.push(parsed.data);
    else issues.push(...parsed.error.issues.map((i) => ({ path: ["records", index, ...i.path], message: i.message })));
  });
  if (issues.length) throw importValidationError(issues, "csv", lineOf);
  const duplicates = duplicateIssues(records, lineOf);
  if (duplicates.length) throw importValidationError(duplicates, "csv", lineOf);
  return records;
}

export const importRegistryHandler: RouteHandler<typeof importRegistryRoute, AppEnv> = async (c) => {
  const mode = registryModeOf(c.var.principal, c.req.valid("query").mode);
  const csv = /^text\/csv\b/i.test(c.req.header("Content-Type") ?? "");
  let records: RegistryDocumentInput[];
  if (csv) {
    records = csvRecords(await c.req.text());
  } else {
    const body = c.req.valid("json") as { records?: RegistryDocumentInput[] };
    if (!body.records) throw new ApiError("VALIDATION_ERROR", "Send the records as JSON `{records: [...]}` (application/json) or as CSV with a header row (text/csv)", { details: { target: "json" } });
    records = body.records;
    const duplicates = duplicateIssues(records);
    if (duplicates.length) throw importValidationError(duplicates, "json");
  }
  return c.json(await importRegistryDocuments(c.var.services, c.var.principal, mode, records, requestMeta(c)), 200);
};

export const listRegistryHandler: RouteHandler<typeof listRegistryRoute, AppEnv> = async (c) => {
  const { limit, cursor, mode: requested, document_number } = c.req.valid("query");
  const mode = registryModeOf(c.var.principal, requested);
  const rows = await listRegistryDocuments(c.var.services, c.var.principal.tenantId, mode, { limit, cursor, documentNumber: document_number });
  const { data, next_cursor } = page(rows, limit, (r) => r.id);
  return c.json({ data: await Promise.all(data.map((r) => publicRegistryDocument(c.var.services.crypto, r))), next_cursor }, 200);
};

export const revokeRegistryHandler: RouteHandler<typeof revokeRegistryRoute, AppEnv> = async (c) => {
  const row = await revokeRegistryDocument(c.var.services, c.var.principal, c.req.valid("param").id, requestMeta(c));
  return c.json(await publicRegistryDocument(c.var.services.crypto, row), 200);
};

export const deleteRegistryHandler: RouteHandler<typeof deleteRegistryRoute, AppEnv> = async (c) => {
  await deleteRegistryDocument(c.var.services, c.var.principal, c.req.valid("param").id, requestMeta(c));
  return c.body(null, 204);
};
