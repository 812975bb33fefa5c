/**
 * RateLimiter: one instance per limited subject (a tenant, a client address, an account), holding any number of
 * named token buckets, each of `limit` tokens refilled continuously over `windowMs`. `takeAll()` takes one token
 * from every bucket named, or from none when any is empty, so a request is counted against its caller's bucket,
 * its tenant's and (for expensive routes) their lower budgets in one step. It runs without awaiting between read
 * and write, and a Durable Object handles one event at a time, so concurrent callers are counted exactly. State
 * lives in the object: in memory while it runs, and in its SQLite storage within a second of any change (written
 * behind by an alarm, `FLUSH_AFTER_MS`), so it survives eviction, which comes only after seconds of idleness. A crash
 * can lose at most that last second of counting. Writing every take through cost more than the rest of the call
 * under Miniflare, and in production each bucket write is a billed row written: two per API request.
 *
 * A bucket's size is the highest limit any caller declared for it within its window, not the calling caller's: the
 * tenant-wide bucket is asked for by keys of different limits and by users, and sizing it per call clipped its tokens
 * to the smaller size whenever a smaller caller came by (a console user's click left a 100,000/min key 3,000 tokens).
 * A larger declaration that stops arriving lapses after one window, and the bucket shrinks back. Declarations are
 * stored with their bucket, so an object rebuilt after eviction keeps them.
 *
 * A tenant's object also knows which of the tenant's API keys were revoked (`revoke`), and `takeAll` with the calling
 * key refuses a revoked key before taking anything. Isolates cache a key's immutable facts (tenant, scopes, mode,
 * limit) after one D1 read, so this check — in the call every request makes anyway — is what makes a revocation
 * apply to the very next request everywhere (src/identity/api-keys.ts).
 */
import { DurableObject } from "cloudflare:workers";

import type { BucketRequest, RateLimitResult } from "../src/ports";

export type { BucketRequest, RateLimitResult } from "../src/ports";

/** A bucket's window when its request names none (`BucketRequest.windowMs`). */
const DEFAULT_WINDOW_MS = 60_000;

/** Pure token-bucket step, exported for unit tests. */
export function takeToken(
  state: { tokens: number; updatedMs: number } | null,
  limit: number,
  windowMs: number,
  nowMs: number,
): { state: { tokens: number; updatedMs: number }; result: RateLimitResult } {
  const ratePerMs = limit / windowMs;
  const prev = state ?? { tokens: limit, updatedMs: nowMs };
  const elapsed = Math.max(0, nowMs - prev.updatedMs);
  let tokens = Math.min(limit, prev.tokens + elapsed * ratePerMs);
  const allowed = tokens >= 1;
  if (allowed) tokens -= 1;
  const resetSeconds = Math.ceil((limit - tokens) / ratePerMs / 1000);
  const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000));
  return {
    state: { tokens, updatedMs: nowMs },
    result: { allowed, limit, remaining: Math.floor(tokens), resetSeconds, retryAfterSeconds },
  };
}


type BucketState = { tokens: number; updatedMs: number };

/** Pure all-or-nothing step over several buckets, exported for unit tests. */
export function takeTokens(
  states: Map<string, BucketState>,
  requests: BucketRequest[],
  nowMs: number,
): { updates: Map<string, BucketState>; result: RateLimitResult } {
  const steps = requests.map((r) => ({ name: r.name, ...takeToken(states.get(r.name) ?? null, r.limit, r.windowMs ?? DEFAULT_WINDOW_MS, nowMs) }));
  const refused = steps.filter((s) => !s.result.allowed);
  if (refused.length) {
    const worst = refused.reduce((a, b) => (b.result.retryAfterSeconds > a.result.retryAfterSeconds ? b : a));
    return { updates: new Map(), result: { ...worst.result, bucket: worst.name } };
  }
  const tightest = steps.reduce((a, b) => (b.result.remaining < a.result.remaining ? b : a));
  return { updates: new Map(steps.map((s) => [s.name, s.state])), result: { ...tightest.result, bucket: tightest.name } };
}

type Declared = { limit: number; atMs: number };

/**
 * The limit each request's bucket is counted at: the highest declared for that bucket within its window (`declared`,
 * updated in place), so callers of different limits sharing a bucket see one size. Exported for unit tests.
 */
export function declaredLimits(declared: Map<string, Declared>, requests: BucketRequest[], nowMs: number): BucketRequest[] {
  return requests.map((r) => {
    const held = declared.get(r.name);
    if (held && held.limit > r.limit && nowMs - held.atMs < (r.windowMs ?? DEFAULT_WINDOW_MS)) return { ...r, limit: held.limit };
    declared.set(r.name, { limit: r.limit, atMs: nowMs });
    return r;
  });
}

/** How long a changed bucket may live only in memory before the alarm writes it to storage. */
export const FLUSH_AFTER_MS = 1_000;

