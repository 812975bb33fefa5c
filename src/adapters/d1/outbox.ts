/**
 * The D1 adapter of the Outbox port. Rows are inserted by the caller inside its own D1 batch (see
 * src/verifications/transition.ts); `flush` then publishes committed rows oldest first: status events to the
 * verification's live stream, and every event to the webhook fan-out (src/webhooks/fanout.ts: one queued delivery
 * per subscribed endpoint). A row is marked published only after both succeeded, and both are idempotent downstream
 * (the stream ignores a seq it already has; a delivery is unique per endpoint and event), so a crash between the
 * two only causes a harmless repeat.
 *
 * The creation event (seq 0) is not pushed to the stream on its own: that would start one Durable Object per
 * verification created, most of which nobody ever streams (server integrations take webhooks), and under Miniflare
 * starting one cost more than the rest of `POST /v1/verifications`. The first change after it (seq 1, e.g.
 * `submitted`) carries it along, so a stream still replays `created` first.
 */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { outbox } from "../../db/schema";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import type { Clock, Outbox, StatusEvent, StatusEvents } from "../../ports";

const PAGE = 100;

/** Hands a committed event to the webhook fan-out (throws to leave the row unpublished for a retry). */
export type EventFanOut = (row: OutboxRow) => Promise<unknown>;

type OutboxRow = typeof outbox.$inferSelect;

/** The live-stream event of a status change (seq 1 is the creation), or null for other events. */
function statusEvent(row: OutboxRow): StatusEvent | null {
  const p = row.payload as { from?: string | null; status?: string; reason?: string | null };
  if (!row.verificationId || row.seq === null || !p.status) return null;
  return { seq: row.seq + 1, verification_id: row.verificationId, from: p.from ?? null, status: p.status, reason: p.reason ?? null, at: new Date(row.createdAt).toISOString() };
}

export function d1Outbox(db: Db, events: StatusEvents, clock: Clock, fanOut: EventFanOut = async () => undefined): Outbox {
  return {
    stage(e) {
      return { id: newId("evt", clock.now()), tenantId: e.tenantId, mode: e.mode, type: e.type, verificationId: e.verificationId ?? null, payload: e.payload, createdAt: clock.now() };
    },

    async flush(scope = {}) {
      let published = 0;
      let failed = 0;
      const rows = await db
        .select()
        .from(outbox)
        .where(and(isNull(outbox.publishedAt), scope.verificationId ? eq(outbox.verificationId, scope.verificationId) : undefined))
        .orderBy(asc(outbox.createdAt), asc(outbox.seq), asc(outbox.id))
        .limit(PAGE);
      for (const row of rows) {
        try {
          const status = statusEvent(row);
          if (status && row.seq === 1) {
            const [created] = await db
              .select()
              .from(outbox)
              .where(and(eq(outbox.verificationId, status.verification_id), eq(outbox.seq, 0)))
              .limit(1);
            const first = created && statusEvent(created);
            if (first) await events.publish(first);
          }
          if (status && row.seq !== 0) await events.publish(status);
          await fanOut(row);
          await db.update(outbox).set({ publishedAt: clock.now() }).where(eq(outbox.id, row.id));
          published++;
        } catch (err) {
          failed++;
          await db
            .update(outbox)
            .set({ attempts: sql`${outbox.attempts} + 1` })
            .where(eq(outbox.id, row.id))
            .catch(() => undefined);
          log.warn("outbox_publish_failed", { event_id: row.id, type: row.type, error: err });
        }
      }
      return { published, failed };
    },
  };
}
