/**
 * From events to deliveries. When the outbox publishes a committed event, `fanOut` makes one delivery per enabled
 * endpoint of the tenant's mode that subscribed to its type, and queues them. It is safe to repeat (the outbox
 * retries a row until it is marked published): a delivery of trigger `event` is unique per endpoint and event, and
 * every one still pending is queued again (the consumer's lease keeps a repeat from sending twice at once).
 *
 * `redeliver`, `recover` and `test` make deliveries of their own trigger for an event that already exists
 * (src/webhooks/deliveries.ts).
 */
import type { SQL } from "drizzle-orm";
import { and, eq, inArray } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../db/schema";
import { newId } from "../lib/ids";
import type { WebhookQueue } from "../ports";
import type { Db } from "../db/client";
import type { EventRow } from "./events";
import { subscribes } from "./events";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Event types that are never fanned out: a test event goes only to the endpoint it tests. */
const DIRECT_ONLY = new Set(["webhook_endpoint.test"]);

type Endpoint = { id: string; events: string[] };
/** The enabled endpoints of a tenant's mode. */
type EndpointsOf = (tenantId: string, mode: "live" | "test") => Promise<Endpoint[]>;

/** The enabled endpoints `where` selects, with their tenant and mode: the one query every endpoint read uses. */
export const enabledEndpoints = (db: Db, where: SQL | undefined) =>
  db
    .select({ tenantId: webhookEndpoints.tenantId, mode: webhookEndpoints.mode, id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.enabled, true), where));

/**
 * The enabled endpoints of `tenants` (both modes), read by an outbox flush in the same D1 batch as its rows, so the
 * fan-out needs no read of its own for them.
 */
export type KnownEndpoints = { tenants: ReadonlySet<string>; endpoints: Awaited<ReturnType<typeof enabledEndpoints>> };

const readEndpoints =
  (db: Db): EndpointsOf =>
  (tenantId, mode) =>
    enabledEndpoints(db, and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.mode, mode)));

/** Queues the event for every subscribed endpoint; returns how many deliveries are pending for it. */
export async function fanOut(db: Db, queue: WebhookQueue, event: EventRow & { tenantId: string }, now: number, endpointsOf: EndpointsOf = readEndpoints(db)): Promise<number> {
  if (DIRECT_ONLY.has(event.type)) return 0;
  const endpoints = await endpointsOf(event.tenantId, event.mode);
  const targets = endpoints.filter((e) => subscribes(e.events, event.type));
  if (!targets.length) return 0;
  const rows = targets.map((e) => newDelivery({ tenantId: event.tenantId, mode: event.mode, endpointId: e.id, event, trigger: "event", now }));
  await insertDeliveries(db, rows, true);
  const pending = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.eventId, event.id),
        eq(webhookDeliveries.trigger, "event"),
        eq(webhookDeliveries.status, "pending"),
        inArray(
          webhookDeliveries.endpointId,
          targets.map((t) => t.id),
        ),
      ),
    )
    .orderBy(webhookDeliveries.id);
  await queue.enqueue(pending.map((d) => d.id));
  return pending.length;
}

/**
 * The fan-out of one outbox flush: each tenant's endpoints are read once per flush, not once per event, or not at
 * all for the tenants in `known` (read by the flush with its rows, in one batch). The rows a flush publishes were
 * committed before it began, so an endpoint created after that read misses only events that were already committed
 * when it was created, as with one read per event.
 *
 * @example
 * d1Outbox(db, statusEvents, clock, (known) => fanOutRun(db, webhooks, () => clock.now(), known));
 */
export function fanOutRun(
  db: Db,
  queue: WebhookQueue,
  now: () => number,
  known?: KnownEndpoints,
): (event: EventRow & { tenantId: string }) => Promise<number> {
  const read = readEndpoints(db);
  const seen = new Map<string, Promise<Endpoint[]>>();
  if (known)
    for (const tenantId of known.tenants)
      for (const mode of ["live", "test"] as const)
        seen.set(`${tenantId}:${mode}`, Promise.resolve(known.endpoints.filter((e) => e.tenantId === tenantId && e.mode === mode)));
  const endpointsOf: EndpointsOf = (tenantId, mode) => {
    const key = `${tenantId}:${mode}`;
    let found = seen.get(key);
    if (!found) {
      found = read(tenantId, mode);
      seen.set(key, found);
      found.catch(() => seen.delete(key));
    }
    return found;
  };
  return (event) => fanOut(db, queue, event, now(), endpointsOf);
}

export function newDelivery(x: { tenantId: string; mode: "live" | "test"; endpointId: string; event: Pick<EventRow, "id" | "type">; trigger: DeliveryRow["trigger"]; now: number }): DeliveryRow {
  return {
    id: newId("whd", x.now),
    tenantId: x.tenantId,
    mode: x.mode,
    endpointId: x.endpointId,
    eventId: x.event.id,
    eventType: x.event.type,
    trigger: x.trigger,
    status: "pending",
    attempts: 0,
    nextAttemptAt: x.now,
    leaseUntil: null,
    lastStatusCode: null,
    lastErrorClass: null,
    createdAt: x.now,
    updatedAt: x.now,
    deliveredAt: null,
  };
}

/** D1 binds at most 100 parameters per statement: 16 columns → 6 rows per insert, all in one batch. */
export async function insertDeliveries(db: Db, rows: DeliveryRow[], ignoreRepeats: boolean): Promise<void> {
  const statements = [];
  for (let i = 0; i < rows.length; i += 6) {
    const insert = db.insert(webhookDeliveries).values(rows.slice(i, i + 6));
    statements.push(ignoreRepeats ? insert.onConflictDoNothing() : insert);
  }
  if (statements.length) await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}
