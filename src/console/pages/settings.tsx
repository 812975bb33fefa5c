/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The tenant's decision settings (admins): everything shown, thresholds and retention editable. Validation errors
 * appear next to their field, with the values the admin typed kept in the form.
 */
import type { DecisionSettings } from "../../pipeline/settings";
import { CSRF_FIELD } from "../csrf";
import { dataValue } from "../case-facts";

export const EDITABLE_SETTINGS = [
  { name: "verified_max", label: "Verified at most (risk score)", path: ["thresholds.verified_max", "thresholds"] },
  { name: "reject_min", label: "Rejected from (risk score)", path: ["thresholds.reject_min", "thresholds"] },
  { name: "retention_days", label: "Retention of images and evidence (days)", path: ["retention_days"] },
  { name: "abandoned_after_days", label: "Erase unsubmitted verifications after (days)", path: ["abandoned_after_days"] },
] as const;

export type SettingsForm = Record<(typeof EDITABLE_SETTINGS)[number]["name"], string>;

export function formOf(settings: DecisionSettings): SettingsForm {
  return {
    verified_max: String(settings.thresholds.verified_max),
    reject_min: String(settings.thresholds.reject_min),
    retention_days: String(settings.retention_days),
    abandoned_after_days: String(settings.abandoned_after_days),
  };
}

export function SettingsPage(props: { version: number; settings: DecisionSettings; form: SettingsForm; errors: Record<string, string[]>; csrf: string; notice?: string }) {
  const errorsFor = (paths: readonly string[]) => paths.flatMap((p) => props.errors[p] ?? []);
  const anyErrors = Object.keys(props.errors).length > 0;
  return (
    <>
      <h1>Settings</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {anyErrors ? (
        <p class="error-box" role="alert">
          The settings were not saved: correct the fields marked below.
        </p>
      ) : null}
      <p>
        Version <strong id="settings-version">{props.version}</strong>
        {props.version === 0 ? " (the defaults; nobody has changed them yet)" : ""}.
      </p>
      <form method="post" action="/console/settings" class="stack" novalidate>
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        {EDITABLE_SETTINGS.map((field) => {
          const errors = errorsFor(field.path);
          const errorId = `${field.name}-error`;
          return (
            <div>
              <label for={field.name}>{field.label}</label>
              <input
                id={field.name}
                name={field.name}
                type="number"
                inputmode="numeric"
                value={props.form[field.name]}
                aria-invalid={errors.length ? "true" : undefined}
                aria-describedby={errors.length ? errorId : undefined}
              />
              {errors.length ? (
                <p class="field-error" id={errorId}>
                  {errors.join("; ")}
                </p>
              ) : null}
            </div>
          );
        })}
        <button type="submit">Save settings</button>
      </form>
      <h2>Everything else</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(props.settings)
            .filter(([k]) => k !== "thresholds" && k !== "retention_days" && k !== "abandoned_after_days")
            .map(([k, value]) => (
              <tr>
                <th scope="row">{k}</th>
                <td>{dataValue(value)}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </>
  );
}
