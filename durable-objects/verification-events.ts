/**
 * VerificationEvents: one instance per verification. It keeps the ordered list of the verification's status
 * events in SQLite and serves them as server-sent events: a subscriber first receives every stored event
 * after its `Last-Event-ID` (so nothing is missed between a GET and the stream), then each new one live.
 * The stream closes after a final status.
 *
 * Streams are bounded: at most `MAX_STREAMS_PER_VERIFICATION` open here and `MAX_STREAMS_PER_TENANT` across the
 * tenant (slots leased from the tenant's RateLimiter object, released on close, expiring on their own); a
 * stream with no event for `IDLE_MS` closes, and none stays open past `MAX_STREAM_MS`. A client resumes with
 * `Last-Event-ID`, and every resume is a new request, so its credentials and tenant are checked again.
 * Refusals are 429 responses with a JSON body `{scope, limit}` (see src/adapters/durable-objects/status-events.ts).
 */
import { DurableObject } from "cloudflare:workers";

import type { StatusEvent } from "../src/ports";

export type { StatusEvent } from "../src/ports";

const FINAL = new Set(["verified", "not_verified", "error"]);
const encoder = new TextEncoder();

function frame(event: StatusEvent): Uint8Array {
  return encoder.encode(`id: ${event.seq}\nevent: status\ndata: ${JSON.stringify(event)}\n\n`);
}

export const MAX_STREAMS_PER_VERIFICATION = 5;
export const MAX_STREAMS_PER_TENANT = 50;
export const IDLE_MS = 60_000;
export const MAX_STREAM_MS = 10 * 60_000;

interface Subscriber {
  tenantId: string | null;
  leaseId: string | null;
  idleMs: number;
  idle?: ReturnType<typeof setTimeout>;
  lifetime?: ReturnType<typeof setTimeout>;
}

/** A positive number from an internal header (the caller may shorten the timeouts, e.g. tests), else `fallback`. */
const positive = (value: string | null, fallback: number) => (value && Number(value) > 0 ? Math.min(Number(value), fallback) : fallback);

export class VerificationEvents extends DurableObject<Cloudflare.Env> {
  private subscribers = new Map<WritableStreamDefaultWriter<Uint8Array>, Subscriber>();
  /** Streams admitted but still waiting for their tenant slot, so concurrent opens cannot pass the cap. */
  private opening = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  /** Stores the event (idempotent per `seq`) and pushes it to live subscribers. */
  publish(event: StatusEvent): void {
    const inserted = this.ctx.storage.sql.exec("INSERT OR IGNORE INTO events (seq, body) VALUES (?, ?)", event.seq, JSON.stringify(event)).rowsWritten;
    if (!inserted) return;
    for (const [writer, sub] of this.subscribers) {
      writer.write(frame(event)).catch(() => this.drop(writer));
      if (FINAL.has(event.status)) this.drop(writer);
      else this.touch(writer, sub);
    }
  }

  list(afterSeq = 0): StatusEvent[] {
    return this.ctx.storage.sql
      .exec<{ body: string }>("SELECT body FROM events WHERE seq > ? ORDER BY seq", afterSeq)
      .toArray()
      .map((r) => JSON.parse(r.body) as StatusEvent);
  }

  /** Removes every stored event (erasure). */
  clear(): void {
    this.ctx.storage.sql.exec("DELETE FROM events");
    for (const writer of [...this.subscribers.keys()]) this.drop(writer);
  }

  /** Open streams here (for tests and health). */
  openStreams(): number {
    return this.subscribers.size;
  }

  private limiter(tenantId: string) {
    return this.env.RATE_LIMITER.get(this.env.RATE_LIMITER.idFromName(`tenant:${tenantId}`));
  }

  /** (Re)arms the idle timer: a stream without an event for its idle time ends, and the client resumes. */
  private touch(writer: WritableStreamDefaultWriter<Uint8Array>, sub: Subscriber) {
    if (sub.idle) clearTimeout(sub.idle);
    sub.idle = setTimeout(() => this.drop(writer), sub.idleMs);
  }

  private drop(writer: WritableStreamDefaultWriter<Uint8Array>) {
    const sub = this.subscribers.get(writer);
    if (!sub) return;
    this.subscribers.delete(writer);
    clearTimeout(sub.idle);
    clearTimeout(sub.lifetime);
    writer.close().catch(() => {});
    if (sub.tenantId && sub.leaseId) {
      // The lease also expires on its own, so a failed release only delays the slot's return.
      this.ctx.waitUntil(this.limiter(sub.tenantId).release(sub.leaseId).catch(() => {}));
    }
  }

  override async fetch(request: Request): Promise<Response> {
    const after = Number(request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("after") ?? 0) || 0;
    const tenantId = request.headers.get("X-Tenant-Id");
    const idleMs = positive(request.headers.get("X-Idle-Timeout-Ms"), IDLE_MS);
    const maxMs = positive(request.headers.get("X-Max-Stream-Ms"), MAX_STREAM_MS);
    const backlog = this.list(after);
    const finished = backlog.some((e) => FINAL.has(e.status));

    let leaseId: string | null = null;
    if (!finished) {
      if (this.subscribers.size + this.opening >= MAX_STREAMS_PER_VERIFICATION) {
        return Response.json({ scope: "verification", limit: MAX_STREAMS_PER_VERIFICATION }, { status: 429 });
      }
      if (tenantId) {
        this.opening++;
        try {
          leaseId = crypto.randomUUID();
          const lease = await this.limiter(tenantId).acquire("event-streams", leaseId, MAX_STREAMS_PER_TENANT, maxMs + 60_000);
          if (!lease.acquired) return Response.json({ scope: "tenant", limit: MAX_STREAMS_PER_TENANT }, { status: 429 });
        } finally {
          this.opening--;
        }
      }
    }

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    // A backlog written after the await above may include events published meanwhile: read it again.
    const events = leaseId ? this.list(after) : backlog;
    // Writes to a stream whose client has gone reject; that is the client's choice, not an error.
    const write = (bytes: Uint8Array) => writer.write(bytes).catch(() => this.drop(writer));
    void write(encoder.encode(`retry: 3000\n\n`));
    for (const event of events) void write(frame(event));
    if (finished || events.some((e) => FINAL.has(e.status))) {
      writer.close().catch(() => {});
      if (tenantId && leaseId) this.ctx.waitUntil(this.limiter(tenantId).release(leaseId).catch(() => {}));
    } else {
      void write(encoder.encode(": subscribed\n\n"));
      const sub: Subscriber = { tenantId, leaseId, idleMs };
      this.subscribers.set(writer, sub);
      this.touch(writer, sub);
      sub.lifetime = setTimeout(() => this.drop(writer), maxMs);
      // The client went away: its side of the stream is cancelled and the writer errors.
      writer.closed.then(
        () => this.drop(writer),
        () => this.drop(writer),
      );
    }
    return new Response(readable, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive" },
    });
  }
}
