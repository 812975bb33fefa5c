/**
 * Hot-path queries built once per isolate and D1 binding, bound per request.
 *
 * Building a query with drizzle walks the schema (`is()` checks, column lists, SQL chunks): for `GET
 * /v1/verifications/{id}` that was about 30 % of the Worker isolate's CPU profile (V8 sampling profiler under
 * Miniflare, see README.md, Benchmarks). A `preparedQuery` builds its SQL once with `sql.placeholder`s and keeps
 * drizzle's prepared statement and its row mapping; each call binds this request's values.
 *
 * @example
 * const byHash = preparedQuery("api_key_by_hash", (db) => db.select().from(apiKeys).where(eq(apiKeys.keyHash, sql.placeholder("hash"))).limit(1).prepare());
 * const [row] = await byHash(db).all({ hash });
 */
import type { Db } from "./client";

/** What drizzle's D1 prepared query offers: `all`/`get`/`run` with placeholder values. */
export interface Prepared<TAll> {
  all(values?: Record<string, unknown>): Promise<TAll>;
}

const cache = new WeakMap<Db, Map<string, unknown>>();

/** A query prepared once per drizzle client (one per D1 binding, see `createDb`) under `name`. */
export function preparedQuery<P extends Prepared<unknown>>(name: string, build: (db: Db) => P): (db: Db) => P {
  return (db) => {
    let byName = cache.get(db);
    if (!byName) cache.set(db, (byName = new Map()));
    let prepared = byName.get(name) as P | undefined;
    if (!prepared) byName.set(name, (prepared = build(db)));
    return prepared;
  };
}
