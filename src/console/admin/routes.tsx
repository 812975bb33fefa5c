/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Admin pages at /console/admin/*: users and roles, API keys, webhook endpoints and their delivery log. */
import { Hono } from "hono";
import type { ConsoleEnv } from "../kit";

/** The admin page group, mounted by console-app behind the session and CSRF middleware. */
export function adminPages() {
  const app = new Hono<ConsoleEnv>();
  return app;
}
