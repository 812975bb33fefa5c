/**
 * The Queues adapter of the WebhookQueue port (the `webhook-deliveries` producer): one message per delivery id, in
 * the order given (a batch consumer attempts them in that order), sent 100 at a time (the sendBatch limit). Queues
 * delay a message by at most 12 hours; a delivery due later is re-deferred by its consumer when the message arrives.
 */
import type { WebhookQueue } from "../../ports";

export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;
const BATCH = 100;

export function queueWebhookQueue(queue: Queue): WebhookQueue {
  return {
    async enqueue(deliveryIds, delaySeconds = 0) {
      const delay = Math.max(0, Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(delaySeconds)));
      for (let i = 0; i < deliveryIds.length; i += BATCH) {
        await queue.sendBatch(
          deliveryIds.slice(i, i + BATCH).map((id) => ({ body: { delivery_id: id }, contentType: "json" as const, ...(delay ? { delaySeconds: delay } : {}) })),
        );
      }
    },
  };
}
