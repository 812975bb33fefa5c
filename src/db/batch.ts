/**
 * One D1 batch (a single transaction: every statement commits or none does) from drizzle queries and raw `sql`
 * statements alike. drizzle's own `db.batch` cannot take raw statements, and guarded inserts are raw SQL.
 */
import type { SQLWrapper } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

const dialect = new SQLiteAsyncDialect();

/** Runs the statements as one D1 batch; returns D1's result per statement (rows in `results`, `meta.changes`). */
export async function runBatch(db: Db, statements: SQLWrapper[]): Promise<D1Result[]> {
  const client = db.$client;
  const prepared = statements.map((st) => {
    const q = dialect.sqlToQuery(st.getSQL());
    return client.prepare(q.sql).bind(...q.params);
  });
  return client.batch(prepared);
}
