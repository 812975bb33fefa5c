/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The console's page frame: landmarks (a skip link, header with navigation, main), the stylesheet served by us,
 * and the sign-out form carrying the CSRF token. Pages are plain functions of data rendered inside it.
 */
import type { Child } from "hono/jsx";
import type { Role } from "../types";
import { CSRF_FIELD } from "./csrf";

export interface Viewer {
  email: string;
  role: Role;
  csrf: string;
}

/**
 * Wraps a page in the console's frame.
 *
 * @example
 * c.html(<Layout title="Review queue" viewer={viewer}><QueuePage ... /></Layout>)
 */
export function Layout(props: { title: string; viewer?: Viewer; nonce?: string; script?: string; children?: Child }) {
  const { viewer } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · edge-kyc console`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <strong>edge-kyc console</strong>
          {viewer ? (
            <nav aria-label="Console">
              <ul>
                <li>
                  <a href="/console">Review queue</a>
                </li>
                {viewer.role === "admin" || viewer.role === "auditor" ? (
                  <>
                    <li>
                      <a href="/console/stats">Statistics</a>
                    </li>
                    <li>
                      <a href="/console/audit">Audit log</a>
                    </li>
                  </>
                ) : null}
                {viewer.role === "admin" ? (
                  <>
                    <li>
                      <a href="/console/settings">Settings</a>
                    </li>
                    <li>
                      <a href="/console/admin/users">Users</a>
                    </li>
                    <li>
                      <a href="/console/admin/api-keys">API keys</a>
                    </li>
                    <li>
                      <a href="/console/admin/webhooks">Webhooks</a>
                    </li>
                  </>
                ) : null}
              </ul>
            </nav>
          ) : null}
          {viewer ? (
            <div class="who">
              <span>
                {viewer.email} ({viewer.role})
              </span>
              <form method="post" action="/console/logout">
                <input type="hidden" name={CSRF_FIELD} value={viewer.csrf} />
                <button type="submit" class="secondary">
                  Sign out
                </button>
              </form>
            </div>
          ) : null}
        </header>
        <main id="main">{props.children}</main>
        {props.script && props.nonce ? <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.script }} /> : null}
      </body>
    </html>
  );
}
