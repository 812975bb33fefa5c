/**
 * Cron jobs (wrangler.toml [triggers]): every minute the stuck-verification sweeper; daily at 03:00 UTC the
 * retention job that deletes raw media older than each tenant's retention period.
 */
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
  const result = await sweepStuck(services, services.config.STUCK_AFTER_SECONDS * 1000);
  log.info("sweeper_run", result);
}
