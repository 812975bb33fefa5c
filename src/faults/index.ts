/**
 * The development-only fault switch (issue 15): `FAULTS` in the configuration turns it on; src/app/services.ts wraps
 * D1, the media store and the outbox publication with it, and the verification consumer checks `pipeline` before
 * each run. `npm run bench -- faults` proves every verification still reaches a final state.
 */
export { FAULT_ENVIRONMENTS, FAULT_KINDS, faultsField, parseFaultPlan } from "./plan";
export type { FaultKind, FaultPlan } from "./plan";
export { NO_FAULTS, createFaultSwitch, faultSwitchFor, mulberry32 } from "./switch";
export type { FaultSwitch } from "./switch";
export { faultyD1, faultyMedia, faultyPublication, isWriteStatement } from "./adapters";
export { InjectedFault } from "./injected-fault";
