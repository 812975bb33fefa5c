/**
 * Waiting on work another request started, safely. In workerd every promise belongs to the request (the IoContext)
 * whose code or I/O created it, and a request that ends or is cancelled takes its pending I/O and continuations with
 * it: a promise that was to be settled by that I/O then stays pending for ever, and so does every other request
 * awaiting it. So when an isolate shares work across requests (src/lib/gate.ts), each waiter bounds its wait with a
 * timer of its own, which fires in its own request whatever happened to the other one. (Batched publication,
 * src/lib/coalesce.ts, shares no promise at all: I/O continued from another request's promise also fails outright.)
 */

/**
 * Settles as `promise` does, or rejects with `onTimeout()` once `ms` have passed (never, for an infinite `ms`).
 *
 * @example
 * await waitAtMost(granted, maxWaitMs, () => new GateBusyError(now() - started)); // src/lib/gate.ts
 */
export function waitAtMost<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
