/**
 * The console's settings form as data: every decision setting an admin can change (layer weights, thresholds, the
 * hard rule per reason code, retention, minimum age, the vision model, velocity limits, the webhook retry schedule),
 * each with its form field, how it reads from the settings and how the typed text becomes a patch.
 *
 * Parsing only turns text into numbers and lists and names the fields it could not read; ranges and consistency
 * (verified_max below reject_min) are the domain schema's, checked by updateSettings, whose errors come back keyed by
 * the settings path (`thresholds`, `layer_weights.face`) and are shown on the field that owns that path.
 */
import { LAYER_NAMES, REASON_CODES } from "../pipeline/codes";
import type { ReasonCode } from "../pipeline/codes";
import { VISION_MODELS } from "../pipeline/settings";
import type { DecisionSettings } from "../pipeline/settings";
import type { SettingsPatch } from "../settings/settings";

/** What a reason code does to the decision, whatever the risk total: reject, send to review, or only add risk. */
export const RULE_CHOICES = [
  { value: "reject", label: "Rejects (hard rule)" },
  { value: "review", label: "Sends to review" },
  { value: "score", label: "Adds risk only" },
] as const;
export type RuleChoice = (typeof RULE_CHOICES)[number]["value"];

export type FieldKind = "whole" | "optional_whole" | "number" | "choice" | "seconds_list";

export interface SettingsField {
  /** The form field's name and the element id. */
  name: string;
  label: string;
  /** Which fieldset it is shown in. */
  group: "Decision" | "Layer weights" | "Data" | "Reading" | "Velocity" | "Webhooks";
  kind: FieldKind;
  hint?: string;
  options?: readonly string[];
  /** The settings paths whose validation errors belong to this field (the first is its own). */
  paths: string[];
  read(s: DecisionSettings): string;
}

const whole = (name: string, label: string, group: SettingsField["group"], path: string, read: (s: DecisionSettings) => number, hint?: string, extra: string[] = []): SettingsField => ({
  name,
  label,
  group,
  kind: "whole",
  hint,
  paths: [path, ...extra],
  read: (s) => String(read(s)),
});

/** Every editable setting but the per-code rules, in the order the form shows them. */
export const SETTINGS_FIELDS: SettingsField[] = [
  whole("verified_max", "Verified at most (risk score)", "Decision", "thresholds.verified_max", (s) => s.thresholds.verified_max, "A total risk at or below this decides verified.", ["thresholds"]),
  whole("reject_min", "Rejected from (risk score)", "Decision", "thresholds.reject_min", (s) => s.thresholds.reject_min, "A total at or above this decides not verified; between the two, a reviewer decides.", ["thresholds"]),
  ...LAYER_NAMES.map(
    (layer): SettingsField => ({
      name: `weight.${layer}`,
      label: layer,
      group: "Layer weights",
      kind: "number",
      paths: [`layer_weights.${layer}`, "layer_weights"],
      read: (s) => String(s.layer_weights[layer] ?? 1),
    }),
  ),
  whole("retention_days", "Retention of images and evidence (days)", "Data", "retention_days", (s) => s.retention_days),
  whole("abandoned_after_days", "Erase unsubmitted verifications after (days)", "Data", "abandoned_after_days", (s) => s.abandoned_after_days),
  {
    name: "minimum_age",
    label: "Minimum age (years)",
    group: "Reading",
    kind: "optional_whole",
    hint: "Empty: no age check.",
    paths: ["minimum_age"],
    read: (s) => (s.minimum_age === null ? "" : String(s.minimum_age)),
  },
  { name: "vision_model", label: "Vision model (Workers AI)", group: "Reading", kind: "choice", options: VISION_MODELS, paths: ["vision_model"], read: (s) => s.vision_model },
  whole("velocity.key_per_hour", "Per API key per hour", "Velocity", "velocity.key_per_hour", (s) => s.velocity.key_per_hour, undefined, ["velocity"]),
  whole("velocity.tenant_per_hour", "Per tenant per hour", "Velocity", "velocity.tenant_per_hour", (s) => s.velocity.tenant_per_hour, undefined, ["velocity"]),
  whole("velocity.document_per_day", "Per document number per day", "Velocity", "velocity.document_per_day", (s) => s.velocity.document_per_day, undefined, ["velocity"]),
  {
    name: "webhook_retry_schedule_seconds",
    label: "Webhook retry schedule (seconds between attempts)",
    group: "Webhooks",
    kind: "seconds_list",
    hint: "Comma-separated, one per retry; empty: the Standard Webhooks schedule.",
    paths: ["webhook_retry_schedule_seconds"],
    read: (s) => (s.webhook_retry_schedule_seconds ?? []).join(", "),
  },
];

/** The form field of a reason code's rule. */
export const ruleField = (code: string) => `rule.${code}`;

