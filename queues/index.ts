/**
 * One Worker consumes all four queues; this routes a batch to its consumer by queue name.
 */
import { createServices } from "../src/app/services";
import type { Services } from "../src/app/services";
import type { Bindings } from "../src/env";
import { log } from "../src/lib/log";
import { consumeVerificationDeadLetters, consumeVerificationJobs } from "./verification-jobs";
import { consumeWebhookDeadLetters, consumeWebhookDeliveries } from "./webhook-deliveries";

const consumers: Record<string, (batch: MessageBatch, services: Services) => Promise<void>> = {
  "verification-jobs": consumeVerificationJobs,
  "verification-jobs-dlq": consumeVerificationDeadLetters,
  "webhook-deliveries": consumeWebhookDeliveries,
  "webhook-deliveries-dlq": consumeWebhookDeadLetters,
};

export async function handleQueue(batch: MessageBatch, env: Bindings, _ctx: ExecutionContext): Promise<void> {
  const consumer = consumers[batch.queue];
  if (!consumer) {
    log.error("queue_without_consumer", { queue: batch.queue, messages: batch.messages.length });
    batch.retryAll();
    return;
  }
  await consumer(batch, createServices(env));
}
