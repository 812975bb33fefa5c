/**
 * Wrappers that put the fault switch in front of a binding or a port, so the code under them fails the way the
 * platform would and nothing else changes. Domain-free: they know operations, not verifications.
 *
 *  - `faultyD1`: a D1Database whose writes fail. A non-SELECT statement's `run/all/first/raw`, or a `batch` holding
 *    one, rejects BEFORE anything reaches D1, so a failed write never half-happens (a D1 batch is atomic anyway).
 *    drizzle and `runBatch` call exactly these methods, so they see a failing D1. Reads pass through.
 *  - `faultyMedia`: a MediaStore whose `get`/`open` reject after a delay, as an R2 read timing out would.
 *  - `faultyPublication`: the outbox's per-row fan-out rejects, as a queue send that failed would; `d1Outbox` then
 *    leaves the row unpublished (attempts + 1) for the next flush or the minute cron.
 */
import type { MediaStore } from "../ports";
import { InjectedFault } from "./injected-fault";
import type { FaultSwitch } from "./switch";

/** Statements that change the database: the ones a `d1_write` fault refuses. CTE-led writes are not recognised. */
const WRITE = /^\s*(?:--[^\n]*\n\s*)*(insert|update|delete|replace|create|drop|alter)\b/i;

/**
 * Whether D1 would write for this SQL text.
 *
 * @example
 * isWriteStatement('insert into "users" ("id") values (?)') // → true
 * isWriteStatement('select "id" from "users"')              // → false
 */
export const isWriteStatement = (sql: string) => WRITE.test(sql);

/** The real statement behind a wrapped one (so `batch` hands D1 its own objects) and whether it writes. */
const wrappedStatements = new WeakMap<object, { real: D1PreparedStatement; write: boolean }>();

function wrapStatement(statement: D1PreparedStatement, sql: string, refuse: (operation: string) => Error | null): D1PreparedStatement {
  const write = isWriteStatement(sql);
  const wrapped = new Proxy(statement, {
    get(target, prop) {
      if (prop === "bind") return (...values: unknown[]) => wrapStatement(target.bind(...values), sql, refuse);
      if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") {
        return (...args: unknown[]) => {
          const fault = write ? refuse(prop) : null;
          if (fault) return Promise.reject(fault);
          return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  wrappedStatements.set(wrapped, { real: statement, write });
  return wrapped;
}

/**
 * `db` with writes failing as `faults` decides (kind `d1_write`, one decision per write statement or batch).
 *
 * @example
 * const db = createDb(faultyD1(env.DB, faultSwitchFor(config.FAULTS)));
 */
export function faultyD1(db: D1Database, faults: FaultSwitch): D1Database {
  const refuse = (operation: string) => (faults.fires("d1_write", operation) ? new InjectedFault(`d1_write: ${operation}`) : null);
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => wrapStatement(target.prepare(sql), sql, refuse);
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          const fault = statements.some((st) => wrappedStatements.get(st)?.write) ? refuse("batch") : null;
          if (fault) return Promise.reject(fault);
          return target.batch(statements.map((st) => wrappedStatements.get(st)?.real ?? st));
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `media` with reads timing out as `faults` decides (kind `r2_read`): the read waits `delayMs`, then rejects.
 *
 * @example
 * const media = faultyMedia(r2MediaStore(env.MEDIA), faultSwitchFor(config.FAULTS));
 */
export function faultyMedia(media: MediaStore, faults: FaultSwitch, delayMs = 200): MediaStore {
  const timedOut = async (operation: string) => {
    if (!faults.fires("r2_read", operation)) return;
    await sleep(delayMs);
    throw new InjectedFault(`r2_read: R2 ${operation} timed out`);
  };
  return {
    ...media,
    async get(key) {
      await timedOut("get");
      return media.get(key);
    },
    async open(key) {
      await timedOut("open");
      return media.open(key);
    },
  };
}

/**
 * The outbox's publication step with failures as `faults` decides (kind `outbox`, one decision per row published).
 *
 * @example
 * d1Outbox(db, statusEvents, clock, (known) => faultyPublication(fanOutRun(db, webhooks, () => clock.now(), known), faults));
 */
export function faultyPublication<Row>(publish: (row: Row) => Promise<unknown>, faults: FaultSwitch): (row: Row) => Promise<unknown> {
  return async (row) => {
    faults.check("outbox", "publish");
    return publish(row);
  };
}
