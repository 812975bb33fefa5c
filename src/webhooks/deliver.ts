/**
 * One attempt of one delivery, as the `webhook-deliveries` consumer makes it.
 *
 * 1. The delivery is leased (a second queue message for it finds the lease and does nothing), unless it is no longer
 *    pending or not yet due (then the consumer re-queues it for when it is).
 * 2. The URL passes the SSRF guard again (a URL allowed when saved is refused if the rules changed).
 * 3. The body is the event as `GET /v1/events` shows it (src/webhooks/events.ts), signed per Standard Webhooks with
 *    every active secret of the endpoint (`webhook-id` is the event id, stable across attempts and redeliveries).
 * 4. POST with a 15 s timeout, redirects not followed (a 3xx is a failed attempt). 2xx: delivered. 410 Gone: the
 *    endpoint is disabled. Otherwise the next attempt follows the schedule (src/webhooks/schedule.ts), later if the
 *    receiver's `Retry-After` says so; after the last one the delivery has `failed`, and an endpoint that has
 *    failed every delivery for 5 days is disabled (with an event and an audit entry).
 * Every attempt is logged: time, status code or error class, latency and ≤ 1 KB of the response body (no headers).
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Services } from "../app/services";
import { auditEvents, outbox, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/schema";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { runBatch } from "../db/batch";
import { afterCommit, guardedInsert } from "../verifications/transition";
import type { EndpointRow } from "./endpoints";
import { activeSecrets, allowsLocalReceivers } from "./endpoints";
import { getEvent, publicEvent } from "./events";
import type { DeliveryRow } from "./fanout";
import { DEVELOPMENT_SCHEDULE_SECONDS, STANDARD_SCHEDULE_SECONDS, classifyAttempt, errorClass, nextAttemptDelay, parseRetryAfter } from "./schedule";
import { signatureHeaders } from "./signing";
import { checkWebhookUrl } from "./ssrf";

export const DELIVERY_TIMEOUT_MS = 15_000;
export const RESPONSE_EXCERPT_BYTES = 1024;
/** How long one attempt holds its delivery: the timeout, reading the excerpt and writing the outcome fit well inside. */
export const LEASE_MS = 60_000;
/** An endpoint whose deliveries have all failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000;
export const USER_AGENT = "edge-kyc-webhooks/1 (+https://github.com/edge-kyc)";

export type AttemptOutcome =
  | { kind: "skipped"; why: "not_found" | "not_pending" | "leased" }
  | { kind: "not_due"; delaySeconds: number }
  | { kind: "delivered"; statusCode: number }
  | { kind: "retry"; delaySeconds: number; statusCode: number | null; errorClass: string | null }
  | { kind: "failed"; statusCode: number | null; errorClass: string | null };

export interface DeliverOptions {
  fetch?: typeof fetch;
  random?: () => number;
}

/** The retry schedule for a tenant: its setting, else the Standard Webhooks schedule (a short one in development and tests). */
export async function retrySchedule(s: Services, tenantId: string): Promise<readonly number[]> {
  const { settings } = await s.settings.get(tenantId);
  if (settings.webhook_retry_schedule_seconds?.length) return settings.webhook_retry_schedule_seconds;
  return allowsLocalReceivers(s) ? DEVELOPMENT_SCHEDULE_SECONDS : STANDARD_SCHEDULE_SECONDS;
}

