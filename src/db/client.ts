/** The drizzle client over D1: one per D1 binding object (building one extracts the schema's relations, which costs). */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const build = (d1: D1Database) => drizzle(d1, { schema });
const clients = new WeakMap<D1Database, ReturnType<typeof build>>();

export function createDb(d1: D1Database) {
  let db = clients.get(d1);
  if (!db) clients.set(d1, (db = build(d1)));
  return db;
}

export type Db = ReturnType<typeof createDb>;
