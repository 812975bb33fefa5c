/**
 * Consumers of `webhook-deliveries` and its dead-letter queue. Webhook endpoints and signed delivery are a
 * later capability; until then no producer sends to this queue, and a message that arrives is logged and
 * acknowledged (its id only: payloads may hold personal data).
 */
import type { Services } from "../src/app/services";
import { log } from "../src/lib/log";

export async function consumeWebhookDeliveries(batch: MessageBatch, _services: Services): Promise<void> {
  for (const msg of batch.messages) {
    log.warn("webhook_delivery_unimplemented", { message_id: msg.id });
    msg.ack();
  }
}

export async function consumeWebhookDeadLetters(batch: MessageBatch, _services: Services): Promise<void> {
  for (const msg of batch.messages) {
    log.error("webhook_delivery_dead_lettered", { message_id: msg.id });
    msg.ack();
  }
}
