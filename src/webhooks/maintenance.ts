/**
 * The cron's share of webhooks. Every minute, `requeueDue` queues again every pending delivery that is overdue and
 * not leased — its message was lost (a failed send after an attempt, a dead-lettered message): nothing waits forever.
 * Daily, `pruneWebhookHistory` deletes events and deliveries (with their attempts) older than EVENT_RETENTION_DAYS.
 */
import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Services } from "../app/services";
import { outbox, webhookDeliveries } from "../db/schema";
import { EVENT_RETENTION_DAYS } from "./events";

/** Overdue by this much before the cron steps in: the consumer's own delayed message normally comes first. */
export const OVERDUE_MS = 2 * 60_000;
const PAGE = 500;

export async function requeueDue(s: Services): Promise<number> {
  const now = s.now();
  const due = await s.db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        lt(webhookDeliveries.nextAttemptAt, now - OVERDUE_MS),
        or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, now)),
      ),
    )
    .orderBy(webhookDeliveries.nextAttemptAt)
    .limit(PAGE);
  if (due.length) await s.webhooks.enqueue(due.map((d) => d.id));
  return due.length;
}

export async function pruneWebhookHistory(s: Services): Promise<{ events: number; deliveries: number }> {
  const before = s.now() - EVENT_RETENTION_DAYS * 24 * 3600 * 1000;
  const deliveries = await s.db.delete(webhookDeliveries).where(and(lt(webhookDeliveries.createdAt, before), or(eq(webhookDeliveries.status, "delivered"), eq(webhookDeliveries.status, "failed"))));
  const events = await s.db.delete(outbox).where(and(lt(outbox.createdAt, before), isNotNull(outbox.publishedAt)));
  return { events: events.meta.changes ?? 0, deliveries: deliveries.meta.changes ?? 0 };
}
