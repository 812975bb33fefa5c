/**
 * One image-heavy task at a time per isolate. A Worker isolate has 128 MB for the JS heap and every wasm memory
 * together, and one verification of 12 MP photos peaks at ~93 MB of it (`npm run bench -- memory`). The queue
 * consumer runs the messages of a batch one after another, but the platform may hand one isolate a second
 * consumer invocation, or an API request to the synchronous face routes, while the first is still running: two
 * decoded photo pairs side by side would not fit. So the verification pipeline and the face routes take this gate,
 * and a second task waits for the first (FIFO) instead of running beside it.
 *
 * A waiter gives up after `maxWaitMs` with {@link GateBusyError}: the queue retries the job later, a face route
 * answers 503 with Retry-After. A task that throws releases the gate like one that returns.
 *
 * The gate is shared by the requests of an isolate, so no request awaits a promise another one created (in workerd
 * that wait can last for ever once the other request ends: src/lib/deadline.ts). Each waiter waits on a promise of
 * its own, with a timer of its own; the holder hands the turn over by resolving the next waiter's promise, and workerd
 * runs that promise's continuations (the waiter's task and its I/O) in the waiter's own request, the one that created
 * it (workerd's `handle_cross_request_promise_resolution`, whose `no_` opt-out marks it a default; had the waiter's
 * request ended, they would be cancelled instead). So no I/O crosses requests here, unlike the shared runs that
 * src/lib/coalesce.ts replaced, where one request's I/O was started from another's continuation. A holder
 * whose request died mid-task never releases: after `maxHoldMs` the next arrival takes the turn from it (logged).
 */
import { log } from "./log";
import { waitAtMost } from "./deadline";

/** Thrown to a task that waited longer than it was allowed to. */
export class GateBusyError extends Error {
  constructor(waitedMs: number) {
    super(`another image-heavy task held this isolate for more than ${Math.round(waitedMs)} ms`);
    this.name = "GateBusyError";
  }
}

export interface Gate {
  /** Runs `task` once every earlier task of this gate has settled; rejects with GateBusyError after `maxWaitMs` of waiting. */
  run<T>(task: () => Promise<T>, maxWaitMs?: number): Promise<T>;
  /** Tasks running or waiting now. */
  readonly pending: number;
}

/** How long one task may hold the gate before the next arrival may take it (a 12 MP verification takes ~2 s). */
export const MAX_HOLD_MS = 120_000;

/**
 * A FIFO gate of one.
 *
 * @example
 * const gate = createGate();
 * await Promise.all([gate.run(() => decodeAndAnalyse(a)), gate.run(() => decodeAndAnalyse(b))]); // b starts after a settles
 */
export function createGate({ maxHoldMs = MAX_HOLD_MS, now = Date.now }: { maxHoldMs?: number; now?: () => number } = {}): Gate {
  /** The turn's owner (one token per `run`), or null when the gate is free. */
  let holder: symbol | null = null;
  let heldSince = 0;
  const waiters: { token: symbol; grant: () => void }[] = [];
  let pending = 0;

  const handOver = () => {
    const next = waiters.shift();
    holder = next?.token ?? null;
    heldSince = now();
    next?.grant();
  };

  return {
    get pending() {
      return pending;
    },
    async run<T>(task: () => Promise<T>, maxWaitMs = Number.POSITIVE_INFINITY): Promise<T> {
      const token = Symbol("turn");
      pending++;
      try {
        if (holder !== null && now() - heldSince > maxHoldMs) {
          log.warn("image_gate_taken_over", { held_ms: now() - heldSince, waiting: waiters.length });
          handOver();
        }
        if (holder === null) {
          holder = token;
          heldSince = now();
        } else {
          const waiter = { token, grant: () => {} };
          const granted = new Promise<void>((resolve) => (waiter.grant = resolve));
          waiters.push(waiter);
          const started = now();
          try {
            await waitAtMost(granted, maxWaitMs, () => new GateBusyError(now() - started));
          } catch (error) {
            // Granted at the very moment the timer fired: the turn is ours, so run rather than strand it.
            if (holder !== token) {
              waiters.splice(waiters.indexOf(waiter), 1);
              throw error;
            }
          }
        }
        try {
          return await task();
        } finally {
          // A holder whose turn was taken over (above) must not end its successor's.
          if (holder === token) handOver();
        }
      } finally {
        pending--;
      }
    },
  };
}

/** The isolate's image gate for decoding photos and running the face and OCR models. */
export const imageWork: Gate = createGate();
