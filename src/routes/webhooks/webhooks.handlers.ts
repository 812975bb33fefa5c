/** HTTP handlers of the webhook routes; the audited operations live in src/webhooks/. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app/context";
import type { Services } from "../../app/services";
import { ApiError, notFound } from "../../lib/errors";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import { modeOf } from "../../verifications/repository";
import type { Principal } from "../../types";
import type { Mode } from "../../webhooks/endpoints";
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, publicEndpoint, rotateSecret, updateEndpoint } from "../../webhooks/endpoints";
import { attemptsOf, getDelivery, listDeliveries, recoverEvents, redeliver, sendTestEvent } from "../../webhooks/deliveries";
import { getEvent, listEvents, publicEvent } from "../../webhooks/events";
import type { DeliveryRow } from "../../webhooks/fanout";
import type * as R from "./webhooks.routes";

/** An API key works in its own mode only; an admin chooses (`live` by default). */
function modeFor(p: Principal, requested: Mode | undefined): Mode {
  const pinned = modeOf(p);
  if (pinned && requested && requested !== pinned) {
    throw new ApiError("FORBIDDEN", `A ${pinned}-mode API key works on ${pinned}-mode webhooks only`, { details: { key_mode: pinned, requested_mode: requested } });
  }
  return pinned ?? requested ?? "live";
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function publicDelivery(d: DeliveryRow) {
  return {
    id: d.id,
    mode: d.mode,
    endpoint_id: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    trigger: d.trigger,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null,
    last_status_code: d.lastStatusCode,
    last_error_class: d.lastErrorClass,
    created_at: iso(d.createdAt)!,
    delivered_at: iso(d.deliveredAt),
  };
}

/** The endpoint named in the path, in the caller's mode when the caller is an API key (another mode's endpoint is 404). */
const endpointOf = (s: Services, p: Principal, id: string) => getEndpoint(s, p.tenantId, id, modeOf(p));

const deliveryOf = (s: Services, p: Principal, id: string) => getDelivery(s, p.tenantId, id, modeOf(p));

export const createEndpointHandler: RouteHandler<typeof R.createEndpointRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const p = c.var.principal;
  const { row, secret } = await createEndpoint(c.var.services, p, { ...body, mode: modeFor(p, body.mode) }, requestMeta(c));
  return c.json({ ...publicEndpoint(row, c.var.services.now()), secret }, 201);
};

export const listEndpointsHandler: RouteHandler<typeof R.listEndpointsRoute, AppEnv> = async (c) => {
  const { limit, cursor, mode } = c.req.valid("query");
  const p = c.var.principal;
  const rows = await listEndpoints(c.var.services, p.tenantId, modeFor(p, mode), limit, cursor);
  const { data, next_cursor } = page(rows, limit, (e) => e.id);
  return c.json({ data: data.map((e) => publicEndpoint(e, c.var.services.now())), next_cursor }, 200);
};

export const getEndpointHandler: RouteHandler<typeof R.getEndpointRoute, AppEnv> = async (c) => {
  const e = await endpointOf(c.var.services, c.var.principal, c.req.valid("param").id);
  return c.json(publicEndpoint(e, c.var.services.now()), 200);
};

export const updateEndpointHandler: RouteHandler<typeof R.updateEndpointRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const e = await endpointOf(s, c.var.principal, c.req.valid("param").id);
  const row = await updateEndpoint(s, c.var.principal, e, c.req.valid("json"), requestMeta(c));
  return c.json(publicEndpoint(row, s.now()), 200);
};

export const deleteEndpointHandler: RouteHandler<typeof R.deleteEndpointRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  await deleteEndpoint(s, c.var.principal, await endpointOf(s, c.var.principal, c.req.valid("param").id), requestMeta(c));
  return c.body(null, 204);
};

export const rotateSecretHandler: RouteHandler<typeof R.rotateSecretRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const e = await endpointOf(s, c.var.principal, c.req.valid("param").id);
  const { row, secret } = await rotateSecret(s, c.var.principal, e, c.req.valid("json").grace_seconds, requestMeta(c));
  return c.json({ ...publicEndpoint(row, s.now()), secret }, 200);
};

export const testEndpointHandler: RouteHandler<typeof R.testEndpointRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const { eventId, deliveryId } = await sendTestEvent(s, await endpointOf(s, c.var.principal, c.req.valid("param").id));
  return c.json({ event_id: eventId, delivery_id: deliveryId }, 202);
};

export const recoverHandler: RouteHandler<typeof R.recoverRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const e = await endpointOf(s, c.var.principal, c.req.valid("param").id);
  const r = await recoverEvents(s, e, Date.parse(c.req.valid("json").since));
  return c.json({ events: r.events, delivery_ids: r.deliveries.map((d) => d.id), next_since: iso(r.nextSince) }, 202);
};

export const listEventsHandler: RouteHandler<typeof R.listEventsRoute, AppEnv> = async (c) => {
  const { limit, cursor, mode, type, verification_id } = c.req.valid("query");
  const p = c.var.principal;
  const rows = await listEvents(c.var.services.db, p.tenantId, modeFor(p, mode), { limit, cursor, types: type ? [type] : undefined, verificationId: verification_id });
  const { data, next_cursor } = page(rows, limit, (r) => r.id);
  return c.json({ data: data.map(publicEvent), next_cursor }, 200);
};

export const getEventHandler: RouteHandler<typeof R.getEventRoute, AppEnv> = async (c) => {
  const p = c.var.principal;
  const row = await getEvent(c.var.services.db, p.tenantId, c.req.valid("param").id);
  const pinned = modeOf(p);
  if (!row || (pinned && row.mode !== pinned)) throw notFound("Event");
  return c.json(publicEvent(row), 200);
};

export const listDeliveriesHandler: RouteHandler<typeof R.listDeliveriesRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const p = c.var.principal;
  const rows = await listDeliveries(c.var.services, p.tenantId, modeFor(p, q.mode), {
    limit: q.limit,
    cursor: q.cursor,
    endpointId: q.endpoint_id,
    eventId: q.event_id,
    status: q.status,
    since: q.since ? Date.parse(q.since) : undefined,
    until: q.until ? Date.parse(q.until) : undefined,
  });
  const { data, next_cursor } = page(rows, q.limit, (r) => r.id);
  return c.json({ data: data.map(publicDelivery), next_cursor }, 200);
};

export const getDeliveryHandler: RouteHandler<typeof R.getDeliveryRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const d = await deliveryOf(s, c.var.principal, c.req.valid("param").id);
  const attempts = await attemptsOf(s, d);
  return c.json(
    {
      ...publicDelivery(d),
      attempt_log: attempts.map((a) => ({ attempted_at: iso(a.attemptedAt)!, status_code: a.statusCode, latency_ms: a.latencyMs, error_class: a.errorClass, response_excerpt: a.responseExcerpt })),
    },
    200,
  );
};

export const redeliverHandler: RouteHandler<typeof R.redeliverRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const created = await redeliver(s, await deliveryOf(s, c.var.principal, c.req.valid("param").id));
  return c.json(publicDelivery(created), 202);
};