/** A code's rule in the current settings (a code in both lists rejects). */
export function ruleOf(settings: DecisionSettings, code: ReasonCode): RuleChoice {
  if (settings.hard_fail_codes.includes(code)) return "reject";
  if (settings.review_codes.includes(code)) return "review";
  return "score";
}

/** The form's text values, keyed by field name (rules under `rule.<CODE>`). */
export type SettingsFormValues = Record<string, string>;

/** The form as it shows the current settings. */
export function formOf(settings: DecisionSettings): SettingsFormValues {
  const values: SettingsFormValues = Object.fromEntries(SETTINGS_FIELDS.map((f) => [f.name, f.read(settings)]));
  for (const code of REASON_CODES) values[ruleField(code)] = ruleOf(settings, code);
  return values;
}

/**
 * The posted form as a settings patch, and an error per field that could not be read (keyed by the field's own
 * settings path). A field absent from the post keeps its current value, so a partial form changes only what it sends.
 *
 * @example
 * parseSettingsForm({ verified_max: "30", reject_min: "x" }, current).errors; // { "thresholds.reject_min": ["Enter a whole number"] }
 */
export function parseSettingsForm(form: SettingsFormValues, current: DecisionSettings): { patch: SettingsPatch; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  const read = new Map<string, number | string | number[] | null>();
  for (const field of SETTINGS_FIELDS) {
    const text = form[field.name];
    if (text === undefined) continue;
    const value = parseValue(field, text.trim());
    if (value instanceof Error) errors[field.paths[0]] = [value.message];
    else read.set(field.name, value);
  }
  const get = <T>(name: string, fallback: T): T => (read.has(name) ? (read.get(name) as T) : fallback);

  const patch: SettingsPatch = {
    thresholds: { verified_max: get("verified_max", current.thresholds.verified_max), reject_min: get("reject_min", current.thresholds.reject_min) },
    layer_weights: Object.fromEntries(LAYER_NAMES.filter((l) => read.has(`weight.${l}`)).map((l) => [l, read.get(`weight.${l}`) as number])),
    retention_days: get("retention_days", current.retention_days),
    abandoned_after_days: get("abandoned_after_days", current.abandoned_after_days),
    minimum_age: get("minimum_age", current.minimum_age),
    vision_model: get("vision_model", current.vision_model) as DecisionSettings["vision_model"],
    velocity: {
      key_per_hour: get("velocity.key_per_hour", current.velocity.key_per_hour),
      tenant_per_hour: get("velocity.tenant_per_hour", current.velocity.tenant_per_hour),
      document_per_day: get("velocity.document_per_day", current.velocity.document_per_day),
    },
    webhook_retry_schedule_seconds: get("webhook_retry_schedule_seconds", current.webhook_retry_schedule_seconds),
  };

  const rules = REASON_CODES.map((code) => ({ code, posted: form[ruleField(code)] }));
  if (rules.some((r) => r.posted !== undefined)) {
    const choiceOf = (code: ReasonCode, posted: string | undefined): RuleChoice => {
      if (posted === undefined) return ruleOf(current, code);
      if (RULE_CHOICES.some((c) => c.value === posted)) return posted as RuleChoice;
      errors[ruleField(code)] = ["Choose one of the listed rules"];
      return ruleOf(current, code);
    };
    const chosen = rules.map((r) => ({ code: r.code, rule: choiceOf(r.code, r.posted) }));
    patch.hard_fail_codes = keepOrder(chosen.filter((r) => r.rule === "reject").map((r) => r.code), current.hard_fail_codes);
    patch.review_codes = keepOrder(chosen.filter((r) => r.rule === "review").map((r) => r.code), current.review_codes);
  }
  return { patch, errors };
}

function parseValue(field: SettingsField, text: string): number | string | number[] | null | Error {
  switch (field.kind) {
    case "whole":
      return wholeNumber(text) ?? new Error("Enter a whole number");
    case "optional_whole":
      return text === "" ? null : (wholeNumber(text) ?? new Error("Enter a whole number, or leave it empty"));
    case "number": {
      const value = Number(text);
      return text !== "" && Number.isFinite(value) ? value : new Error("Enter a number");
    }
    case "choice":
      return field.options?.includes(text) ? text : new Error("Choose one of the listed options");
    case "seconds_list": {
      if (text === "") return null;
      const parts = text.split(/[\s,]+/).filter(Boolean);
      const numbers = parts.map(wholeNumber);
      return numbers.every((n): n is number => n !== null) ? numbers : new Error("Enter whole numbers of seconds, separated by commas");
    }
  }
}

function wholeNumber(text: string): number | null {
  if (!/^-?\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** `codes` with those already in `before` first, in its order, so an unchanged list compares equal. */
function keepOrder(codes: ReasonCode[], before: readonly ReasonCode[]): ReasonCode[] {
  const chosen = new Set(codes);
  return [...before.filter((c) => chosen.has(c)), ...codes.filter((c) => !before.includes(c))];
}
