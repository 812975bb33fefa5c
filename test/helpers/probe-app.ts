/**
 * A probe route guarded by the real `requireAuth`, mounted on the real app factory (same middleware, error
 * contract, D1 and RATE_LIMITER), for exercising API-key authentication before any key-accepting domain route
 * exists. Requests go through `app.request` with the test env and a real execution context.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app/create-app";
import { requireAuth } from "../../src/middleware/auth";
import type { AccessRule } from "../../src/middleware/auth";

export function probeApp(rule: AccessRule) {
  const app = createApp();
  app.get("/probe", requireAuth(rule), (c) => c.json({ principal: c.var.principal }));
  return async (headers: Record<string, string> = {}) => {
    const ctx = createExecutionContext();
    const res = await app.request("https://api.test/probe", { headers }, env, ctx);
    await waitOnExecutionContext(ctx);
    const text = await res.text();
    return { status: res.status, headers: res.headers, data: text ? JSON.parse(text) : undefined, text };
  };
}
