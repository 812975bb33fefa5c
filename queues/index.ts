/**
 * Routes a message batch to its consumer by queue name (one Worker consumes all four queues).
 */
import type { Bindings } from "../src/env";
import { log } from "../src/lib/log";

export async function handleQueue(batch: MessageBatch, env: Bindings, ctx: ExecutionContext): Promise<void> {
  void env;
  void ctx;
  log.warn("queue_unhandled", { queue: batch.queue, messages: batch.messages.length });
  batch.retryAll();
}
