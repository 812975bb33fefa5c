/**
 * The events a tenant can receive by webhook and read at `GET /v1/events`. An event is an outbox row
 * (src/adapters/d1/outbox.ts): written in the same D1 batch as the change it announces, so a committed change always
 * has its event, with a stable id (the receiver's de-duplication key, sent as `webhook-id`), a type, a creation time,
 * the mode, and for verification events a per-verification `sequence` (0 for `created`, then the transition's number)
 * so a receiver can order them.
 *
 * Events are thin on purpose: ids, statuses, the decision and reason codes, times and the mode — never names, dates
 * of birth, document numbers, emails, IP addresses or images. A receiver that needs more calls
 * `GET /v1/verifications/{id}` with its API key.
 */
import { and, asc, desc, eq, gte, inArray, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { outbox } from "../db/schema";
import type { Status, TransitionCause } from "../verifications/status";

export const VERIFICATION_EVENT_TYPES = [
  "verification.created",
  "verification.submitted",
  "verification.processing",
  "verification.completed",
  "verification.manual_review",
  "verification.reviewed",
  "verification.resubmission_requested",
  "verification.deleted",
] as const;

export const ENDPOINT_EVENT_TYPES = ["webhook_endpoint.test", "webhook_endpoint.disabled"] as const;

/** A hosted-capture session's life (src/sessions/): `expired` and `completed` are noticed lazily, on the next read of the session. */
export const SESSION_EVENT_TYPES = ["verification_session.created", "verification_session.canceled", "verification_session.expired", "verification_session.completed"] as const;

export const EVENT_TYPES = [...VERIFICATION_EVENT_TYPES, ...ENDPOINT_EVENT_TYPES, ...SESSION_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** How long events stay readable at `GET /v1/events` and recoverable with `recover` (the cron deletes older ones). */
export const EVENT_RETENTION_DAYS = 30;

/**
 * The public event type of a transition: where it went, and why.
 * A decision by the pipeline (or a re-decision after a settings change) is `completed`, or `manual_review` when it
 * needs a person; a reviewer's final decision is `reviewed`, and a reviewer's request for new images is
 * `resubmission_requested` (the tenant asks its applicant to upload again, then resubmits).
 *
 * @example
 * transitionEventType("verified", "review")               // → "verification.reviewed"
 * transitionEventType("resubmission_requested", "review") // → "verification.resubmission_requested"
 * transitionEventType("verified", "decide")      // → "verification.completed"
 */
export function transitionEventType(to: Status, cause: TransitionCause): EventType {
  if (to === "resubmission_requested") return "verification.resubmission_requested";
  if (cause === "review") return "verification.reviewed";
  if (to === "manual_review") return "verification.manual_review";
  if (to === "submitted") return "verification.submitted";
  if (to === "processing") return "verification.processing";
  if (to === "created") return "verification.created";
  return "verification.completed";
}

/** The part of an outbox row an event is built from. */
export interface EventRow {
  id: string;
  mode: "live" | "test";
  type: string;
  verificationId: string | null;
  seq: number | null;
  payload: Record<string, unknown>;
  createdAt: number;
}

/** The fields of an outbox payload that may leave the database; anything else stays inside. */
const PUBLIC_DATA_FIELDS = ["verification_id", "session_id", "status", "previous_status", "decision", "reason_codes", "reason", "endpoint_id", "disabled_reason"] as const;

/**
 * The event as receivers and `GET /v1/events` see it (the Standard Webhooks `{type, timestamp, data}` envelope, plus
 * the id and mode).
 *
 * @example
 * publicEvent({ id: "evt_…", mode: "test", type: "verification.completed", verificationId: "ver_…", seq: 3, createdAt: 0,
 *   payload: { verification_id: "ver_…", from: "processing", status: "verified", decision: "verified", reason_codes: [] } })
 * // → { id: "evt_…", type: "verification.completed", timestamp: "1970-01-01T00:00:00.000Z", mode: "test",
 * //     data: { verification_id: "ver_…", status: "verified", previous_status: "processing", decision: "verified", reason_codes: [], sequence: 3 } }
 */
export function publicEvent(row: EventRow): PublicEvent {
  const p: Record<string, unknown> = { ...row.payload, ...(row.payload.from !== undefined ? { previous_status: row.payload.from } : {}) };
  const data: Record<string, unknown> = {};
  for (const field of PUBLIC_DATA_FIELDS) if (p[field] !== undefined) data[field] = p[field];
  if (row.verificationId) data.sequence = row.seq ?? 0;
  return { id: row.id, type: row.type, timestamp: new Date(row.createdAt).toISOString(), mode: row.mode, data };
}

export interface PublicEvent {
  id: string;
  type: string;
  timestamp: string;
  mode: "live" | "test";
  data: Record<string, unknown>;
}

/** Whether an endpoint subscribed to `types` (`["*"]` is every type) receives an event of `type`. */
export const subscribes = (types: readonly string[], type: string) => types.includes("*") || types.includes(type);

/** A tenant's events of one mode, newest first (cursor = the last event id), optionally of some types, one verification, or since a time. */
export async function listEvents(
  db: Db,
  tenantId: string,
  mode: "live" | "test",
  q: { limit: number; cursor?: string; types?: string[]; verificationId?: string; since?: number },
): Promise<EventRow[]> {
  return db
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.tenantId, tenantId),
        eq(outbox.mode, mode),
        q.cursor ? lt(outbox.id, q.cursor) : undefined,
        q.types?.length ? inArray(outbox.type, q.types) : undefined,
        q.verificationId ? eq(outbox.verificationId, q.verificationId) : undefined,
        q.since !== undefined ? gte(outbox.createdAt, q.since) : undefined,
      ),
    )
    .orderBy(desc(outbox.id))
    .limit(q.limit + 1);
}

/**
 * A tenant's events of one mode from `since` (inclusive), oldest first — by creation time, then per-verification
 * sequence — at most `limit` (for `recover`).
 */
export async function eventsSince(db: Db, tenantId: string, mode: "live" | "test", since: number, limit: number): Promise<EventRow[]> {
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.tenantId, tenantId), eq(outbox.mode, mode), gte(outbox.createdAt, since)))
    .orderBy(asc(outbox.createdAt), asc(outbox.seq), asc(outbox.id))
    .limit(limit);
}

export async function getEvent(db: Db, tenantId: string, id: string): Promise<EventRow | undefined> {
  const [row] = await db.select().from(outbox).where(and(eq(outbox.tenantId, tenantId), eq(outbox.id, id))).limit(1);
  return row;
}
