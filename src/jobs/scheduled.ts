/** Cron jobs: the stuck-verification sweeper (every minute) and media retention (daily). */
import type { Bindings } from "../env";

export async function handleScheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
  void controller;
  void env;
  void ctx;
}
