/**
 * The one way a verification changes status. A transition and everything that must accompany it commit in ONE D1
 * batch (a transaction), or not at all:
 *   1. `UPDATE verifications SET status = to, transition_id = T … WHERE id = ? AND status = from AND erased_at IS NULL`
 *   2. the history row, 3. a pending audit row, 4. an outbox row (live stream, later webhooks), 5. any rows the
 *      caller adds (a review, layer results, a face embedding) — each `INSERT … SELECT … WHERE EXISTS (SELECT 1 FROM
 *      verifications WHERE id = ? AND transition_id = T)`.
 * A D1 batch does not stop when an UPDATE matches no row, so the inserts carry the guard themselves: when another
 * request moved the verification first (or erased it), the update changes nothing and so do the inserts, and the
 * caller learns it lost. When any statement fails, D1 rolls the whole batch back.
 *
 * After commit, two things leave the database, both retried until done: the tenant's AuditChain Durable Object seals
 * the pending audit row into the hash chain (it alone knows the previous hash, so rows are written unchained and
 * chained in order afterwards), and the outbox row is published to the live stream. Both are called here at once;
 * if either fails, the row stays pending/unpublished and the every-minute cron finishes the job. So nothing that
 * accompanies a committed transition is lost, and nothing is published for a transition that did not commit.
 */
import { getTableColumns, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Services } from "../app/services";
import { runBatch } from "../db/batch";
import { auditEvents, outbox, verificationTransitions, verifications } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { TransitionReason } from "../pipeline/codes";
import type { Status, TransitionCause } from "./status";
import { canTransition, isFinal } from "./status";
import { transitionEventType } from "../webhooks/events";

export type VerificationRow = typeof verifications.$inferSelect;

/** Who caused a change, as recorded in history and audit. */
export interface Actor {
  type: "user" | "api_key" | "system";
  id: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null };

/** A row to insert only if the transition commits. */
export interface GuardedRow {
  table: SQLiteTable;
  values: Record<string, unknown>;
}

export interface TransitionRequest {
  cause: TransitionCause;
  to: Status;
  reason?: TransitionReason | null;
  actor: Actor;
  /** The client IP of the request, for the audit row's keyed hash. */
  ip?: string | null;
  /** Extra columns written by the guarded update (decision, risk score, timestamps). */
  set?: Partial<VerificationRow>;
  /** Rows that commit with the transition or not at all. */
  rows?: GuardedRow[];
  /** A further condition of the guarded update (e.g. "not claimed by another reviewer"); when false, nothing commits. */
  where?: SQL;
  /** Statements that run only if the transition commits (built with the guard given), before `rows`. */
  statements?: (guard: SQL) => SQL[];
}

/** `INSERT INTO table (…) SELECT <values> WHERE <guard>`: inserts one row only when the guard holds. */
export function guardedInsert(table: SQLiteTable, values: Record<string, unknown>, guard: SQL): SQL {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => values[key] !== undefined);
  const names = columns.map(([, col]) => sql.identifier(col.name));
  const params = columns.map(([key, col]) => {
    const v = values[key];
    return v instanceof Object && "getSQL" in v ? (v as SQL) : sql`${v === null ? null : col.mapToDriverValue(v)}`;
  });
  return sql`insert into ${table} (${sql.join(names, sql`, `)}) select ${sql.join(params, sql`, `)} where ${guard}`;
}

/**
 * Moves `v` to `req.to`. Returns false (and changes nothing) when the verification is no longer in the status `v`
 * says (another request moved it first) or was erased; throws 409 INVALID_TRANSITION when the move is not allowed
 * from its current status. On success `v` is updated in place.
 */
export async function commitTransition(s: Services, v: VerificationRow, req: TransitionRequest): Promise<boolean> {
  const from = v.status as Status;
  if (!canTransition(from, req.to, req.cause)) {
    throw new ApiError("INVALID_TRANSITION", `A verification in status ${from} cannot move to ${req.to}`, { details: { from, to: req.to } });
  }
  const now = s.now();
  const transitionId = newId("vtr", now);
  const guard = sql`exists (select 1 from ${verifications} where ${verifications.id} = ${v.id} and ${verifications.transitionId} = ${transitionId})`;
  const nextSeq = sql`(select coalesce(max(${verificationTransitions.seq}), 0) + 1 from ${verificationTransitions} where ${verificationTransitions.verificationId} = ${v.id})`;
  const currentSeq = sql`(select max(${verificationTransitions.seq}) from ${verificationTransitions} where ${verificationTransitions.verificationId} = ${v.id})`;
  const reason = req.reason ?? null;

  const audit = await s.audit.pendingRow(
    {
      tenantId: v.tenantId,
      actorType: req.actor.type,
      actorId: req.actor.id,
      action: `verification.${req.to}`,
      targetType: "verification",
      targetId: v.id,
      metadata: { from, to: req.to, cause: req.cause, ...(reason ? { reason } : {}) },
    },
    { ip: req.ip ?? null },
  );
  const after = { ...v, ...req.set };
  const event = s.outbox.stage({
    type: transitionEventType(req.to, req.cause),
    tenantId: v.tenantId,
    mode: v.mode,
    verificationId: v.id,
    payload: {
      verification_id: v.id,
      from,
      status: req.to,
      reason,
      mode: v.mode,
      ...(isFinal(req.to) ? { decision: after.decision ?? null, reason_codes: after.reasons ?? [] } : {}),
    },
  });

  const update = s.db
    .update(verifications)
    .set({ ...req.set, status: req.to, updatedAt: now, transitionId })
    .where(sql`${verifications.id} = ${v.id} and ${verifications.status} = ${from} and ${verifications.erasedAt} is null${req.where ? sql` and (${req.where})` : sql``}`)
    .returning({ id: verifications.id });
  const inserts: SQL[] = [
    guardedInsert(
      verificationTransitions,
      { id: transitionId, tenantId: v.tenantId, verificationId: v.id, seq: nextSeq, fromStatus: from, toStatus: req.to, reason, actor: req.actor.id ? `${req.actor.type}:${req.actor.id}` : req.actor.type, createdAt: now },
      guard,
    ),
    guardedInsert(auditEvents, { ...audit }, guard),
    guardedInsert(outbox, { ...event, seq: currentSeq }, guard),
    ...(req.statements?.(guard) ?? []),
    ...(req.rows ?? []).map((r) => guardedInsert(r.table, r.values, guard)),
  ];
  const [updated] = await runBatch(s.db, [update, ...inserts]);
  if (updated.results.length === 0) return false;

  Object.assign(v, req.set, { status: req.to, updatedAt: now, transitionId });
  await afterCommit(s, v.tenantId, v.id);
  return true;
}

/**
 * Seals pending audit rows and publishes the outbox; failures are left to the cron (nothing is lost, the rows were
 * committed with the change). In a request this runs after the response (`s.defer`): the caller waits for its commit,
 * not for the live stream, the webhook fan-out or the audit chain.
 */
export async function afterCommit(s: Services, tenantId: string, verificationId?: string): Promise<void> {
  const work = Promise.all([
    s.audit.sealSoon(tenantId).catch((err) => log.warn("audit_seal_deferred", { tenant_id: tenantId, error: err })),
    s.outbox.flush(verificationId ? { verificationId } : {}).catch((err) => log.warn("outbox_flush_deferred", { verification_id: verificationId, error: err })),
  ]);
  if (s.defer) s.defer(work);
  else await work;
}
