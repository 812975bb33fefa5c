/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * What the console's forms share: a labelled field whose errors sit beside it (aria-invalid, aria-describedby and
 * a .field-error, as on the settings page), the notice and error boxes, a zod result turned into per-field errors,
 * and times as people read them.
 */
import type { Child } from "hono/jsx";
import type { z } from "@hono/zod-openapi";
import type { ApiError } from "../lib/errors";
import { validationError } from "../lib/errors";

/** Messages per form field (`(body)` for the form as a whole). */
export type FieldErrors = Record<string, string[]>;

/**
 * The parsed value, or the same per-field errors the API would answer with.
 *
 * @example
 * const checked = checkForm(NewUserBody, { email: "x", name: "", password: "", role: "admin" });
 * if (!checked.ok) checked.errors.email; // ["Must be a valid email address"]
 */
export function checkForm<T extends z.ZodType>(schema: T, input: unknown): { ok: true; value: z.output<T> } | { ok: false; errors: FieldErrors } {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: fieldErrorsOf(validationError(parsed.error.issues)) };
}

/** The per-field messages of a domain refusal (validation details, or the message against `fallbackField`). */
export function fieldErrorsOf(err: ApiError, fallbackField = "(body)"): FieldErrors {
  const fields = err.details?.fields as FieldErrors | undefined;
  return fields && Object.keys(fields).length ? fields : { [fallbackField]: [err.message] };
}

/** A form field's text value, trimmed ("" when absent or a file). */
export const textOf = (form: Record<string, unknown>, name: string): string => (typeof form[name] === "string" ? (form[name] as string).trim() : "");

/** All values of a repeated field (checkboxes), as strings. */
export const valuesOf = (form: Record<string, unknown>, name: string): string[] => {
  const value = form[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === "string");
};

/** Attributes that tie an input to its error message, when it has one. */
export function invalidWhen(errors: string[] | undefined, id: string) {
  return errors?.length ? { "aria-invalid": "true", "aria-describedby": `${id}-error` } : {};
}

/** The error message under a field, or nothing. */
export function FieldError(props: { id: string; errors?: string[] }) {
  return props.errors?.length ? (
    <p class="field-error" id={`${props.id}-error`}>
      {props.errors.join("; ")}
    </p>
  ) : null;
}

/** A labelled text-like input with its error. */
export function Field(props: { id: string; name?: string; label: string; type?: string; value?: string; errors?: FieldErrors; autocomplete?: string; hint?: Child }) {
  const name = props.name ?? props.id;
  const errors = props.errors?.[name];
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input id={props.id} name={name} type={props.type ?? "text"} value={props.value ?? ""} autocomplete={props.autocomplete} {...invalidWhen(errors, props.id)} />
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      <FieldError id={props.id} errors={errors} />
    </div>
  );
}

/** A success notice (role=status) and a refusal box (role=alert), either optional. */
export function Messages(props: { notice?: string; error?: string }) {
  return (
    <>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      {props.error ? (
        <p class="error-box" role="alert">
          {props.error}
        </p>
      ) : null}
    </>
  );
}

/**
 * A time as the console shows it: ISO 8601 to the minute, in UTC, inside a <time>; a dash when unknown.
 *
 * @example
 * <When ms={row.createdAt} /> // <time datetime="2026-12-03T22:40:00.000Z">2026-12-03 22:40 UTC</time>
 */
export function When(props: { ms: number | null | undefined }) {
  if (props.ms === null || props.ms === undefined) return <span>—</span>;
  const iso = new Date(props.ms).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`}</time>;
}

