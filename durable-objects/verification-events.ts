/**
 * VerificationEvents: one instance per verification. It keeps the ordered list of the verification's status
 * events in SQLite and serves them as server-sent events: a subscriber first receives every stored event
 * after its `Last-Event-ID` (so nothing is missed between a GET and the stream), then each new one live.
 * The stream closes after a final status.
 */
import { DurableObject } from "cloudflare:workers";

export interface StatusEvent {
  seq: number;
  verification_id: string;
  from: string | null;
  status: string;
  reason: string | null;
  at: string;
}

const FINAL = new Set(["verified", "not_verified", "error"]);
const encoder = new TextEncoder();

function frame(event: StatusEvent): Uint8Array {
  return encoder.encode(`id: ${event.seq}\nevent: status\ndata: ${JSON.stringify(event)}\n\n`);
}

export class VerificationEvents extends DurableObject {
  private subscribers = new Set<WritableStreamDefaultWriter<Uint8Array>>();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  /** Stores the event (idempotent per `seq`) and pushes it to live subscribers. */
  publish(event: StatusEvent): void {
    const inserted = this.ctx.storage.sql.exec("INSERT OR IGNORE INTO events (seq, body) VALUES (?, ?)", event.seq, JSON.stringify(event)).rowsWritten;
    if (!inserted) return;
    for (const writer of this.subscribers) {
      writer.write(frame(event)).catch(() => this.subscribers.delete(writer));
      if (FINAL.has(event.status)) {
        writer.close().catch(() => {});
        this.subscribers.delete(writer);
      }
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
    for (const writer of this.subscribers) writer.close().catch(() => {});
    this.subscribers.clear();
  }

  override async fetch(request: Request): Promise<Response> {
    const after = Number(request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("after") ?? 0) || 0;
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const backlog = this.list(after);
    for (const event of backlog) void writer.write(frame(event));
    if (backlog.some((e) => FINAL.has(e.status))) {
      void writer.close();
    } else {
      void writer.write(encoder.encode(": subscribed\n\n"));
      this.subscribers.add(writer);
    }
    return new Response(readable, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive" },
    });
  }
}
