/**
 * The fault switch: decides, per operation, whether an injected failure fires. Decisions come from a seeded PRNG
 * (mulberry32) whose state lives for the isolate: the Worker builds its services per request or batch, so a switch
 * made per request would replay the same first few numbers forever. With `seed=N` in FAULTS an isolate's sequence
 * is reproducible; without it the seed comes from Math.random once per isolate. Either way decisions across
 * isolates and concurrent requests interleave, so a run is reproducible in its rates, not in which request failed.
 *
 * Every fault that fires logs `{"event":"fault_injected","kind":…}` (no ids of people, only the kind and the
 * operation), which is how the faults bench counts them.
 */
import { log } from "../lib/log";
import { InjectedFault } from "./injected-fault";
import type { FaultKind, FaultPlan } from "./plan";

export interface FaultSwitch {
  /** True when a fault of `kind` fires now (and logs it). */
  fires(kind: FaultKind, operation: string): boolean;
  /** Throws an InjectedFault when a fault of `kind` fires now. */
  check(kind: FaultKind, operation: string): void;
}

/** A switch that never fires: what services get when FAULTS is unset. */
export const NO_FAULTS: FaultSwitch = { fires: () => false, check: () => undefined };

/**
 * A small, fast PRNG with a 32-bit state; good enough to draw failure decisions, not for anything secret.
 *
 * @example
 * const next = mulberry32(7);
 * next(); // → a number in [0, 1), the same first number for every mulberry32(7)
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A switch over `plan` drawing from `random`.
 *
 * @example
 * const faults = createFaultSwitch({ rates: { d1_write: 1 }, seed: 1, source: "d1_write=1,seed=1" });
 * faults.check("d1_write", "run"); // throws InjectedFault("d1_write: run")
 * faults.check("pipeline", "run"); // never throws: pipeline has no rate
 */
export function createFaultSwitch(plan: FaultPlan, random: () => number = mulberry32(plan.seed ?? Math.floor(Math.random() * 2 ** 32))): FaultSwitch {
  const fires = (kind: FaultKind, operation: string) => {
    const rate = plan.rates[kind] ?? 0;
    if (rate <= 0 || random() >= rate) return false;
    log.warn("fault_injected", { kind, operation });
    return true;
  };
  return {
    fires,
    check(kind, operation) {
      if (fires(kind, operation)) throw new InjectedFault(`${kind}: ${operation}`);
    },
  };
}

const perIsolate = new Map<string, FaultSwitch>();

/**
 * The isolate's switch for `plan` (one per distinct FAULTS value), or NO_FAULTS when the plan is null.
 *
 * @example
 * faultSwitchFor(loadConfig(env).FAULTS).check("pipeline", "run");
 */
export function faultSwitchFor(plan: FaultPlan | null | undefined): FaultSwitch {
  if (!plan) return NO_FAULTS;
  let sw = perIsolate.get(plan.source);
  if (!sw) {
    sw = createFaultSwitch(plan);
    perIsolate.set(plan.source, sw);
  }
  return sw;
}
