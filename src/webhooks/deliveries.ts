/**
 * The delivery log and what a tenant can do with it: list and read deliveries with their attempts, send a test
 * event, redeliver one event, and recover every event since a time. Each makes deliveries of its own trigger and
 * queues them in order (the consumer attempts a batch's messages in that order).
 */
import { and, asc, desc, eq, gte, lt } from "drizzle-orm";
import type { Services } from "../app/services";
import { outbox, webhookAttempts, webhookDeliveries } from "../db/schema";
import { ApiError, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { EndpointRow, Mode } from "./endpoints";
import { getEndpoint } from "./endpoints";
import type { EventRow } from "./events";
import { EVENT_RETENTION_DAYS, eventsSince, subscribes } from "./events";
import type { DeliveryRow } from "./fanout";
import { insertDeliveries, newDelivery } from "./fanout";

export type AttemptRow = typeof webhookAttempts.$inferSelect;

/** Events re-sent per `recover` call; a longer range continues from `next_since`. */
export const RECOVER_MAX_EVENTS = 500;

/** Inserts deliveries of one trigger for `events` (in that order) to one endpoint, and queues them in that order. */
export async function deliverEvents(s: Services, e: EndpointRow, events: Pick<EventRow, "id" | "type">[], trigger: DeliveryRow["trigger"]): Promise<DeliveryRow[]> {
  const now = s.now();
  const rows = events.map((event, i) => newDelivery({ tenantId: e.tenantId, mode: e.mode, endpointId: e.id, event, trigger, now: now + i }));
  await insertDeliveries(s.db, rows, false);
  await s.webhooks.enqueue(rows.map((r) => r.id));
  return rows;
}

function assertEnabled(e: EndpointRow) {
  if (!e.enabled) throw new ApiError("CONFLICT", "The endpoint is disabled; enable it first (PATCH enabled: true)", { details: { disabled_reason: e.disabledReason } });
}

/** A `webhook_endpoint.test` event, recorded like any other (it shows at GET /v1/events) but sent only to this endpoint. */
export async function sendTestEvent(s: Services, e: EndpointRow): Promise<{ eventId: string; deliveryId: string }> {
  assertEnabled(e);
  const now = s.now();
  const event = { id: newId("evt", now), tenantId: e.tenantId, mode: e.mode, type: "webhook_endpoint.test", verificationId: null, seq: null, payload: { endpoint_id: e.id }, createdAt: now, publishedAt: now };
  await s.db.insert(outbox).values(event);
  const [delivery] = await deliverEvents(s, e, [event], "test");
  return { eventId: event.id, deliveryId: delivery.id };
}

/**
 * Queues every event of the endpoint's mode and types created at or after `since` (oldest first, then by sequence),
 * at most RECOVER_MAX_EVENTS; `nextSince` is where to continue when more remain.
 */
export async function recoverEvents(s: Services, e: EndpointRow, since: number): Promise<{ events: number; deliveries: DeliveryRow[]; nextSince: number | null }> {
  assertEnabled(e);
  const now = s.now();
  const oldest = now - EVENT_RETENTION_DAYS * 24 * 3600 * 1000;
  if (since > now) throw new ApiError("UNPROCESSABLE", "`since` is in the future", { details: { field: "since" } });
  if (since < oldest) {
    throw new ApiError("UNPROCESSABLE", `Events are kept ${EVENT_RETENTION_DAYS} days; \`since\` must be after ${new Date(oldest).toISOString()}`, { details: { field: "since", oldest: new Date(oldest).toISOString() } });
  }
  const rows = await eventsSince(s.db, e.tenantId, e.mode, since, RECOVER_MAX_EVENTS + 1);
  const more = rows.length > RECOVER_MAX_EVENTS;
  const events = rows.slice(0, RECOVER_MAX_EVENTS).filter((r) => r.type !== "webhook_endpoint.test" && subscribes(e.events, r.type));
  const deliveries = await deliverEvents(s, e, events, "recover");
  return { events: events.length, deliveries, nextSince: more ? rows[RECOVER_MAX_EVENTS].createdAt : null };
}

/** The delivery, in the caller's mode when `pinnedMode` is set (another mode's delivery is 404). */
export async function getDelivery(s: Services, tenantId: string, id: string, pinnedMode?: Mode): Promise<DeliveryRow> {
  const [row] = await s.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.id, id), pinnedMode ? eq(webhookDeliveries.mode, pinnedMode) : undefined))
    .limit(1);
  if (!row) throw notFound("Delivery");
  return row;
}

export async function attemptsOf(s: Services, d: DeliveryRow): Promise<AttemptRow[]> {
  return s.db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, d.id)).orderBy(asc(webhookAttempts.attemptedAt), asc(webhookAttempts.id));
}

/** A new delivery of the same event to the same endpoint (same `webhook-id`), queued now. */
export async function redeliver(s: Services, d: DeliveryRow): Promise<DeliveryRow> {
  const e = await getEndpoint(s, d.tenantId, d.endpointId);
  assertEnabled(e);
  const [created] = await deliverEvents(s, e, [{ id: d.eventId, type: d.eventType }], "redeliver");
  return created;
}

export interface DeliveryFilter {
  limit: number;
  cursor?: string;
  endpointId?: string;
  eventId?: string;
  status?: DeliveryRow["status"];
  since?: number;
  until?: number;
}

/** A tenant's deliveries of one mode, newest first (cursor = the last delivery id). */
export async function listDeliveries(s: Services, tenantId: string, mode: Mode, q: DeliveryFilter): Promise<DeliveryRow[]> {
  const d = webhookDeliveries;
  return s.db
    .select()
    .from(d)
    .where(
      and(
        eq(d.tenantId, tenantId),
        eq(d.mode, mode),
        q.cursor ? lt(d.id, q.cursor) : undefined,
        q.endpointId ? eq(d.endpointId, q.endpointId) : undefined,
        q.eventId ? eq(d.eventId, q.eventId) : undefined,
        q.status ? eq(d.status, q.status) : undefined,
        q.since !== undefined ? gte(d.createdAt, q.since) : undefined,
        q.until !== undefined ? lt(d.createdAt, q.until) : undefined,
      ),
    )
    .orderBy(desc(d.id))
    .limit(q.limit + 1);
}
