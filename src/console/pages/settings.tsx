/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The tenant's decision settings (admins): every setting editable in one form, grouped in fieldsets, with the rule
 * for each reason code in a table. Validation errors appear next to their field (aria-invalid, described by the
 * message), with the values the admin typed kept. Each save is a new, audited version (src/settings/settings.ts).
 */
import { REASON_CODES } from "../../pipeline/codes";
import { Messages } from "../form-parts";
import { CSRF_FIELD } from "../csrf";
import { RULE_CHOICES, SETTINGS_FIELDS, ruleField } from "../settings-form";
import type { SettingsField, SettingsFormValues } from "../settings-form";

const GROUPS: { name: SettingsField["group"]; legend: string; note?: string }[] = [
  { name: "Decision", legend: "Decision thresholds" },
  { name: "Layer weights", legend: "Layer weights", note: "Each layer's risk counts this many times in the total (0–100; 0 ignores the layer)." },
  { name: "Data", legend: "Retention" },
  { name: "Reading", legend: "Reading the document" },
  { name: "Velocity", legend: "Velocity limits (VELOCITY_HIGH at this many verifications)" },
  { name: "Webhooks", legend: "Webhooks" },
];

function Field(props: { field: SettingsField; value: string; errors: string[] }) {
  const { field, errors } = props;
  const errorId = `${field.name}-error`;
  const hintId = `${field.name}-hint`;
  const describedBy = [field.hint ? hintId : "", errors.length ? errorId : ""].filter(Boolean).join(" ") || undefined;
  const common = { id: field.name, name: field.name, "aria-invalid": errors.length ? "true" : undefined, "aria-describedby": describedBy };
  return (
    <div>
      <label for={field.name}>{field.label}</label>
      {field.kind === "choice" ? (
        <select {...common}>
          {(field.options ?? []).map((o) => (
            <option value={o} selected={o === props.value}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input {...common} type="text" inputmode={field.kind === "seconds_list" ? "text" : field.kind === "number" ? "decimal" : "numeric"} value={props.value} />
      )}
      {field.hint ? (
        <p class="hint" id={hintId}>
          {field.hint}
        </p>
      ) : null}
      {errors.length ? (
        <p class="field-error" id={errorId}>
          {errors.join("; ")}
        </p>
      ) : null}
    </div>
  );
}

export interface SavedVersion {
  version: number;
  savedAt: number;
  savedBy: string | null;
}

export function SettingsPage(props: { version: number; form: SettingsFormValues; errors: Record<string, string[]>; csrf: string; notice?: string; history: SavedVersion[] }) {
  const errorsFor = (paths: readonly string[]) => [...new Set(paths.flatMap((p) => props.errors[p] ?? []))];
  const general = props.errors["(body)"] ?? [];
  const anyErrors = Object.keys(props.errors).length > 0;
  return (
    <>
      <h1>Settings</h1>
      <Messages notice={props.notice} />
      {anyErrors ? (
        <div class="error-box" role="alert">
          <p>The settings were not saved: correct the fields marked below.</p>
          {general.length ? <p>{general.join("; ")}</p> : null}
        </div>
      ) : null}
      <p>
        Version <strong id="settings-version">{props.version}</strong>
        {props.version === 0 ? " (the defaults; nobody has changed them yet)" : ""}. Saving makes a new version; every
        decision keeps the version it was made under, and the change is in the audit log.
      </p>
      <form method="post" action="/console/settings" class="stack" novalidate>
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        {GROUPS.map((group) => (
          <fieldset class={group.name === "Layer weights" ? "grid-fields" : undefined}>
            <legend>{group.legend}</legend>
            {group.note ? <p class="hint">{group.note}</p> : null}
            {SETTINGS_FIELDS.filter((f) => f.group === group.name).map((field) => (
              <Field field={field} value={props.form[field.name] ?? ""} errors={errorsFor(field.paths)} />
            ))}
          </fieldset>
        ))}
        <fieldset>
          <legend>Hard rules per reason code</legend>
          <p class="hint">
            What a finding with this code does whatever the risk total. A rejection is final for the applicant; review
            sends the case to this console.
          </p>
          {errorsFor(["hard_fail_codes", "review_codes"]).length ? <p class="field-error">{errorsFor(["hard_fail_codes", "review_codes"]).join("; ")}</p> : null}
          <table>
            <thead>
              <tr>
                <th scope="col">Reason code</th>
                <th scope="col">Rule</th>
              </tr>
            </thead>
            <tbody>
              {REASON_CODES.map((code) => {
                const name = ruleField(code);
                const errors = props.errors[name] ?? [];
                return (
                  <tr>
                    <th scope="row">
                      <label for={name}>
                        <code>{code}</code>
                      </label>
                    </th>
                    <td>
                      <select id={name} name={name} aria-invalid={errors.length ? "true" : undefined}>
                        {RULE_CHOICES.map((choice) => (
                          <option value={choice.value} selected={choice.value === props.form[name]}>
                            {choice.label}
                          </option>
                        ))}
                      </select>
                      {errors.length ? <p class="field-error">{errors.join("; ")}</p> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </fieldset>
        <button type="submit">Save settings</button>
      </form>
      <h2 id="history-heading">Saved versions</h2>
      {props.history.length ? (
        <table aria-labelledby="history-heading" id="settings-history">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved at (UTC)</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {props.history.map((h) => (
              <tr>
                <td>{h.version}</td>
                <td>
                  <time datetime={new Date(h.savedAt).toISOString()}>{new Date(h.savedAt).toISOString().replace("T", " ").slice(0, 19)}</time>
                </td>
                <td>
                  <code>{h.savedBy ?? "—"}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>None yet: the defaults apply. Each decision keeps the version it was made under; the audit log names what each save changed.</p>
      )}
    </>
  );
}
