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
 */

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

/**
 * A FIFO gate of one.
 *
 * @example
 * const gate = createGate();
 * await Promise.all([gate.run(() => decodeAndAnalyse(a)), gate.run(() => decodeAndAnalyse(b))]); // b starts after a settles
 */
export function createGate(): Gate {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    get pending() {
      return pending;
    },
    async run<T>(task: () => Promise<T>, maxWaitMs = Number.POSITIVE_INFINITY): Promise<T> {
      const before = tail;
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      // The next task waits for this one's turn to end, whether it ran, threw or gave up waiting.
      tail = before.then(() => done);
      pending++;
      try {
        await waitAtMost(before, maxWaitMs);
      } catch (error) {
        // Gave up: the slot passes on as soon as the task ahead settles.
        void before.then(release);
        pending--;
        throw error;
      }
      try {
        return await task();
      } finally {
        pending--;
        release();
      }
    },
  };
}

function waitAtMost(promise: Promise<void>, maxWaitMs: number): Promise<void> {
  if (!Number.isFinite(maxWaitMs)) return promise;
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GateBusyError(Date.now() - started)), maxWaitMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The isolate's gate for decoding photos and running the face and OCR models. */
export const imageWork: Gate = createGate();
