/**
 * Consumers of `webhook-deliveries` and its dead-letter queue. A message names one delivery (`{delivery_id}`); its
 * attempt is src/webhooks/deliver.ts. Messages of a batch are attempted one after another, in order, so events
 * queued together (a `recover`) arrive in the order they were queued. The next attempt of a delivery is a new
 * message delayed until it is due (Queues delay at most 12 h; a message that arrives early is delayed again), so the
 * queue's own retries are left for failures of ours (D1 unavailable), and the cron re-queues any due delivery whose
 * message was lost (src/jobs/scheduled.ts).
 */
import { z } from "zod";
import type { Services } from "../src/app/services";
import { log } from "../src/lib/log";
import { attemptDelivery } from "../src/webhooks/deliver";

const DeliveryMessage = z.object({ delivery_id: z.string().min(1).max(64) });

export async function consumeWebhookDeliveries(batch: MessageBatch, services: Services): Promise<void> {
  for (const msg of batch.messages) {
    const parsed = DeliveryMessage.safeParse(msg.body);
    if (!parsed.success) {
      log.error("webhook_delivery_malformed", { message_id: msg.id });
      msg.ack();
      continue;
    }
    const id = parsed.data.delivery_id;
    try {
      const outcome = await attemptDelivery(services, id);
      if (outcome.kind === "retry" || outcome.kind === "not_due") await services.webhooks.enqueue([id], outcome.delaySeconds);
      log.info("webhook_attempt", { delivery_id: id, ...outcome });
      msg.ack();
    } catch (err) {
      log.warn("webhook_attempt_failed", { delivery_id: id, attempts: msg.attempts, error: err });
      msg.retry({ delaySeconds: Math.min(300, 2 ** Math.max(1, msg.attempts)) });
    }
  }
}

/** A message our side failed on max_retries times: its delivery stays pending, and the cron re-queues it when due. */
export async function consumeWebhookDeadLetters(batch: MessageBatch, _services: Services): Promise<void> {
  for (const msg of batch.messages) {
    log.error("webhook_delivery_dead_lettered", { message_id: msg.id, delivery_id: (msg.body as { delivery_id?: unknown })?.delivery_id ?? null });
    msg.ack();
  }
}
