/**
 * Batching of per-item catch-up work (publishing the outbox rows of verifications just committed, sealing the audit rows
 * of tenants just written) across the requests of one isolate, without ever sharing a promise between requests.
 *
 * workerd ties every promise to the request whose I/O settles it: a run started by one request and continued (or
 * awaited and then followed by I/O) in another fails with "Cannot perform I/O on behalf of a different request", or
 * waits for ever when the first request ends. An earlier version chained each caller's run onto the run in flight, and
 * under sustained load a fifth of the publications failed that way (bench/api, 2026-12-05). So here only plain data is
 * shared:
 * - a caller finding no run in flight becomes the leader: it runs the task for its item, then again for every item
 *   that arrived meanwhile, until none is left — all in its own request;
 * - a caller finding a run in flight adds its item and polls, on its own timers, until the leader has run it (its data
 *   was committed before it called, and the leader's next round starts after that, so it cannot be missed);
 * - a leader silent for longer than `waitMs` (its request ended or was cancelled mid-run) is presumed lost: a waiting
 *   caller takes its items over and becomes the leader. The work must be idempotent, as catch-up work is: a slow
 *   leader and its successor may overlap.
 * - rounds start at least `spacingMs` apart, so under load a round takes every item of the last `spacingMs` at once:
 *   a caller after a quiet spell is run at once, and a sustained stream costs one round per `spacingMs`, not one per
 *   round trip;
 * - a leader hands over after `maxLeadMs` (its own item long done): its request, kept open by the rounds it runs for
 *   others, would otherwise grow for as long as the load lasts, and the platform ends the work a request may do after
 *   its response (30 s on Workers). It stops leading, and the next waiting caller to look leads.
 * N concurrent callers cost about two runs, not N. A round's outcome waits for its caller to pick it up; one nobody
 * picked up within `waitMs` (its caller's request was cancelled while it waited) is dropped at the next round.
 *
 * @example
 * const flush = batching((ids: string[]) => publishRowsOf(ids));
 * await Promise.all([flush("ver_1"), flush("ver_2"), flush("ver_3")]); // runs [ver_1], then [ver_2, ver_3]
 */

/** How long a leader may go without finishing a round before a waiting caller takes over. */
export const SHARED_RUN_WAIT_MS = 15_000;
/**
 * How often a waiting caller looks whether its item was run. The leader runs every waiting item whatever the callers
 * do, so this only sets how long a caller's own request stays open after its item is done, and what the waiting costs:
 * every look is a timer, and at 5 ms the looks of ~15 waiting callers cost POST a fifth of its throughput under
 * Miniflare (medians of six 10 s runs on two fresh processes: 375 req/s against 465 at 50 ms, and 514 with callers not waiting at all).
 */
export const POLL_MS = 50;
/**
 * The least time between the starts of two rounds (of any leader). Publishing a round costs two D1 round trips whatever
 * its size; back to back under sustained POST load rounds held ~4 items, 50 ms apart they hold every item of those 50 ms
 * (~20 at 400 POST/s), for ~26 % more POST throughput under Miniflare (README, Benchmarks, api: stop 32). An event waits
 * at most this long more to be published, and only while others are being published. Must stay well under `waitMs`,
 * or a leader waiting out the spacing would look lost.
 */
export const ROUND_SPACING_MS = 50;
/** How long one caller leads before handing over (see the module comment). */
export const MAX_LEAD_MS = 5_000;

export interface BatchingOptions {
  /** See SHARED_RUN_WAIT_MS. */
  waitMs?: number;
  pollMs?: number;
  /** See ROUND_SPACING_MS. */
  spacingMs?: number;
  /** See MAX_LEAD_MS. */
  maxLeadMs?: number;
  now?: () => number;
}

export interface Batched<T, R> {
  (item: T): Promise<R>;
  /** Outcomes run but not yet picked up by their callers (bounded: see the module comment). */
  readonly unclaimed: number;
}

type Outcome<R> = ({ ok: true; value: R } | { ok: false; error: unknown }) & { at: number };

export function batching<T, R>(task: (items: T[]) => Promise<R>, { waitMs = SHARED_RUN_WAIT_MS, pollMs = POLL_MS, spacingMs = ROUND_SPACING_MS, maxLeadMs = MAX_LEAD_MS, now = Date.now }: BatchingOptions = {}): Batched<T, R> {
  /** Items waiting for the next round. */
  let waiting = new Set<T>();
  /** Outcome of the round that ran each item, until its caller picks it up. */
  const outcomes = new Map<T, Outcome<R>>();
  /** The leader's token and when its current round started; null when no run is in flight. */
  let leader: { token: object; roundStartedAt: number } | null = null;
  /** When the last round (of any leader) started: the next starts spacingMs later at the earliest. */
  let lastRoundStart = -Infinity;

  const lead = async (token: object, own: T): Promise<R> => {
    const ledSince = now();
    let rounds = 0;
    while (waiting.size && leader?.token === token) {
      if (rounds > 0 && now() - ledSince >= maxLeadMs) break;
      const gap = lastRoundStart + spacingMs - now();
      if (gap > 0) {
        await new Promise((resolve) => setTimeout(resolve, gap));
        if (leader?.token !== token) break;
      }
      const items = [...waiting];
      waiting = new Set();
      rounds++;
      const startedAt = (lastRoundStart = leader.roundStartedAt = now());
      // A waiting caller looks every pollMs, so an outcome older than waitMs has no caller left to take it.
      for (const [item, outcome] of outcomes) if (startedAt - outcome.at > waitMs) outcomes.delete(item);
      let outcome: Outcome<R>;
      try {
        outcome = { ok: true, value: await task(items), at: now() };
      } catch (error) {
        outcome = { ok: false, error, at: now() };
      }
      for (const item of items) outcomes.set(item, outcome);
    }
    if (leader?.token === token) leader = null;
    return settle(own);
  };

  const settle = (item: T): R => {
    const outcome = outcomes.get(item);
    outcomes.delete(item);
    if (!outcome) throw new Error("batching: the item's round was lost");
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  };

  const run = async (item: T): Promise<R> => {
    waiting.add(item);
    outcomes.delete(item);
    for (;;) {
      if (!leader || now() - leader.roundStartedAt > waitMs) {
        // No run in flight, or its leader is presumed lost: lead (the lost leader's waiting items included).
        const token = {};
        leader = { token, roundStartedAt: now() };
        if (!waiting.has(item) && !outcomes.has(item)) waiting.add(item);
        return lead(token, item);
      }
      if (outcomes.has(item)) return settle(item);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  return Object.defineProperty(run, "unclaimed", { get: () => outcomes.size }) as Batched<T, R>;
}
