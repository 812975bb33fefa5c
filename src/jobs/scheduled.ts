/**
 * Cron jobs (wrangler.toml [triggers]): every minute the stuck-verification sweeper and the audit sealer (each
 * tenant with pending audit rows gets its chain sealed, so rows whose request could not reach the AuditChain
 * Durable Object are chained within a minute); daily at 03:00 UTC the retention job that deletes raw media older
 * than each tenant's retention period.
 */
import { sealAllPending } from "../adapters/audit/audit-log";
import type { Bindings } from "../env";
import { log } from "../lib/log";
import { createServices } from "../services";
import { sweepStuck } from "../verifications/processing";
import { purgeExpiredMedia } from "../verifications/retention";

export const RETENTION_CRON = "0 3 * * *";

export async function handleScheduled(controller: ScheduledController, env: Bindings, _ctx: ExecutionContext): Promise<void> {
  const services = createServices(env);
  if (controller.cron === RETENTION_CRON) {
    const result = await purgeExpiredMedia(services);
    log.info("retention_run", result);
    return;
  }
  const [swept, sealed] = await Promise.allSettled([sweepStuck(services, services.config.STUCK_AFTER_SECONDS * 1000), sealAllPending(env.DB, services.audit)]);
  if (sealed.status === "fulfilled") log.info("audit_sealer_run", sealed.value);
  else log.error("audit_sealer_failed", { error: sealed.reason });
  if (swept.status === "rejected") throw swept.reason;
  log.info("sweeper_run", swept.value);
}
