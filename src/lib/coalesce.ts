/**
 * Coalescing of idempotent "catch up" work per key (sealing a tenant's pending audit rows): a call runs the task now,
 * or, when a run for the key is in flight, once more after it — and every caller that arrives before that next run
 * starts shares it. A caller's own data was committed before it called, so the run in flight may have missed it
 * (it may have read already), but the next one cannot. N concurrent callers cost at most two runs, not N.
 *
 * The runs are shared by the requests of an isolate, and in workerd a run started by one request can stay pending
 * for ever when that request ends or is cancelled mid-run (src/lib/deadline.ts). So every caller waits at most
 * `waitMs` (then it gets a WaitTimeoutError: its data stays committed for the next run or the cron to pick up), and a
 * run in flight for longer than that is presumed lost: the next caller starts a fresh one instead of queueing
 * behind it. The work must be idempotent, as catch-up work is: a slow run and its replacement may overlap.
 */
import { WaitTimeoutError, waitAtMost } from "./deadline";

/** How long a caller waits for a shared run, and how old a run in flight may be before a caller stops joining it. */
export const SHARED_RUN_WAIT_MS = 15_000;

export interface SharingOptions {
  /** See SHARED_RUN_WAIT_MS. */
  waitMs?: number;
  now?: () => number;
}

interface Flight {
  running: Promise<void>;
  startedAt: number;
  next: Promise<void> | null;
}

/**
 * Wraps `task` so that calls for the same key coalesce as described above. The state lives in the returned function
 * (one per isolate and binding set when the caller is cached so).
 *
 * @example
 * const seal = coalescing((tenantId: string) => chain(tenantId).seal());
 * await Promise.all([seal("ten_1"), seal("ten_1"), seal("ten_1")]); // two seals of ten_1, each caller's rows covered
 */
export function coalescing(task: (key: string) => Promise<void>, { waitMs = SHARED_RUN_WAIT_MS, now = Date.now }: SharingOptions = {}): (key: string) => Promise<void> {
  const flights = new Map<string, Flight>();
  const settled = (key: string, flight: Flight, run: Promise<void>) => {
    if (flights.get(key) === flight && flight.running === run && !flight.next) flights.delete(key);
  };
  const share = (key: string): Promise<void> => {
    let flight = flights.get(key);
    // Presumed lost (see above): start afresh rather than queue behind it.
    if (flight && now() - flight.startedAt > waitMs) {
      flights.delete(key);
      flight = undefined;
    }
    if (!flight) {
      const fresh: Flight = { running: Promise.resolve(), startedAt: now(), next: null };
      const running: Promise<void> = task(key).finally(() => settled(key, fresh, running));
      fresh.running = running;
      flights.set(key, fresh);
      return running;
    }
    if (flight.next) return flight.next;
    const current = flight;
    const next: Promise<void> = current.running
      .catch(() => undefined)
      .then(() => {
        current.running = next;
        current.startedAt = now();
        current.next = null;
        return task(key);
      })
      .finally(() => settled(key, current, next));
    current.next = next;
    return next;
  };
  return (key) => waitAtMost(share(key), waitMs, () => new WaitTimeoutError(`the shared run for ${key}`, waitMs));
}

/**
 * Batching of per-item catch-up work (publishing the outbox rows of verifications just committed): a call runs the
 * task at once for its item alone, or, when a run is in flight, joins the next run, which starts when that one
 * settles and takes every item that joined meanwhile. As with `coalescing`, each caller committed before it called
 * and its run starts after the call, so it cannot miss the caller's data; N concurrent callers cost two runs, not N.
 * A caller gets its run's result, which covers every item of that run. Waits are bounded as with `coalescing`: a run
 * in flight for longer than `waitMs` is passed by, and the next run takes its successor's items as well.
 *
 * @example
 * const flush = batching((ids: string[]) => publishRowsOf(ids));
 * await Promise.all([flush("ver_1"), flush("ver_2"), flush("ver_3")]); // runs [ver_1], then [ver_2, ver_3]
 */
export function batching<T, R>(task: (items: T[]) => Promise<R>, { waitMs = SHARED_RUN_WAIT_MS, now = Date.now }: SharingOptions = {}): (item: T) => Promise<R> {
  let inFlight: { run: Promise<R>; startedAt: number } | null = null;
  let queued: { items: Set<T>; run: Promise<R> } | null = null;
  const launch = (items: T[]): Promise<R> => {
    let run: Promise<R>;
    try {
      run = task(items);
    } catch (err) {
      run = Promise.reject(err);
    }
    const flight = { run, startedAt: now() };
    inFlight = flight;
    const settled = () => {
      if (inFlight === flight) inFlight = null;
    };
    run.then(settled, settled);
    return run;
  };
  const share = (item: T): Promise<R> => {
    if (inFlight && now() - inFlight.startedAt > waitMs) {
      // Presumed lost: run now, with the items that were queued behind it (their callers' waits will run out).
      const items = new Set<T>(queued?.items);
      items.add(item);
      inFlight = null;
      queued = null;
      return launch([...items]);
    }
    if (queued) {
      queued.items.add(item);
      return queued.run;
    }
    if (!inFlight) return launch([item]);
    const entry = { items: new Set<T>([item]), run: Promise.resolve() as Promise<R> };
    entry.run = inFlight.run
      .catch(() => undefined)
      .then(() => {
        // Not if the items were passed on to a fresh run meanwhile (above).
        if (queued !== entry) return Promise.reject(new WaitTimeoutError("a batch passed by as lost", waitMs));
        queued = null;
        return launch([...entry.items]);
      });
    queued = entry;
    return entry.run;
  };
  return (item) => waitAtMost(share(item), waitMs, () => new WaitTimeoutError("the shared batch run", waitMs));
}
