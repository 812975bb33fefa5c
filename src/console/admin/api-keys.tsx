/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The API keys page (admins): every key by its visible prefix (never the secret, which we do not keep), a create
 * form, and revocation behind a confirmation page. A new key is shown once, on the response to the create form
 * itself, never through a redirect or a query string that a history or a log could keep.
 */
import type { ApiKeyRow } from "../../identity/api-keys";
import { SCOPES } from "../../types";
import { CSRF_FIELD } from "../csrf";
import { Field, FieldError, Messages, When } from "../form-parts";
import type { FieldErrors } from "../form-parts";

/** The create form as the admin filled it in. */
export interface NewKeyForm {
  name: string;
  mode: string;
  scopes: string[];
}

export const EMPTY_KEY_FORM: NewKeyForm = { name: "", mode: "test", scopes: ["verifications:write", "verifications:read"] };

const SCOPE_HELP: Record<(typeof SCOPES)[number], string> = {
  "verifications:write": "create, upload, submit and erase verifications",
  "verifications:read": "read verifications and their results",
  faces: "the face comparison API",
  webhooks: "manage webhook endpoints of the key's mode",
};

export function ApiKeysPage(props: { keys: ApiKeyRow[]; csrf: string; form: NewKeyForm; errors: FieldErrors; notice?: string; more: boolean }) {
  const formErrors = Object.keys(props.errors).length > 0;
  return (
    <>
      <h1>API keys</h1>
      <Messages notice={props.notice} />
      <table>
        <caption>Keys of this tenant, newest first (the secret itself is never stored, only its SHA-256)</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key starts with</th>
            <th scope="col">Mode</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Revoked</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => (
            <tr id={`key-${k.id}`}>
              <td>{k.name}</td>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.mode}</td>
              <td>{(k.scopes as string[]).join(", ")}</td>
              <td>
                <When ms={k.createdAt} />
              </td>
              <td>
                <When ms={k.lastUsedAt} />
              </td>
              <td>{k.revokedAt === null ? "no" : <When ms={k.revokedAt} />}</td>
              <td>{k.revokedAt === null ? <a href={`/console/admin/api-keys/${encodeURIComponent(k.id)}/revoke`}>{`Revoke ${k.name}…`}</a> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.more ? <p class="hint">Only the newest keys are listed; GET /v1/api-keys pages through all of them.</p> : null}
      <h2 id="create-key">Create a key</h2>
      {formErrors ? (
        <p class="error-box" role="alert">
          The key was not created: correct the fields marked below.
        </p>
      ) : null}
      <FieldError id="new-key-form" errors={props.errors["(body)"]} />
      <form method="post" action="/console/admin/api-keys" class="stack" novalidate aria-labelledby="create-key">
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        <Field id="name" label="Name (what the key is for)" value={props.form.name} errors={props.errors} autocomplete="off" />
        <fieldset aria-describedby={props.errors.mode?.length ? "mode-error" : undefined}>
          <legend>Mode</legend>
          <label>
            <input type="radio" name="mode" value="test" checked={props.form.mode === "test"} /> test — runs the sandbox, no real decisions
          </label>
          <label>
            <input type="radio" name="mode" value="live" checked={props.form.mode === "live"} /> live
          </label>
          <FieldError id="mode" errors={props.errors.mode} />
        </fieldset>
        <fieldset aria-describedby={props.errors.scopes?.length ? "scopes-error" : undefined}>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label>
              <input type="checkbox" name="scopes" value={scope} checked={props.form.scopes.includes(scope)} /> <code>{scope}</code>: {SCOPE_HELP[scope]}
            </label>
          ))}
          <FieldError id="scopes" errors={props.errors.scopes} />
        </fieldset>
        <button type="submit">Create key</button>
      </form>
    </>
  );
}

/** The one time a key is shown. */
export function NewKeyPage(props: { row: ApiKeyRow; secret: string }) {
  return (
    <>
      <h1>API key created</h1>
      <p class="notice" role="status">
        Copy it now, it will not be shown again. We keep only its SHA-256, so a lost key cannot be recovered: revoke it and create another.
      </p>
      <dl class="facts">
        <dt>Name</dt>
        <dd>{props.row.name}</dd>
        <dt>Mode</dt>
        <dd>{props.row.mode}</dd>
        <dt>Scopes</dt>
        <dd>{(props.row.scopes as string[]).join(", ")}</dd>
        <dt>Key</dt>
        <dd>
          <code id="new-api-key" class="secret">
            {props.secret}
          </code>
        </dd>
      </dl>
      <p class="hint">Send it in the <code>X-API-Key</code> header.</p>
      <p>
        <a href="/console/admin/api-keys">Back to the API keys</a>
      </p>
    </>
  );
}

export function RevokeKeyPage(props: { row: ApiKeyRow; csrf: string }) {
  return (
    <>
      <h1>Revoke an API key</h1>
      <p>
        Revoke <strong>{props.row.name}</strong> (<code>{props.row.prefix}…</code>, {props.row.mode})? Requests made with it are refused from the next
        one on; this cannot be undone.
      </p>
      <form method="post" action={`/console/admin/api-keys/${encodeURIComponent(props.row.id)}/revoke`}>
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        <button type="submit" id="confirm-revoke">
          Revoke this key
        </button>{" "}
        <a href="/console/admin/api-keys">Cancel</a>
      </form>
    </>
  );
}
