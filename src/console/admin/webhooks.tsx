/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The webhook pages (admins): the endpoints of both modes (never a secret), a create form with the event types as
 * checkboxes, disable / enable, secret rotation and a test event; and per endpoint its delivery log with every
 * attempt and a redeliver button. A signing secret is shown once, on the response to the form that made it.
 */
import type { AttemptRow } from "../../webhooks/deliveries";
import type { DeliveryWithAttempts } from "../../webhooks/delivery-log";
import type { EndpointRow } from "../../webhooks/endpoints";
import { DEFAULT_ROTATION_GRACE_SECONDS } from "../../webhooks/endpoints";
import { EVENT_TYPES } from "../../webhooks/events";
import { CSRF_FIELD } from "../csrf";
import { Field, FieldError, Messages, When } from "../form-parts";
import type { FieldErrors } from "../form-parts";

export interface NewEndpointForm {
  url: string;
  description: string;
  mode: string;
  events: string[];
}

export const EMPTY_ENDPOINT_FORM: NewEndpointForm = { url: "", description: "", mode: "live", events: ["*"] };

const DISABLED_REASONS: Record<string, string> = {
  user: "disabled by an admin",
  gone: "disabled: the receiver answered 410 Gone",
  failing: "disabled: every delivery failed for 5 days",
};

const endpointPath = (e: EndpointRow) => `/console/admin/webhooks/${encodeURIComponent(e.id)}`;

/** An endpoint's state in words. */
export const endpointStatus = (e: EndpointRow) => (e.enabled ? (e.failingSince === null ? "enabled" : "enabled, failing") : (DISABLED_REASONS[e.disabledReason ?? "user"] ?? "disabled"));

/** A POST button with the CSRF token: the form is the whole control. */
function ActionButton(props: { action: string; csrf: string; label: string; id?: string; hidden?: Record<string, string>; secondary?: boolean }) {
  return (
    <form method="post" action={props.action} class="inline">
      <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" id={props.id} class={props.secondary ? "secondary" : undefined}>
        {props.label}
      </button>
    </form>
  );
}

/** Enable or disable, rotate the secret, send a test event: the controls of one endpoint. */
function EndpointActions(props: { e: EndpointRow; csrf: string }) {
  const { e, csrf } = props;
  const base = endpointPath(e);
  return (
    <>
      <ActionButton action={`${base}/${e.enabled ? "disable" : "enable"}`} csrf={csrf} label={e.enabled ? "Disable" : "Enable"} secondary />
      {e.enabled ? <ActionButton action={`${base}/test`} csrf={csrf} label="Send test event" secondary /> : null}
      <ActionButton action={`${base}/rotate`} csrf={csrf} label="Rotate secret" secondary />
    </>
  );
}

export function WebhooksPage(props: { endpoints: EndpointRow[]; csrf: string; form: NewEndpointForm; errors: FieldErrors; notice?: string; error?: string }) {
  const formErrors = Object.keys(props.errors).length > 0;
  return (
    <>
      <h1>Webhook endpoints</h1>
      <Messages notice={props.notice} error={props.error} />
      <table>
        <caption>Endpoints of both modes; a test-mode key's events go to test endpoints only</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Mode</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.endpoints.map((e) => (
            <tr id={`endpoint-${e.id}`}>
              <td>
                <a href={endpointPath(e)}>{e.url}</a>
                {e.description ? <p class="hint">{e.description}</p> : null}
              </td>
              <td>{(e.events as string[]).join(", ")}</td>
              <td>{e.mode}</td>
              <td>{endpointStatus(e)}</td>
              <td>
                <When ms={e.createdAt} />
              </td>
              <td>
                <EndpointActions e={e} csrf={props.csrf} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.endpoints.length === 0 ? <p>No endpoints yet.</p> : null}
      <h2 id="create-endpoint">Add an endpoint</h2>
      {formErrors ? (
        <p class="error-box" role="alert">
          The endpoint was not added: correct the fields marked below.
        </p>
      ) : null}
      <FieldError id="new-endpoint" errors={props.errors["(body)"]} />
      <form method="post" action="/console/admin/webhooks" class="stack" novalidate aria-labelledby="create-endpoint">
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        <Field id="url" label="URL" type="url" value={props.form.url} errors={props.errors} autocomplete="off" hint="https:// on a public host (http://localhost in development)." />
        <Field id="description" label="Description (optional)" value={props.form.description} errors={props.errors} autocomplete="off" />
        <fieldset>
          <legend>Mode</legend>
          <label>
            <input type="radio" name="mode" value="live" checked={props.form.mode !== "test"} /> live
          </label>
          <label>
            <input type="radio" name="mode" value="test" checked={props.form.mode === "test"} /> test
          </label>
          <FieldError id="mode" errors={props.errors.mode} />
        </fieldset>
        <fieldset aria-describedby={props.errors.events?.length ? "events-error" : undefined}>
          <legend>Events</legend>
          {["*", ...EVENT_TYPES].map((type) => (
            <label>
              <input type="checkbox" name="events" value={type} checked={props.form.events.includes(type)} /> {type === "*" ? "every event type (*)" : <code>{type}</code>}
            </label>
          ))}
          <FieldError id="events" errors={props.errors.events} />
        </fieldset>
        <button type="submit">Add endpoint</button>
      </form>
    </>
  );
}

