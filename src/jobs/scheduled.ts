/**
 * Cron jobs (wrangler.toml [triggers]). Every minute: the stuck-verification sweeper and the verification-session
 * sweeper (expiry, completion), then the outbox and audit
 * catch-up (publish what a request committed but could not publish; seal pending audit rows). Daily at 03:00 UTC:
 * retention (media, evidence, embeddings, abandoned verifications, idempotency records, events and webhook deliveries
 * older than 30 days). The minute job also re-queues webhook deliveries whose message was lost.
 */
import { isNull } from "drizzle-orm";
import type { Services } from "../app/services";
import { auditEvents } from "../db/schema";
import { log } from "../lib/log";
import { sweepSessions } from "../sessions/sessions";
import { sweepStuck } from "../verifications/processing";
import { runRetention } from "../verifications/retention";
import { pruneWebhookHistory, requeueDue } from "../webhooks/maintenance";

export const RETENTION_CRON = "0 3 * * *";

/** Tenants whose pending audit rows one minute's catch-up seals; any others wait for the next minute. */
export const CATCH_UP_TENANTS = 500;
/** Tenants sealed at once: each seal is a call to that tenant's AuditChain object, which waits on D1, not on us. */
export const CATCH_UP_SEAL_CONCURRENCY = 8;

/**
 * Publishes every committed, unpublished outbox row and seals the pending audit rows of up to `CATCH_UP_TENANTS`
 * tenants, `CATCH_UP_SEAL_CONCURRENCY` at a time; one tenant's failed seal is logged and leaves the others sealed.
 */
export async function catchUp(s: Services): Promise<{ published: number; failed: number; tenants: number; seals_deferred: number }> {
  let published = 0;
  let failed = 0;
  for (let round = 0; round < 20; round++) {
    const r = await s.outbox.flush();
    published += r.published;
    failed += r.failed;
    if (r.published === 0) break;
  }
  const pending = await s.db.selectDistinct({ tenantId: auditEvents.tenantId }).from(auditEvents).where(isNull(auditEvents.seq)).limit(CATCH_UP_TENANTS);
  let deferred = 0;
  for (let i = 0; i < pending.length; i += CATCH_UP_SEAL_CONCURRENCY) {
    const group = pending.slice(i, i + CATCH_UP_SEAL_CONCURRENCY);
    const outcomes = await Promise.allSettled(group.map(({ tenantId }) => s.audit.seal(tenantId)));
    for (const [j, o] of outcomes.entries()) {
      if (o.status === "fulfilled") continue;
      deferred++;
      log.warn("audit_seal_deferred", { tenant_id: group[j].tenantId, error: o.reason });
    }
  }
  return { published, failed, tenants: pending.length, seals_deferred: deferred };
}

/**
 * Runs one step of a cron job; a failure is logged and the next steps still run (a D1 write failing in the sweeper
 * must not skip that minute's outbox publication and audit sealing). Returns the step's result, or null.
 */
async function step<T>(name: string, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (err) {
    log.error("scheduled_step_failed", { step: name, error: err });
    return null;
  }
}

export async function runScheduled(cron: string, s: Services): Promise<void> {
  if (cron === RETENTION_CRON) {
    const retention = await step("retention", () => runRetention(s));
    const webhooks = await step("prune_webhook_history", () => pruneWebhookHistory(s));
    log.info("retention_run", { ...retention, webhooks });
    return;
  }
  const swept = await step("sweep_stuck", () => sweepStuck(s, s.config.STUCK_AFTER_SECONDS * 1000));
  const sessions = await step("sweep_sessions", () => sweepSessions(s));
  log.info("sweeper_run", { ...swept, sessions: sessions?.settled ?? null });
  const caughtUp = await step("catch_up", () => catchUp(s));
  const requeued = await step("requeue_webhook_deliveries", () => requeueDue(s));
  log.info("catch_up_run", { ...caughtUp, webhook_deliveries_requeued: requeued });
}
