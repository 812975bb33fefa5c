/**
 * Coalescing of idempotent "catch up" work per key (sealing a tenant's pending audit rows): a call runs the task now,
 * or, when a run for the key is in flight, once more after it — and every caller that arrives before that next run
 * starts shares it. A caller's own data was committed before it called, so the run in flight may have missed it
 * (it may have read already), but the next one cannot. N concurrent callers cost at most two runs, not N.
 */

interface Flight {
  running: Promise<void>;
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
export function coalescing(task: (key: string) => Promise<void>): (key: string) => Promise<void> {
  const flights = new Map<string, Flight>();
  const settled = (key: string, flight: Flight, run: Promise<void>) => {
    if (flights.get(key) === flight && flight.running === run && !flight.next) flights.delete(key);
  };
  return (key) => {
    const flight = flights.get(key);
    if (!flight) {
      const fresh: Flight = { running: Promise.resolve(), next: null };
      const running: Promise<void> = task(key).finally(() => settled(key, fresh, running));
      fresh.running = running;
      flights.set(key, fresh);
      return running;
    }
    if (flight.next) return flight.next;
    const next: Promise<void> = flight.running
      .catch(() => undefined)
      .then(() => {
        flight.running = next;
        flight.next = null;
        return task(key);
      })
      .finally(() => settled(key, flight, next));
    flight.next = next;
    return next;
  };
}

/**
 * Batching of per-item catch-up work (publishing the outbox rows of verifications just committed): a call runs the
 * task at once for its item alone, or, when a run is in flight, joins the next run, which starts when that one
 * settles and takes every item that joined meanwhile. As with `coalescing`, each caller committed before it called
 * and its run starts after the call, so it cannot miss the caller's data; N concurrent callers cost two runs, not N.
 * A caller gets its run's result, which covers every item of that run.
 *
 * @example
 * const flush = batching((ids: string[]) => publishRowsOf(ids));
 * await Promise.all([flush("ver_1"), flush("ver_2"), flush("ver_3")]); // runs [ver_1], then [ver_2, ver_3]
 */
export function batching<T, R>(task: (items: T[]) => Promise<R>): (item: T) => Promise<R> {
  let inFlight: Promise<R> | null = null;
  let queued: { items: Set<T>; run: Promise<R> } | null = null;
  const launch = (items: T[]): Promise<R> => {
    let run: Promise<R>;
    try {
      run = task(items);
    } catch (err) {
      run = Promise.reject(err);
    }
    inFlight = run;
    const settled = () => {
      if (inFlight === run) inFlight = null;
    };
    run.then(settled, settled);
    return run;
  };
  return (item) => {
    if (queued) {
      queued.items.add(item);
      return queued.run;
    }
    if (!inFlight) return launch([item]);
    const items = new Set<T>([item]);
    const run = inFlight
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return launch([...items]);
      });
    queued = { items, run };
    return run;
  };
}
