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
    seq: z.number().int().nullable().openapi({ description: "Position in the tenant's chain, from 1; null while the event is pending" }),
    pending: z.boolean().openapi({ description: "True until the tenant's chain seals the event (normally within the request that wrote it)" }),
    actor_type: z.string().openapi({ example: "user" }),
    actor_id: z.string().nullable(),
    action: z.string().openapi({ example: "api_key.created" }),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    ip_hash: z.string().nullable().openapi({
      description: "HMAC-SHA256 of the client IP with the tenant's key: equal for events from the same address, never the address itself",
    }),
    metadata: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Codes, ids and numbers only; never personal data" }),
    created_at: z.string(),
    prev_hash: z.string().nullable().openapi({ description: "Hash of the previous event (64 zeros for the first); null while pending" }),
    hash: z.string().nullable().openapi({ description: "SHA-256 over this event's canonical form, including prev_hash; null while pending" }),
  })
  .openapi("AuditEvent");

const isoTime = z.iso.datetime({ offset: true });

export const listAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit",
  operationId: "listAuditEvents",
  tags: ["Audit"],
  summary: "Read the tenant's audit log",
  description: "Newest first (events not yet sealed before all sealed ones); filter by action, actor, target and time; cursor-paginated.",
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
      cursor: z
        .string()
        .regex(/^(\d{1,15}|aud_[0-9a-f]{28})$/, "Must be a next_cursor value")
        .optional()
        .openapi({ description: "`next_cursor` of the previous page" }),
    }),
  },
  responses: { 200: jsonContent(pageOf(AuditEvent), "A page of events"), ...errorResponses(400, 401, 403) },
});

const ChainPoint = z.object({ seq: z.number().int(), hash: z.string() });

export const AuditVerification = z
  .object({
    valid: z.boolean(),
    events: z.number().int().openapi({ description: "Events checked by this run (those after `from_seq`)" }),
    from_seq: z.number().int().openapi({ description: "The run started after this seq: 0 from genesis, else the signed checkpoint it resumed from" }),
    head: ChainPoint.nullable().openapi({ description: "The signed chain head the log was checked against; null before the first event" }),
    pending: z.number().int().openapi({ description: "Events not yet sealed, so not part of this check" }),
    broken_at: z
      .object({
        seq: z.number().int(),
        id: z.string().optional(),
        reason: z
          .enum(["content_changed", "prev_hash_mismatch", "sequence_gap", "truncated", "head_mismatch", "beyond_head", "head_signature_invalid", "head_missing"])
          .openapi({ description: "`truncated`: the signed head says seq `head_seq` but the log ends at `log_end_seq`" }),
        message: z.string(),
        expected_seq: z.number().int().optional(),
        head_seq: z.number().int().optional(),
        log_end_seq: z.number().int().nullable().optional(),
      })
      .optional()
      .openapi({ description: "The first problem found" }),
  })
  .openapi("AuditVerification");

export const verifyAuditRoute = createRoute({
  method: "get",
  path: "/v1/audit/verify",
  operationId: "verifyAuditChain",
  tags: ["Audit"],
  summary: "Check the audit log's hash chain",
  description:
    "Checks the chain against its signed head (a compact JWS, verifiable with /.well-known/jwks.json): every event's hash and link in " +
    "order, no gap, and the log ends exactly where the head says — so a changed, removed or reordered event and a removed tail " +
    "(`reason: \"truncated\"`) are all reported in `broken_at`. By default the check resumes from the newest signed checkpoint that " +
    "still holds and covers only later events (so an edit to an older event is found only by a full check); a clean run leaves a new " +
    "checkpoint at the head. `full=true` re-checks from the first event.",
  middleware: [requireAuth({ roles: ["admin", "auditor"], expensive: true })] as const,
  security,
  request: {
    query: z.object({
      full: z.enum(["true", "false"]).optional().openapi({ description: "`true` checks the whole log from genesis instead of resuming from the last checkpoint" }),
    }),
  },
  responses: {
    200: jsonContent(AuditVerification, "Result of the check"),
    ...errorResponses(400, 401, 403),
  },
});
