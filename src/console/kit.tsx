/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * What every console page handler shares: the console's hono environment (the signed-in session and the viewer set
 * by console-app's middleware), rendering a page in the frame, the error page, role checks, and private file
 * responses. Page groups (cases, admin, auditor) are sub-apps of console-app built with these.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../app/context";
import type { Principal, Role } from "../types";
import { Layout } from "./layout";
import type { Viewer } from "./layout";
import { ProblemPage } from "./pages/problem";
import type { ConsoleSession } from "./session-store";

export type ConsoleEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { session: ConsoleSession; viewer: Viewer; secureHeadersNonce?: string };
};
export type ConsoleContext = Context<ConsoleEnv>;
export type PageStatus = 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500;

/** Roles that may sign in to the console at all. */
export const CONSOLE_ROLES: Role[] = ["admin", "reviewer", "auditor"];
/** Roles that may work on cases (claim, decide, note). */
export const DECIDING_ROLES: Role[] = ["admin", "reviewer"];

/** The signed-in user as the domain functions' principal. */
export const principalOf = (session: ConsoleSession): Principal & { type: "user" } => ({ type: "user", tenantId: session.user.tenantId, userId: session.user.id, role: session.user.role });

/**
 * Renders `body` in the console frame, never cached; `script` runs under the request's CSP nonce.
 *
 * @example
 * return page(c, "Users", <UsersPage users={rows} />);
 */
export function page(c: ConsoleContext, title: string, body: Child, status: PageStatus = 200, script?: string) {
  c.header("Cache-Control", "no-store");
  const viewer = c.get("viewer");
  return c.html(
    <Layout title={title} viewer={viewer} nonce={c.get("secureHeadersNonce")} script={script}>
      {body}
    </Layout>,
    status,
  );
}

/**
 * The error page: a title, what happened in words, and the request id.
 *
 * @example
 * if (!allow(c, ["admin"])) return problem(c, 403, "Not allowed", "Only admins can manage users.");
 */
export function problem(c: ConsoleContext, status: Exclude<PageStatus, 200>, title: string, message: string) {
  return page(c, title, <ProblemPage title={title} message={message} requestId={c.get("requestId")} />, status);
}

/** Whether the signed-in user has one of `roles`. */
export function allow(c: ConsoleContext, roles: Role[]): boolean {
  return roles.includes(c.get("session").user.role);
}

/** A stored file as a response only this browser session may keep. */
export function privateFile(file: { body: ReadableStream; contentType: string; size: number }): Response {
  return new Response(file.body, {
    headers: { "Content-Type": file.contentType, "Content-Length": String(file.size), "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" },
  });
}
