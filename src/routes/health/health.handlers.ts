/** Liveness and readiness: readiness runs each dependency probe the services factory provides and names the failing ones. */
import type { RouteHandler } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import type { AppEnv } from "../../app/context";
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

export const readyHandler: RouteHandler<typeof ready, AppEnv> = async (c) => {
  const entries = await Promise.all(Object.entries(c.var.services.probes).map(async ([name, fn]) => [name, await timed(fn)] as const));
  const checks = Object.fromEntries(entries);
  const failing = entries.filter(([, r]) => !r.ok).map(([name]) => name);
  if (failing.length) {
    throw new ApiError("SERVICE_UNAVAILABLE", `Not ready: ${failing.join(", ")}`, { details: { failing, checks } });
  }
  return c.json({ status: "ready" as const, checks }, 200);
};
