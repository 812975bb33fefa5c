/**
 * The `FAULTS` variable: which failures to inject, at what rate, for the development-only fault switch.
 *
 *   FAULTS="pipeline=0.3,r2_read=0.3,d1_write=0.3,outbox=0.3,seed=7"
 *
 * Parsed by zod in src/env.ts's configuration, so an unknown kind or a rate outside 0..1 is the same loud
 * configuration error as any other bad setting, and refused outright when ENVIRONMENT is staging or production.
 */
import { z } from "zod";

export const FAULT_KINDS = ["pipeline", "r2_read", "d1_write", "outbox"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Rates per kind (absent kinds never fire) and an optional seed for the per-isolate random sequence. */
export interface FaultPlan {
  rates: Partial<Record<FaultKind, number>>;
  seed: number | null;
  /** The variable as given: the per-isolate switch is cached under it. */
  source: string;
}

/** Environments where `FAULTS` may be set; anywhere else the Worker refuses to start. */
export const FAULT_ENVIRONMENTS = ["development", "test"] as const;

const rate = z.coerce.number().min(0, "rate must be between 0 and 1").max(1, "rate must be between 0 and 1");
const seed = z.coerce.number().int("seed must be an integer").min(0).max(2 ** 32 - 1);

/**
 * Parses `FAULTS`; an empty value means no faults (null). Issues name the offending entry.
 *
 * @example
 * parseFaultPlan("pipeline=0.3,d1_write=0.1,seed=7")
 * // → { ok: true, plan: { rates: { pipeline: 0.3, d1_write: 0.1 }, seed: 7, source: "pipeline=0.3,d1_write=0.1,seed=7" } }
 * parseFaultPlan("disk=0.5") // → { ok: false, issues: ['unknown fault "disk" (known: pipeline, r2_read, d1_write, outbox, seed)'] }
 */
export function parseFaultPlan(text: string): { ok: true; plan: FaultPlan | null } | { ok: false; issues: string[] } {
  const source = text.trim();
  if (!source) return { ok: true, plan: null };
  const rates: FaultPlan["rates"] = {};
  let seedValue: number | null = null;
  const issues: string[] = [];
  for (const entry of source.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [name, value, ...rest] = entry.split("=").map((p) => p.trim());
    if (value === undefined || value === "" || rest.length) {
      issues.push(`"${entry}" is not name=value`);
      continue;
    }
    const known = name === "seed" || (FAULT_KINDS as readonly string[]).includes(name);
    if (!known) {
      issues.push(`unknown fault "${name}" (known: ${[...FAULT_KINDS, "seed"].join(", ")})`);
      continue;
    }
    const parsed = (name === "seed" ? seed : rate).safeParse(value);
    if (!parsed.success || Number.isNaN(parsed.data)) {
      issues.push(`${name}: ${parsed.success ? "not a number" : parsed.error.issues[0].message}`);
      continue;
    }
    if (name === "seed") seedValue = parsed.data;
    else rates[name as FaultKind] = parsed.data;
  }
  return issues.length ? { ok: false, issues } : { ok: true, plan: { rates, seed: seedValue, source } };
}

/** The zod field for src/env.ts: an optional string that becomes a `FaultPlan` (or null when unset or empty). */
export const faultsField = z
  .string()
  .optional()
  .transform((text, ctx): FaultPlan | null => {
    const result = parseFaultPlan(text ?? "");
    if (result.ok) return result.plan;
    for (const message of result.issues) ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  });
