/** Contracts of /v1/audit: the tenant's hash-chained audit log and its integrity check. */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { requireAuth } from "../../middleware/auth";

const auditors = requireAuth({ roles: ["admin", "auditor"] });
const security = [{ bearerAuth: [] }];

export const AuditEvent = z
  .object({
    id: z.string(),
    seq: z.number().int().openapi({ description: "Position in the tenant's chain, from 1" }),
    actor_type: z.string().openapi({ example: "user" }),
    actor_id: z.string().nullable(),
    action: z.string().openapi({ example: "api_key.created" }),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    prev_hash: z.string().openapi({ description: "Hash of the previous event (64 zeros for the first)" }),
    hash: z.string().openapi({ description: "SHA-256 over this event's canonical form, including prev_hash" }),
  })
  .openapi("AuditEvent");

const isoTime = z.iso.datetime({ offset: true });

export const listAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit",
  operationId: "listAuditEvents",
  tags: ["Audit"],
  summary: "Read the tenant's audit log",
  description: "Newest first; filter by action, actor, target and time; cursor-paginated.",
  middleware: [auditors] as const,
  security,
  request: {
    query: PageQuery.extend({
      action: z.string().max(100).optional().openapi({ description: "Exact action, e.g. `auth.login`" }),
      actor_id: z.string().max(64).optional(),
      target_type: z.string().max(50).optional(),
      target_id: z.string().max(64).optional(),
      since: isoTime.optional().openapi({ description: "Only events at or after this time (ISO 8601)" }),
      until: isoTime.optional().openapi({ description: "Only events before this time (ISO 8601)" }),
      cursor: z.string().regex(/^\d+$/, "Must be a next_cursor value").max(20).optional().openapi({ description: "`next_cursor` of the previous page" }),
    }),
  },
  responses: { 200: jsonContent(pageOf(AuditEvent), "A page of events"), ...errorResponses(400, 401, 403) },
});

export const verifyAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit/verify",
  operationId: "verifyAuditChain",
  tags: ["Audit"],
  summary: "Check the audit log's hash chain",
  description: "Recomputes every event's hash and link in order; `broken_at` names the first event that was changed, removed or reordered.",
  middleware: [requireAuth({ roles: ["admin", "auditor"], expensive: true })] as const,
  security,
  responses: {
    200: jsonContent(
      z
        .object({
          valid: z.boolean(),
          events: z.number().int().openapi({ description: "Events checked" }),
          broken_at: z.object({ id: z.string(), seq: z.number().int(), reason: z.string() }).optional(),
        })
        .openapi("AuditVerification"),
      "Result of the check",
    ),
    ...errorResponses(401, 403),
  },
});