/** The one time a signing secret is shown: after creating an endpoint or rotating its secret. */
export function SecretPage(props: { e: EndpointRow; secret: string | null; rotated: boolean }) {
  const graceHours = DEFAULT_ROTATION_GRACE_SECONDS / 3600;
  return (
    <>
      <h1>{props.rotated ? "Signing secret rotated" : "Webhook endpoint added"}</h1>
      {props.secret ? (
        <>
          <p class="notice" role="status">
            Copy the signing secret now, it will not be shown again. Receivers verify the <code>webhook-signature</code> header with it.
            {props.rotated ? ` The previous secret keeps signing beside it for ${graceHours} hours, so you can deploy the new one without missing events.` : ""}
          </p>
          <p>
            <code id="new-secret" class="secret">
              {props.secret}
            </code>
          </p>
        </>
      ) : (
        <p class="notice" role="status">
          This endpoint signs with Ed25519: receivers verify with its public key, so there is no secret to copy.
        </p>
      )}
      <p>
        <a href={endpointPath(props.e)}>{`Delivery log of ${props.e.url}`}</a> · <a href="/console/admin/webhooks">Back to the endpoints</a>
      </p>
    </>
  );
}

function AttemptList(props: { attempts: AttemptRow[] }) {
  if (!props.attempts.length) return <span>none yet</span>;
  return (
    <ol class="attempts">
      {props.attempts.map((a) => (
        <li>
          {a.statusCode === null ? (a.errorClass ?? "no answer") : `HTTP ${a.statusCode}`} at <When ms={a.attemptedAt} /> ({a.latencyMs} ms)
        </li>
      ))}
    </ol>
  );
}

export function DeliveryLogPage(props: { e: EndpointRow; log: DeliveryWithAttempts[]; csrf: string; notice?: string; error?: string; limit: number }) {
  const { e } = props;
  return (
    <>
      <h1>Delivery log</h1>
      <Messages notice={props.notice} error={props.error} />
      <dl class="facts">
        <dt>URL</dt>
        <dd>{e.url}</dd>
        <dt>Mode</dt>
        <dd>{e.mode}</dd>
        <dt>Events</dt>
        <dd>{(e.events as string[]).join(", ")}</dd>
        <dt>Status</dt>
        <dd>{endpointStatus(e)}</dd>
      </dl>
      <p>
        <EndpointActions e={e} csrf={props.csrf} />
      </p>
      <table>
        <caption>{`The newest ${props.limit} deliveries to this endpoint, newest first`}</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Next retry</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.log.map(({ delivery: d, attempts }) => (
            <tr id={`delivery-${d.id}`} class="delivery">
              <td>
                <code>{d.eventType}</code>
                <p class="hint">
                  {d.eventId} · <When ms={d.createdAt} />
                </p>
              </td>
              <td>{d.trigger}</td>
              <td>
                <span class="badge">{d.status}</span>
              </td>
              <td>
                <AttemptList attempts={attempts} />
              </td>
              <td>{d.status === "pending" ? <When ms={d.nextAttemptAt} /> : "—"}</td>
              <td>
                {e.enabled ? (
                  <ActionButton action={`${endpointPath(e)}/deliveries/${encodeURIComponent(d.id)}/redeliver`} csrf={props.csrf} label={`Redeliver ${d.eventType}`} secondary />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.log.length === 0 ? <p>Nothing delivered yet. Send a test event to try the receiver.</p> : null}
      <p>
        <a href="/console/admin/webhooks">Back to the endpoints</a>
      </p>
    </>
  );
}