export class RateLimiter extends DurableObject {
  private readonly buckets = new Map<string, BucketState | null>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private readonly revoked: Set<string>;
  /**
   * Per bucket, the highest limit declared within its window (see `declaredLimits`); written behind with the bucket, so
   * an object rebuilt after eviction keeps the size a larger caller gave the bucket until that declaration lapses.
   */
  private readonly declared = new Map<string, Declared>();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL)");
    // Objects created before the declared sizes were stored get the two columns (null: nothing declared).
    const columns = new Set(ctx.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('buckets')").toArray().map((c) => c.name));
    if (!columns.has("declared_limit")) ctx.storage.sql.exec("ALTER TABLE buckets ADD COLUMN declared_limit INTEGER");
    if (!columns.has("declared_ms")) ctx.storage.sql.exec("ALTER TABLE buckets ADD COLUMN declared_ms INTEGER");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, grp TEXT NOT NULL, expires_ms INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS revoked (id TEXT PRIMARY KEY, revoked_ms INTEGER NOT NULL)");
    this.revoked = new Set(ctx.storage.sql.exec<{ id: string }>("SELECT id FROM revoked").toArray().map((r) => r.id));
  }

  /**
   * Holds one of `max` concurrent slots of `group` (e.g. a tenant's open event streams) until `release(id)`, or
   * until `ttlMs` has passed, so a holder that dies without releasing frees its slot anyway.
   */
  acquire(group: string, id: string, max: number, ttlMs: number): { acquired: boolean; held: number } {
    const now = Date.now();
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE expires_ms <= ?", now);
    const held = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases WHERE grp = ?", group).one().n;
    if (held >= max) return { acquired: false, held };
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO leases (id, grp, expires_ms) VALUES (?, ?, ?)", id, group, now + ttlMs);
    return { acquired: true, held: held + 1 };
  }

  release(id: string): void {
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE id = ?", id);
  }

  /**
   * One token from every bucket in `requests`, or none (see `takeTokens`). With `credential` (the calling API key's
   * id), a key revoked here is refused (`revoked: true`) and nothing is taken.
   */
  takeAll(requests: BucketRequest[], credential?: string): RateLimitResult {
    if (credential !== undefined && this.revoked.has(credential)) {
      return { allowed: false, revoked: true, limit: 0, remaining: 0, resetSeconds: 0, retryAfterSeconds: 0 };
    }
    const now = Date.now();
    const states = new Map<string, BucketState>();
    for (const r of requests) {
      const state = this.bucket(r.name); // loads the bucket's stored declaration too, before it is sized
      if (state) states.set(r.name, state);
    }
    const sized = declaredLimits(this.declared, requests, now);
    const { updates, result } = takeTokens(states, sized, now);
    for (const [name, state] of updates) {
      this.buckets.set(name, state);
      this.dirty.add(name);
    }
    if (this.dirty.size && !this.flushScheduled) {
      this.flushScheduled = true;
      void this.ctx.storage.setAlarm(Date.now() + FLUSH_AFTER_MS);
    }
    return result;
  }

  /** Writes the buckets changed since the last flush, each with its declared size. */
  override alarm(): void {
    this.flushScheduled = false;
    for (const name of this.dirty) {
      const state = this.buckets.get(name);
      if (!state) continue;
      const declared = this.declared.get(name);
      this.ctx.storage.sql.exec(
        `INSERT INTO buckets (name, tokens, updated_ms, declared_limit, declared_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms,
           declared_limit = excluded.declared_limit, declared_ms = excluded.declared_ms`,
        name,
        state.tokens,
        state.updatedMs,
        declared?.limit ?? null,
        declared?.atMs ?? null,
      );
    }
    this.dirty.clear();
  }

  /** Marks credentials (API key ids) revoked for good: `takeAll` with any of them is refused from now on. */
  revoke(ids: string[]): void {
    const now = Date.now();
    for (const id of ids) {
      this.ctx.storage.sql.exec("INSERT OR IGNORE INTO revoked (id, revoked_ms) VALUES (?, ?)", id, now);
      this.revoked.add(id);
    }
  }

  private bucket(name: string): BucketState | null {
    const cached = this.buckets.get(name);
    if (cached !== undefined) return cached;
    const row = this.ctx.storage.sql
      .exec<{ tokens: number; updated_ms: number; declared_limit: number | null; declared_ms: number | null }>(
        "SELECT tokens, updated_ms, declared_limit, declared_ms FROM buckets WHERE name = ?",
        name,
      )
      .toArray()[0];
    const state = row ? { tokens: row.tokens, updatedMs: row.updated_ms } : null;
    if (row?.declared_limit != null && row.declared_ms != null && !this.declared.has(name)) {
      this.declared.set(name, { limit: row.declared_limit, atMs: row.declared_ms });
    }
    this.buckets.set(name, state);
    return state;
  }

  /** The object's single default bucket. */
  take(limit: number, windowMs = DEFAULT_WINDOW_MS): RateLimitResult {
    return this.takeAll([{ name: "", limit, windowMs }]);
  }
}
