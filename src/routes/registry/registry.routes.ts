/** Contracts of /v1/registry/documents: an admin imports, lists, revokes and deletes the documents the tenant issued. */
import { createRoute, z } from "@hono/zod-openapi";
import { parseCountry } from "../../lib/countries";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { requireAuth } from "../../middleware/auth";
import { normaliseRegistryNumber } from "../../registry/number";
import { MAX_IMPORT_RECORDS } from "../../registry/registry";

const adminOnly = requireAuth({ roles: ["admin"] });
const security = [{ bearerAuth: [] }];
const tags = ["Registry"];

export const DOCUMENT_TYPES = ["passport", "id_card", "driving_licence", "residence_permit"] as const;
/** CSV header: these columns are required, in any order… */
export const CSV_REQUIRED_COLUMNS = ["document_number", "document_type", "issuing_country", "first_name", "last_name", "date_of_birth"] as const;
/** …and these may be left out (or left empty per row). */
export const CSV_OPTIONAL_COLUMNS = ["issue_date", "expiry_date", "status"] as const;

/** A missing value (an empty CSV cell) says "required" rather than zod's "expected string, received undefined". */
const required = (otherwise?: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? "required" : otherwise) });
const isoDate = z.iso.date(required("a date as YYYY-MM-DD"));
/** Cross-field date checks run only on well-formed dates (zod runs them beside the format's own issue). */
const iso = (d: string | undefined): d is string => !!d && /^\d{4}-\d{2}-\d{2}$/.test(d);
const Mode = z.enum(["live", "test"]);

/** One document as a tenant sends it; the country is normalised to alpha-2 (or the ICAO code) on the way in. */
export const RegistryDocumentRecord = z
  .object({
    document_number: z
      .string(required())
      .trim()
      .min(1)
      .max(64)
      .refine((n) => /^[A-Z0-9]{1,64}$/.test(normaliseRegistryNumber(n)), "letters and digits only (spaces, hyphens and MRZ filler < are ignored)")
      .openapi({ description: "Stored only as a keyed hash; never returned", example: "C01X00T47" }),
    document_type: z.enum(DOCUMENT_TYPES, required(`one of ${DOCUMENT_TYPES.join(", ")}`)).openapi({ example: "id_card" }),
    issuing_country: z
      .string(required())
      .max(8)
      .refine((c) => parseCountry(c) !== null, "not a country code: send ISO 3166-1 alpha-2 or alpha-3, or an ICAO document code (e.g. DE, DEU, D)")
      .transform((c) => (parseCountry(c) as NonNullable<ReturnType<typeof parseCountry>>).code)
      .openapi({ type: "string", description: "ISO 3166-1 alpha-2 or alpha-3, or an ICAO Doc 9303 code; stored as alpha-2 where the country has one", example: "DE" }),
    first_name: z.string(required()).trim().min(1).max(100).openapi({ description: "Given names as issued", example: "Erika" }),
    last_name: z.string(required()).trim().min(1).max(100).openapi({ example: "Mustermann" }),
    date_of_birth: isoDate.refine((d) => !iso(d) || d > "1900-01-01", "must be after 1900").openapi({ example: "1984-08-12" }),
    issue_date: isoDate.optional().openapi({ example: "2021-03-01" }),
    expiry_date: isoDate.optional().openapi({ description: "Omit for documents without expiry", example: "2031-02-28" }),
    status: z.enum(["valid", "revoked"], required("valid or revoked")).default("valid").openapi({ description: "`revoked`: any verification presenting it gets REGISTRY_REVOKED" }),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (iso(r.issue_date) && iso(r.expiry_date) && r.issue_date > r.expiry_date) ctx.addIssue({ code: "custom", path: ["expiry_date"], message: "must not be before issue_date" });
    if (iso(r.issue_date) && iso(r.date_of_birth) && r.issue_date < r.date_of_birth) ctx.addIssue({ code: "custom", path: ["issue_date"], message: "must not be before date_of_birth" });
  })
  .openapi("RegistryDocumentInput");

export const ImportBody = z
  .object({
    records: z
      .array(RegistryDocumentRecord)
      .min(1, "send at least one record")
      .max(MAX_IMPORT_RECORDS, `at most ${MAX_IMPORT_RECORDS} records per call; split the import`)
      .openapi({ description: `1 to ${MAX_IMPORT_RECORDS} documents` }),
  })
  .strict()
  .openapi("RegistryImport");

