/**
 * RateLimiter: one instance per limited subject (an API key, or a client IP for login/register).
 * A token bucket of `limit` tokens refilled continuously over `windowMs`. `take()` runs without awaiting
 * between read and write, and a Durable Object handles one event at a time, so concurrent callers are
 * counted exactly. State lives in the object's SQLite storage, so it survives eviction.
 */
import { DurableObject } from "cloudflare:workers";

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available (0 when allowed). */
  retryAfterSeconds: number;
}

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

export class RateLimiter extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, updated_ms INTEGER NOT NULL)");
  }

  take(limit: number, windowMs = 60_000): RateLimitResult {
    const row = this.ctx.storage.sql.exec<{ tokens: number; updated_ms: number }>("SELECT tokens, updated_ms FROM bucket WHERE id = 1").toArray()[0];
    const { state, result } = takeToken(row ? { tokens: row.tokens, updatedMs: row.updated_ms } : null, limit, windowMs, Date.now());
    this.ctx.storage.sql.exec(
      "INSERT INTO bucket (id, tokens, updated_ms) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms",
      state.tokens,
      state.updatedMs,
    );
    return result;
  }
}
