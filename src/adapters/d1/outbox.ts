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
import type { SQL } from "drizzle-orm";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runBatch } from "../../db/batch";
import { outbox, webhookEndpoints } from "../../db/schema";
import { batching } from "../../lib/coalesce";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import type { Clock, Outbox, StatusEvent, StatusEvents } from "../../ports";
import type { KnownEndpoints } from "../../webhooks/fanout";
import { enabledEndpoints } from "../../webhooks/fanout";

const PAGE = 100;

/**
 * Hands a committed event to the webhook fan-out (throws to leave the row unpublished for a retry). `d1Outbox` opens
 * one per flush, so lookups every row repeats (a tenant's endpoints) can be made once per flush.
 */
export type EventFanOut = (row: OutboxRow) => Promise<unknown>;

type OutboxRow = typeof outbox.$inferSelect;

/** The live-stream event of a status change (seq 1 is the creation), or null for other events. */
function statusEvent(row: OutboxRow): StatusEvent | null {
  const p = row.payload as { from?: string | null; status?: string; reason?: string | null };
  if (!row.verificationId || row.seq === null || !p.status) return null;
  return { seq: row.seq + 1, verification_id: row.verificationId, from: p.from ?? null, status: p.status, reason: p.reason ?? null, at: new Date(row.createdAt).toISOString() };
}

/** Ids per statement when marking rows: D1 binds at most 100 parameters. */
const MARK_CHUNK = 50;

export function d1Outbox(db: Db, events: StatusEvents, clock: Clock, openFanOut: (known: KnownEndpoints) => EventFanOut = () => async () => undefined): Outbox {
  /**
   * Publishes up to a page of the unpublished rows `where` selects, then marks them in one D1 batch. The rows and the
   * webhook endpoints of their tenants are read together, in one batch (one snapshot): a flush costs two round trips
   * (read, mark), not three.
   */
  async function publishRows(where: SQL | undefined): Promise<{ published: number; failed: number }> {
    // Scoped to verifications, the unary `+` keeps SQLite off `outbox_unpublished_idx` (which it prefers for the ORDER BY)
    // and on `outbox_verification_idx`: with a backlog of 10,000 unpublished rows, 0.9 ms against 0.01 ms per read.
    const unpublished = where ? and(sql`+${outbox.publishedAt} IS NULL`, where) : isNull(outbox.publishedAt);
    const [rows, endpoints] = await db.batch([
      db.select().from(outbox).where(unpublished).orderBy(asc(outbox.createdAt), asc(outbox.seq), asc(outbox.id)).limit(PAGE),
      enabledEndpoints(db, inArray(webhookEndpoints.tenantId, db.selectDistinct({ tenantId: outbox.tenantId }).from(outbox).where(unpublished))),
    ]);
    if (!rows.length) return { published: 0, failed: 0 };
    const fanOut = openFanOut({ tenants: new Set(rows.map((r) => r.tenantId)), endpoints });
    const done: string[] = [];
    const failed: string[] = [];
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
        done.push(row.id);
      } catch (err) {
        failed.push(row.id);
        log.warn("outbox_publish_failed", { event_id: row.id, type: row.type, error: err });
      }
    }
    const now = clock.now();
    const marks = [
      ...chunks(done).map((ids) => db.update(outbox).set({ publishedAt: now }).where(inArray(outbox.id, ids))),
      ...chunks(failed).map((ids) => db.update(outbox).set({ attempts: sql`${outbox.attempts} + 1` }).where(inArray(outbox.id, ids))),
    ];
    try {
      await runBatch(db, marks);
    } catch (err) {
      // Published but not marked: the next flush publishes them again, which the stream and the deliveries absorb.
      log.warn("outbox_mark_failed", { events: rows.length, error: err });
      return { published: 0, failed: rows.length };
    }
    return { published: done.length, failed: failed.length };
  }

  // Every request that commits an event publishes its verification's rows after responding; concurrent ones in this
  // isolate are batched (src/lib/coalesce.ts: the first caller runs the rounds in its own request, the others wait for
  // theirs without sharing a promise), so N of them cost about two runs of two D1 round trips each, not N.
  const flushVerifications = batching(async (ids: string[]) => {
    const total = { published: 0, failed: 0 };
    for (const part of chunks(ids)) {
      const r = await publishRows(inArray(outbox.verificationId, part));
      total.published += r.published;
      total.failed += r.failed;
    }
    return total;
  });

  return {
    stage(e) {
      return { id: newId("evt", clock.now()), tenantId: e.tenantId, mode: e.mode, type: e.type, verificationId: e.verificationId ?? null, payload: e.payload, createdAt: clock.now() };
    },

    flush(scope = {}) {
      return scope.verificationId ? flushVerifications(scope.verificationId) : publishRows(undefined);
    },
  };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MARK_CHUNK) out.push(items.slice(i, i + MARK_CHUNK));
  return out;
}
