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
