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

/** Publishes every committed, unpublished outbox row and seals every tenant's pending audit rows. */
export async function catchUp(s: Services): Promise<{ published: number; failed: number; tenants: number }> {
  let published = 0;
  let failed = 0;
  for (let round = 0; round < 20; round++) {
    const r = await s.outbox.flush();
    published += r.published;
    failed += r.failed;
    if (r.published === 0) break;
  }
  const pending = await s.db.selectDistinct({ tenantId: auditEvents.tenantId }).from(auditEvents).where(isNull(auditEvents.seq));
  for (const { tenantId } of pending) await s.audit.seal(tenantId).catch((err) => log.warn("audit_seal_deferred", { tenant_id: tenantId, error: err }));
  return { published, failed, tenants: pending.length };
}

export async function runScheduled(cron: string, s: Services): Promise<void> {
  if (cron === RETENTION_CRON) {
    log.info("retention_run", { ...(await runRetention(s)), webhooks: await pruneWebhookHistory(s) });
    return;
  }
  log.info("sweeper_run", { ...(await sweepStuck(s, s.config.STUCK_AFTER_SECONDS * 1000)), sessions: (await sweepSessions(s)).settled });
  log.info("catch_up_run", { ...(await catchUp(s)), webhook_deliveries_requeued: await requeueDue(s) });
}
