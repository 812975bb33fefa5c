/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Auditor pages at /console/stats and /console/audit: statistics as SVG charts and the audit log with chain verification (read-only). */
import { Hono } from "hono";
import type { ConsoleEnv } from "../kit";

/** The auditor page group, mounted by console-app behind the session and CSRF middleware. */
export function auditorPages() {
  const app = new Hono<ConsoleEnv>();
  return app;
}
