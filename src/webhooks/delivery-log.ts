/**
 * One endpoint's delivery log as the console shows it: its newest deliveries, each with every attempt (HTTP status,
 * error class, time), read in two queries rather than one per delivery.
 */
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { Services } from "../app/services";
import { webhookAttempts, webhookDeliveries } from "../db/schema";
import type { AttemptRow } from "./deliveries";
import type { EndpointRow } from "./endpoints";
import type { DeliveryRow } from "./fanout";

export interface DeliveryWithAttempts {
  delivery: DeliveryRow;
  attempts: AttemptRow[];
}

/** Deliveries shown on an endpoint's log page; older ones stay readable through GET /v1/webhook-deliveries. */
export const DELIVERY_LOG_LIMIT = 50;

/**
 * The endpoint's newest deliveries (newest first) with their attempts (oldest first).
 *
 * @example
 * const log = await endpointDeliveryLog(s, endpoint);
 * log[0].attempts.map((a) => a.statusCode); // [503, 200]
 */
export async function endpointDeliveryLog(s: Services, e: EndpointRow, limit = DELIVERY_LOG_LIMIT): Promise<DeliveryWithAttempts[]> {
  const d = webhookDeliveries;
  const deliveries = await s.db
    .select()
    .from(d)
    .where(and(eq(d.tenantId, e.tenantId), eq(d.endpointId, e.id)))
    .orderBy(desc(d.id))
    .limit(limit);
  if (!deliveries.length) return [];
  const attempts = await s.db
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.tenantId, e.tenantId), inArray(webhookAttempts.deliveryId, deliveries.map((x) => x.id))))
    .orderBy(asc(webhookAttempts.attemptedAt), asc(webhookAttempts.id));
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const a of attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
  return deliveries.map((delivery) => ({ delivery, attempts: byDelivery.get(delivery.id) ?? [] }));
}
