/**
 * The Worker entry: the HTTP API, the queue consumers, the cron jobs and the Durable Object classes.
 */
import { buildApi } from "./routes";
import type { Bindings } from "./env";
import { handleQueue } from "../queues";
import { createServices } from "./app/services";
import { runScheduled } from "./jobs/scheduled";

export { RateLimiter } from "../durable-objects/rate-limiter";
export { VerificationEvents } from "../durable-objects/verification-events";
export { AuditChain } from "../durable-objects/audit-chain";

/** The API's type for the typed client, `hc<AppType>(base)` from `hono/client` (src/routes/docs/app-type.ts). */
export type { AppType } from "./routes/docs/app-type";

const api = buildApi();

export default {
  fetch: (request, env, ctx) => {
    // Development only (ENVIRONMENT=development, `npm run dev`): scripts/dev.mjs fires the crons here, because
    // wrangler dev's /cdn-cgi/handler/scheduled fails once [assets] is configured. Never in test, staging or production.
    if (env.ENVIRONMENT === "development" && new URL(request.url).pathname === "/__dev/scheduled") {
      const cron = new URL(request.url).searchParams.get("cron") ?? "* * * * *";
      return runScheduled(cron, createServices(env)).then(() => new Response("ok"));
    }
    return api.fetch(request, env, ctx);
  },
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, _ctx) => runScheduled(controller.cron, createServices(env)),
} satisfies ExportedHandler<Bindings>;
