import type { RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import type { AppEnv } from "../../types";
import { APP_VERSION } from "../../version";
import type { health, ready } from "./health.routes";

export const healthHandler: RouteHandler<typeof health, AppEnv> = (c) =>
  c.json({ status: "ok" as const, version: APP_VERSION, time: new Date(c.var.services.now()).toISOString() }, 200);

async function timed(fn: () => Promise<unknown> | unknown) {
  const start = performance.now();
  try {
    await fn();
    return { ok: true, ms: performance.now() - start };
  } catch (err) {
    return { ok: false, ms: performance.now() - start, error: err instanceof Error ? err.message : String(err) };
  }
}

function present(binding: unknown, method: string) {
  return () => {
    if (!binding || typeof (binding as Record<string, unknown>)[method] !== "function") throw new Error("binding missing");
  };
}

export const readyHandler: RouteHandler<typeof ready, AppEnv> = async (c) => {
  const b = c.var.services.bindings;
  const entries = await Promise.all(
    Object.entries({
      d1: () => b.DB.prepare("SELECT 1 AS ok").first(),
      r2_media: () => b.MEDIA.head("health/probe"),
      r2_models: () => b.MODELS.head("health/probe"),
      queue_verification_jobs: present(b.VERIFICATION_JOBS, "send"),
      queue_webhook_deliveries: present(b.WEBHOOK_DELIVERIES, "send"),
      durable_object_rate_limiter: present(b.RATE_LIMITER, "idFromName"),
      durable_object_verification_events: present(b.VERIFICATION_EVENTS, "idFromName"),
      durable_object_audit_chain: present(b.AUDIT_CHAIN, "idFromName"),
    }).map(async ([name, fn]) => [name, await timed(fn)] as const),
  );
  const checks = Object.fromEntries(entries);
  const failing = entries.filter(([, r]) => !r.ok).map(([name]) => name);
  if (failing.length) {
    throw new ApiError("SERVICE_UNAVAILABLE", `Not ready: ${failing.join(", ")}`, { details: { failing, checks } });
  }
  return c.json({ status: "ready" as const, checks }, 200);
};