const CSV_EXAMPLE = `${[...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS].join(",")}\nC01X00T47,id_card,DE,Erika,Mustermann,1984-08-12,2021-03-01,2031-02-28,valid\n`;

export const RegistryDocument = z
  .object({
    id: z.string().openapi({ example: "reg_0190f3a1b2c3d4e5f6a7b8c9" }),
    mode: Mode,
    document_type: z.enum(DOCUMENT_TYPES),
    issuing_country: z.string().openapi({ example: "DE" }),
    status: z.enum(["valid", "revoked"]),
    issue_date: z.string().nullable(),
    expiry_date: z.string().nullable(),
    holder: z.object({ first_name: z.string(), last_name: z.string(), date_of_birth: z.string() }).openapi({ description: "Decrypted for the admin; stored encrypted" }),
    revoked_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("RegistryDocument");

const ModeQuery = z.object({
  mode: Mode.optional().openapi({ description: "The register to work on: `live` (default) or `test` (checked by test-mode verifications only)" }),
});

const RegistryIdParam = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, description: "Registry document id", example: "reg_0190f3a1b2c3d4e5f6a7b8c9" }),
});

export const importRegistryRoute = createRoute({
  method: "post",
  path: "/v1/registry/documents",
  operationId: "importRegistryDocuments",
  tags,
  summary: "Import documents the tenant issued",
  description:
    `Up to ${MAX_IMPORT_RECORDS} records per call, as JSON \`{records: [...]}\` or as \`text/csv\` with a header row ` +
    `(${CSV_REQUIRED_COLUMNS.join(", ")}; optional ${CSV_OPTIONAL_COLUMNS.join(", ")}). All or nothing: one invalid record → 400 listing every ` +
    "invalid row and field, and nothing is written. A document already registered (same number, type and issuing country) is updated. " +
    "Numbers are stored only as a per-tenant keyed hash; holders encrypted. The verification pipeline's `registry` layer compares documents that claim a registered number with the record.",
  middleware: [adminOnly] as const,
  security,
  request: {
    query: ModeQuery,
    body: {
      required: false,
      content: {
        "application/json": { schema: ImportBody },
        "text/csv": { schema: z.string().openapi({ example: CSV_EXAMPLE }) },
      },
    },
  },
  responses: {
    200: jsonContent(
      z.object({ imported: z.number().int().openapi({ description: "New records" }), updated: z.number().int().openapi({ description: "Records that replaced an earlier import" }) }).openapi("RegistryImportResult"),
      "Every record written",
    ),
    ...errorResponses(400, 401, 403, 413, 415),
  },
});

export const listRegistryRoute = createRoute({
  method: "get",
  path: "/v1/registry/documents",
  operationId: "listRegistryDocuments",
  tags,
  summary: "List the register",
  description: "Newest first, cursor-paginated, one register (`mode`) at a time. `document_number` finds the records of one number (matched by its keyed hash).",
  middleware: [adminOnly] as const,
  security,
  request: {
    query: PageQuery.extend(ModeQuery.shape).extend({
      document_number: z.string().trim().min(1).max(64).optional().openapi({ description: "Exact document number (spaces, hyphens and < ignored)", example: "C01X00T47" }),
    }),
  },
  responses: { 200: jsonContent(pageOf(RegistryDocument), "A page of the register"), ...errorResponses(400, 401, 403) },
});

export const revokeRegistryRoute = createRoute({
  method: "post",
  path: "/v1/registry/documents/{id}/revoke",
  operationId: "revokeRegistryDocument",
  tags,
  summary: "Revoke a registered document",
  description: "Verifications presenting it from now on get REGISTRY_REVOKED. Revoking a revoked record answers 200 and changes nothing.",
  middleware: [adminOnly] as const,
  security,
  request: { params: RegistryIdParam },
  responses: { 200: jsonContent(RegistryDocument, "The record, revoked"), ...errorResponses(401, 403, 404) },
});

export const deleteRegistryRoute = createRoute({
  method: "delete",
  path: "/v1/registry/documents/{id}",
  operationId: "deleteRegistryDocument",
  tags,
  summary: "Delete a registered document",
  description: "The number is no longer checked (a document the issuer withdrew is better revoked, so that presenting it still fails).",
  middleware: [adminOnly] as const,
  security,
  request: { params: RegistryIdParam },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404) },
});
