/**
 * Consumers of `verification-jobs` and its dead-letter queue.
 * A job is parsed with its zod contract; a malformed message is acknowledged and logged (retrying cannot fix
 * it). A job that throws is retried with exponential backoff (2^attempt seconds, at most 5 minutes); after
 * `max_retries` (wrangler.toml) the queue moves it to `verification-jobs-dlq`, whose consumer sends the
 * verification to manual review with PROCESSING_FAILED.
 */
import type { Services } from "../src/app/services";
import { imageWork } from "../src/lib/gate";
import { log } from "../src/lib/log";
import { VerificationJobSchema, deadLetter, processJob } from "../src/verifications/processing";

export const backoffSeconds = (attempts: number) => Math.min(300, 2 ** Math.max(1, attempts));

/**
 * Messages of a batch run one at a time: one run of 12 MP photos peaks at ~93 of the isolate's 128 MB
 * (`npm run bench -- memory`), and a second run alongside would add its ~25 MB of JavaScript-side images and buffers.
 * Each run also takes the isolate's image gate (src/lib/gate.ts), so another invocation in the same isolate waits.
 */
export const BATCH_CONCURRENCY = 1;

/** How long a job waits for the isolate's image gate before it is retried later (ten 12 MP runs and then some). */
export const JOB_GATE_WAIT_MS = 60_000;

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export async function consumeVerificationJobs(batch: MessageBatch, services: Services): Promise<void> {
  const deps = { engine: services.faceEngine(), mrzReader: services.mrzReader(), clock: () => performance.now() };
  await eachLimited(batch.messages, BATCH_CONCURRENCY, async (msg) => {
    const parsed = VerificationJobSchema.safeParse(msg.body);
    if (!parsed.success) {
      log.error("verification_job_malformed", { message_id: msg.id, issues: parsed.error.issues.map((i) => i.path.join(".")) });
      msg.ack();
      return;
    }
    const started = performance.now();
    let outcome;
    try {
      outcome = await imageWork.run(() => processJob(services, parsed.data, deps), JOB_GATE_WAIT_MS);
    } catch (err) {
      log.warn("verification_job_failed", { message_id: msg.id, verification_id: parsed.data.verification_id, attempts: msg.attempts, error: err });
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      return;
    }
    log.info("verification_job_done", { verification_id: parsed.data.verification_id, outcome, attempts: msg.attempts, ms: Math.round(performance.now() - started) });
    msg.ack();
  });
}

export async function consumeVerificationDeadLetters(batch: MessageBatch, services: Services): Promise<void> {
  for (const msg of batch.messages) {
    const parsed = VerificationJobSchema.safeParse(msg.body);
    if (!parsed.success) {
      log.error("verification_dead_letter_malformed", { message_id: msg.id });
      msg.ack();
      continue;
    }
    let outcome;
    try {
      outcome = await deadLetter(services, parsed.data);
    } catch (err) {
      log.error("verification_dead_letter_failed", { message_id: msg.id, verification_id: parsed.data.verification_id, error: err });
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      continue;
    }
    log.info("verification_dead_letter_done", { verification_id: parsed.data.verification_id, outcome });
    msg.ack();
  }
}