export async function attemptDelivery(s: Services, deliveryId: string, opts: DeliverOptions = {}): Promise<AttemptOutcome> {
  const now = s.now();
  const [found] = await s.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId)).limit(1);
  if (!found) return { kind: "skipped", why: "not_found" };
  if (found.status !== "pending") return { kind: "skipped", why: "not_pending" };
  if (found.nextAttemptAt !== null && found.nextAttemptAt > now + 1000) return { kind: "not_due", delaySeconds: Math.ceil((found.nextAttemptAt - now) / 1000) };

  const [delivery] = await s.db
    .update(webhookDeliveries)
    .set({ leaseUntil: now + LEASE_MS })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"), or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, now))))
    .returning();
  if (!delivery) return { kind: "skipped", why: "leased" };

  const [endpoint] = await s.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, delivery.endpointId)).limit(1);
  const event = await getEvent(s.db, delivery.tenantId, delivery.eventId);
  if (!endpoint || !endpoint.enabled || !event) {
    const errorClass = !endpoint || !endpoint.enabled ? "endpoint_disabled" : "event_expired";
    await finish(s, delivery, { status: "failed", statusCode: null, errorClass, now });
    return { kind: "failed", statusCode: null, errorClass };
  }

  const result = await send(s, endpoint, JSON.stringify(publicEvent(event)), event.id, opts.fetch ?? fetch);
  // The endpoint (and with it the delivery) may have been deleted while the request was in flight: then nothing is logged.
  const [logged] = await runBatch(s.db, [
    guardedInsert(
      webhookAttempts,
      {
        id: newId("wha", now),
        tenantId: delivery.tenantId,
        deliveryId: delivery.id,
        attemptedAt: now,
        statusCode: result.status ?? null,
        latencyMs: result.latencyMs,
        errorClass: result.errorClass,
        responseExcerpt: result.excerpt,
      },
      sql`exists (select 1 from ${webhookDeliveries} where ${webhookDeliveries.id} = ${delivery.id})`,
    ),
  ]);
  if (!logged.meta.changes) return { kind: "skipped", why: "not_found" };

  const verdict = classifyAttempt(result.status === null ? { error: result.errorClass } : { status: result.status });
  if (verdict === "delivered") {
    await finish(s, delivery, { status: "delivered", statusCode: result.status!, errorClass: null, now });
    if (endpoint.failingSince !== null) await s.db.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id));
    return { kind: "delivered", statusCode: result.status! };
  }
  if (verdict === "gone") {
    await finish(s, delivery, { status: "failed", statusCode: result.status ?? null, errorClass: "gone", now });
    await disableEndpoint(s, endpoint, "gone");
    return { kind: "failed", statusCode: result.status ?? null, errorClass: "gone" };
  }
  const attempts = delivery.attempts + 1;
  const forbidden = result.errorClass === "forbidden_url";
  const delay = forbidden ? null : nextAttemptDelay(attempts, await retrySchedule(s, delivery.tenantId), opts.random ?? Math.random, result.retryAfter);
  if (delay === null) {
    await finish(s, delivery, { status: "failed", statusCode: result.status ?? null, errorClass: result.errorClass, now });
    await recordFinalFailure(s, endpoint, now);
    return { kind: "failed", statusCode: result.status ?? null, errorClass: result.errorClass };
  }
  await s.db
    .update(webhookDeliveries)
    .set({ attempts, nextAttemptAt: now + delay * 1000, leaseUntil: null, lastStatusCode: result.status ?? null, lastErrorClass: result.errorClass, updatedAt: now })
    .where(eq(webhookDeliveries.id, delivery.id));
  return { kind: "retry", delaySeconds: delay, statusCode: result.status ?? null, errorClass: result.errorClass };
}

async function finish(s: Services, d: DeliveryRow, x: { status: "delivered" | "failed"; statusCode: number | null; errorClass: string | null; now: number }) {
  const attempted = x.errorClass === "endpoint_disabled" || x.errorClass === "event_expired" ? 0 : 1;
  await s.db
    .update(webhookDeliveries)
    .set({
      status: x.status,
      attempts: d.attempts + attempted,
      nextAttemptAt: null,
      leaseUntil: null,
      lastStatusCode: x.statusCode,
      lastErrorClass: x.errorClass,
      updatedAt: x.now,
      deliveredAt: x.status === "delivered" ? x.now : null,
    })
    .where(eq(webhookDeliveries.id, d.id));
}

interface SendResult {
  status: number | null;
  latencyMs: number;
  errorClass: string | null;
  excerpt: string | null;
  retryAfter: number | null;
}

/** POSTs the signed body; never throws (a refused URL, a timeout or a network error is an error class). */
async function send(s: Services, e: EndpointRow, body: string, eventId: string, fetcher: typeof fetch): Promise<SendResult> {
  const started = Date.now();
  const checked = checkWebhookUrl(e.url, { allowLocalhost: allowsLocalReceivers(s) });
  if (!checked.ok) return { status: null, latencyMs: 0, errorClass: "forbidden_url", excerpt: checked.reason, retryAfter: null };
  try {
    const headers = await signatureHeaders({ id: eventId, timestamp: Math.floor(s.now() / 1000), body, secrets: await activeSecrets(s, e, s.now()) });
    const response = await fetcher(checked.url.toString(), {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const excerpt = await readExcerpt(response);
    const redirected = response.status >= 300 && response.status < 400;
    return {
      status: response.status,
      latencyMs: Date.now() - started,
      errorClass: response.ok ? null : redirected ? "redirect" : "http_status",
      excerpt,
      retryAfter: parseRetryAfter(response.headers.get("retry-after"), new Date(s.now())),
    };
  } catch (err) {
    return { status: null, latencyMs: Date.now() - started, errorClass: errorClass({ error: err }), excerpt: null, retryAfter: null };
  }
}

/** At most 1 KB of the response body as text; the rest is cancelled unread. */
async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks off is still an answer; keep what arrived.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, RESPONSE_EXCERPT_BYTES));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at >= bytes.length) break;
  }
  const text = new TextDecoder().decode(bytes);
  return text.length ? text : null;
}

/** A delivery ran out of attempts: the endpoint is failing since now (if it was not already); after 5 days of it, disabled. */
async function recordFinalFailure(s: Services, e: EndpointRow, now: number) {
  const since = e.failingSince ?? now;
  if (now - since >= DISABLE_AFTER_FAILING_MS) return disableEndpoint(s, e, "failing");
  if (e.failingSince === null) await s.db.update(webhookEndpoints).set({ failingSince: now }).where(and(eq(webhookEndpoints.id, e.id), isNull(webhookEndpoints.failingSince)));
}

/**
 * Disables an endpoint, with its audit entry and a `webhook_endpoint.disabled` event (for the tenant's other
 * endpoints and `GET /v1/events`) in the same batch; its pending deliveries fail when their messages arrive.
 */
export async function disableEndpoint(s: Services, e: EndpointRow, reason: "gone" | "failing"): Promise<void> {
  const now = s.now();
  const audit = await s.audit.pendingRow(
    { tenantId: e.tenantId, actorType: "system", actorId: null, action: "webhook_endpoint.disabled", targetType: "webhook_endpoint", targetId: e.id, metadata: { mode: e.mode, reason } },
    { ip: null },
  );
  const event = s.outbox.stage({ type: "webhook_endpoint.disabled", tenantId: e.tenantId, mode: e.mode, verificationId: null, payload: { endpoint_id: e.id, disabled_reason: reason } });
  // The audit row and the event are inserted only if this update disabled the endpoint (not a concurrent one).
  const guard = sql`exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.id} = ${e.id} and ${webhookEndpoints.enabled} = 0 and ${webhookEndpoints.updatedAt} = ${now} and ${webhookEndpoints.disabledReason} = ${reason})`;
  await runBatch(s.db, [
    s.db
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: reason, updatedAt: now })
      .where(and(eq(webhookEndpoints.id, e.id), eq(webhookEndpoints.enabled, true))),
    guardedInsert(auditEvents, { ...audit }, guard),
    guardedInsert(outbox, { ...event }, guard),
  ]);
  await afterCommit(s, e.tenantId);
  log.warn("webhook_endpoint_disabled", { endpoint_id: e.id, reason });
}
