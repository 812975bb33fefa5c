/**
 * Contracts of /v1/webhook-endpoints, /v1/events and /v1/webhook-deliveries. Admins (any mode, `?mode=` or the
 * body's `mode`, live by default) and API keys with the `webhooks` scope (their own mode only) may call them.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { requireAuth } from "../../middleware/auth";
import { RECOVER_MAX_EVENTS } from "../../webhooks/deliveries";
import { DEFAULT_ROTATION_GRACE_SECONDS, MAX_ROTATION_GRACE_SECONDS } from "../../webhooks/endpoints";
import { EVENT_RETENTION_DAYS, EVENT_TYPES } from "../../webhooks/events";

const access = requireAuth({ roles: ["admin"], scope: "webhooks" });
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearerAuth: [] }];
const tags = ["Webhooks"];

const Mode = z.enum(["live", "test"]);
const ModeQuery = Mode.optional().openapi({ description: "Which mode's resources (admins; `live` by default). An API key works in its own mode only." });
const EventTypeOrAll = z.enum(["*", ...EVENT_TYPES]);

const IdParam = (what: string, example: string) =>
  z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, description: `${what} id`, example }) });
const EndpointIdParam = IdParam("Webhook endpoint", "whe_0190f3a1b2c3d4e5f6a7b8c9");
const DeliveryIdParam = IdParam("Delivery", "whd_0190f3a1b2c3d4e5f6a7b8c9");
const EventIdParam = IdParam("Event", "evt_0190f3a1b2c3d4e5f6a7b8c9");

/** https only (http://localhost in development); never an address inside a private network (422 WEBHOOK_URL_FORBIDDEN). */
const Url = z.string().trim().min(1).max(2048).openapi({ description: "Where events are POSTed: `https://` on a public host", example: "https://example.com/webhooks/edge-kyc" });

export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ example: "whe_0190f3a1b2c3d4e5f6a7b8c9" }),
    mode: Mode,
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(EventTypeOrAll).openapi({ description: "Event types sent; `*` is every type" }),
    signing: z.enum(["hmac", "ed25519"]).openapi({ description: "`hmac`: `v1` signatures with the `whsec_` secret; `ed25519`: `v1a` signatures, verified with `public_keys`" }),
    public_keys: z
      .array(z.object({ key: z.string().openapi({ example: "whpk_MCowBQYDK2VwAyEA…" }), expires_at: z.string().nullable() }))
      .nullable()
      .openapi({ description: "Ed25519 endpoints: the keys that verify `v1a` signatures (a rotated-out key until its grace period ends)" }),
    enabled: z.boolean(),
    disabled_reason: z.enum(["user", "gone", "failing"]).nullable().openapi({ description: "`gone`: the receiver answered 410; `failing`: every delivery failed for 5 days" }),
    failing_since: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookEndpoint");

const WithSecret = WebhookEndpoint.extend({
  secret: z.string().nullable().openapi({ description: "HMAC endpoints: the signing secret, shown only in this response (`whsec_…`). Null for Ed25519 endpoints.", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
}).openapi("WebhookEndpointWithSecret");

export const Event = z
  .object({
    id: z.string().openapi({ description: "Stable; sent as `webhook-id` (de-duplicate on it)", example: "evt_0190f3a1b2c3d4e5f6a7b8c9" }),
    type: z.string().openapi({ example: "verification.completed" }),
    timestamp: z.string().openapi({ description: "When the change happened" }),
    mode: Mode,
    data: z.record(z.string(), z.unknown()).openapi({
      description: "Ids, statuses, the decision, reason codes and `sequence` (per verification: order events by it). Never personal data.",
      example: { verification_id: "ver_0190f3a1b2c3d4e5f6a7b8c9", status: "verified", previous_status: "processing", decision: "verified", reason_codes: [], reason: null, sequence: 3 },
    }),
  })
  .openapi("Event");

const Attempt = z.object({
  attempted_at: z.string(),
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error_class: z.string().nullable().openapi({ description: "`http_status`, `timeout`, `connection`, `tls`, `redirect`, `forbidden_url` or null" }),
  response_excerpt: z.string().nullable().openapi({ description: "At most 1 KB of the response body (never headers)" }),
});

export const WebhookDelivery = z
  .object({
    id: z.string().openapi({ example: "whd_0190f3a1b2c3d4e5f6a7b8c9" }),
    mode: Mode,
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    trigger: z.enum(["event", "redeliver", "recover", "test"]),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error_class: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

const DeliveryWithAttempts = WebhookDelivery.extend({ attempt_log: z.array(Attempt) }).openapi("WebhookDeliveryWithAttempts");

/** A new endpoint's fields; the console's create form is checked against the same schema. */
export const NewEndpointBody = z
  .object({
    url: Url,
    events: z.array(EventTypeOrAll).min(1).max(EVENT_TYPES.length + 1).default(["*"]).openapi({ description: "Event types to receive (`*` for all)", example: ["verification.completed", "verification.manual_review"] }),
    description: z.string().trim().max(200).nullable().optional(),
    signing: z.enum(["hmac", "ed25519"]).default("hmac"),
    mode: Mode.optional().openapi({ description: "Admins: the mode whose events it receives (`live` by default). An API key's endpoints are in its mode." }),
  })
  .strict();

export const createEndpointRoute = createRoute({
  method: "post",
  path: "/v1/webhook-endpoints",
  operationId: "createWebhookEndpoint",
  tags,
  summary: "Add a webhook endpoint",
  description:
    "Events of the endpoint's mode and types are POSTed to the URL, signed per Standard Webhooks. The `whsec_` secret is in this response only. `signing: ed25519` signs `v1a` with a key pair instead; receivers verify with `public_keys`. The URL must be `https://` on a public host (`http://localhost` in development); anything else is 422 WEBHOOK_URL_FORBIDDEN with the reason.",
  middleware: [access] as const,
  security,
  request: {
    body: jsonBody(NewEndpointBody),
  },
  responses: { 201: jsonContent(WithSecret, "Endpoint created"), ...errorResponses(400, 401, 403, 409, 422) },
});

export const listEndpointsRoute = createRoute({
  method: "get",
  path: "/v1/webhook-endpoints",
  operationId: "listWebhookEndpoints",
  tags,
  summary: "List webhook endpoints",
  description: "Newest first, cursor-paginated, one mode at a time. Never a secret.",
  middleware: [access] as const,
  security,
  request: { query: PageQuery.extend({ mode: ModeQuery }) },
  responses: { 200: jsonContent(pageOf(WebhookEndpoint), "A page of endpoints"), ...errorResponses(400, 401, 403) },
});

export const getEndpointRoute = createRoute({
  method: "get",
  path: "/v1/webhook-endpoints/{id}",
  operationId: "getWebhookEndpoint",
  tags,
  summary: "Get a webhook endpoint",
  description: "With the public keys of an Ed25519 endpoint. Never a secret.",
  middleware: [access] as const,
  security,
  request: { params: EndpointIdParam },
  responses: { 200: jsonContent(WebhookEndpoint, "The endpoint"), ...errorResponses(401, 403, 404) },
});

export const updateEndpointRoute = createRoute({
  method: "patch",
  path: "/v1/webhook-endpoints/{id}",
  operationId: "updateWebhookEndpoint",
  tags,
  summary: "Change a webhook endpoint",
  description: "Fields given replace the current ones. `enabled: true` re-enables a disabled endpoint (events it missed can be sent with `recover`).",
  middleware: [access] as const,
  security,
  request: {
    params: EndpointIdParam,
    body: jsonBody(
      z
        .object({
          url: Url.optional(),
          events: z.array(EventTypeOrAll).min(1).max(EVENT_TYPES.length + 1).optional(),
          description: z.string().trim().max(200).nullable().optional(),
          enabled: z.boolean().optional(),
        })
        .strict()
        .refine((b) => Object.values(b).some((v) => v !== undefined), "change at least one field"),
    ),
  },
  responses: { 200: jsonContent(WebhookEndpoint, "Changed"), ...errorResponses(400, 401, 403, 404, 422) },
});

export const deleteEndpointRoute = createRoute({
  method: "delete",
  path: "/v1/webhook-endpoints/{id}",
  operationId: "deleteWebhookEndpoint",
  tags,
  summary: "Delete a webhook endpoint",
  description: "Its pending deliveries are dropped with it.",
  middleware: [access] as const,
  security,
  request: { params: EndpointIdParam },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404) },
});

export const testEndpointRoute = createRoute({
  method: "post",
  path: "/v1/webhook-endpoints/{id}/test",
  operationId: "testWebhookEndpoint",
  tags,
  summary: "Send a test event",
  description: "Queues a `webhook_endpoint.test` event to this endpoint only; follow it at `GET /v1/webhook-deliveries/{delivery_id}`.",
  middleware: [access] as const,
  security,
  request: { params: EndpointIdParam },
  responses: {
    202: jsonContent(z.object({ event_id: z.string(), delivery_id: z.string() }).openapi("WebhookTestQueued"), "Queued"),
    ...errorResponses(401, 403, 404, 409),
  },
});

export const rotateSecretRoute = createRoute({
  method: "post",
  path: "/v1/webhook-endpoints/{id}/rotate-secret",
  operationId: "rotateWebhookSecret",
  tags,
  summary: "Rotate the signing secret",
  description: `A new secret (or Ed25519 key pair) signs from now on; the previous one keeps signing beside it for \`grace_seconds\` (${DEFAULT_ROTATION_GRACE_SECONDS} by default, 0 ends it now), so \`webhook-signature\` carries both until then.`,
  middleware: [access] as const,
  security,
  request: {
    params: EndpointIdParam,
    body: jsonBody(
      z
        .object({ grace_seconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(DEFAULT_ROTATION_GRACE_SECONDS) })
        .strict()
        .default({ grace_seconds: DEFAULT_ROTATION_GRACE_SECONDS }),
    ),
  },
  responses: { 200: jsonContent(WithSecret, "Rotated"), ...errorResponses(400, 401, 403, 404) },
});

export const recoverRoute = createRoute({
  method: "post",
  path: "/v1/webhook-endpoints/{id}/recover",
  operationId: "recoverWebhookEvents",
  tags,
  summary: "Re-send every event since a time",
  description: `Queues every event of the endpoint's mode and types created at or after \`since\` (within the last ${EVENT_RETENTION_DAYS} days), oldest first, in sequence order — delivered or not. At most ${RECOVER_MAX_EVENTS} per call: when there are more, call again with \`next_since\`.`,
  middleware: [access] as const,
  security,
  request: {
    params: EndpointIdParam,
    body: jsonBody(z.object({ since: z.iso.datetime({ offset: true }).openapi({ example: "2026-12-01T00:00:00Z" }) }).strict()),
  },
  responses: {
    202: jsonContent(
      z.object({ events: z.number().int(), delivery_ids: z.array(z.string()), next_since: z.string().nullable().openapi({ description: "Set when more events remain: call again with it" }) }).openapi("WebhookRecovery"),
      "Queued",
    ),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export const listEventsRoute = createRoute({
  method: "get",
  path: "/v1/events",
  operationId: "listEvents",
  tags,
  summary: "List events",
  description: `Every event of one mode, newest first, cursor-paginated, kept ${EVENT_RETENTION_DAYS} days: what a receiver missed can be fetched here.`,
  middleware: [access] as const,
  security,
  request: {
    query: PageQuery.extend({
      mode: ModeQuery,
      type: z.enum(EVENT_TYPES).optional().openapi({ description: "Only events of this type" }),
      verification_id: z.string().min(1).max(64).optional().openapi({ description: "Only the events of one verification" }),
    }),
  },
  responses: { 200: jsonContent(pageOf(Event), "A page of events"), ...errorResponses(400, 401, 403) },
});

export const getEventRoute = createRoute({
  method: "get",
  path: "/v1/events/{id}",
  operationId: "getEvent",
  tags,
  summary: "Get an event",
  middleware: [access] as const,
  security,
  request: { params: EventIdParam },
  responses: { 200: jsonContent(Event, "The event"), ...errorResponses(401, 403, 404) },
});

export const listDeliveriesRoute = createRoute({
  method: "get",
  path: "/v1/webhook-deliveries",
  operationId: "listWebhookDeliveries",
  tags,
  summary: "List webhook deliveries",
  description: "Newest first, cursor-paginated, one mode at a time; filter by endpoint, event, status and creation time.",
  middleware: [access] as const,
  security,
  request: {
    query: PageQuery.extend({
      mode: ModeQuery,
      endpoint_id: z.string().min(1).max(64).optional(),
      event_id: z.string().min(1).max(64).optional(),
      status: z.enum(["pending", "delivered", "failed"]).optional(),
      since: z.iso.datetime({ offset: true }).optional().openapi({ description: "Created at or after" }),
      until: z.iso.datetime({ offset: true }).optional().openapi({ description: "Created before" }),
    }),
  },
  responses: { 200: jsonContent(pageOf(WebhookDelivery), "A page of deliveries"), ...errorResponses(400, 401, 403) },
});

export const getDeliveryRoute = createRoute({
  method: "get",
  path: "/v1/webhook-deliveries/{id}",
  operationId: "getWebhookDelivery",
  tags,
  summary: "Get a delivery with its attempts",
  description: "Every attempt: when, the status code or error class, latency and at most 1 KB of the response body.",
  middleware: [access] as const,
  security,
  request: { params: DeliveryIdParam },
  responses: { 200: jsonContent(DeliveryWithAttempts, "The delivery"), ...errorResponses(401, 403, 404) },
});

export const redeliverRoute = createRoute({
  method: "post",
  path: "/v1/webhook-deliveries/{id}/redeliver",
  operationId: "redeliverWebhook",
  tags,
  summary: "Send a delivery's event again",
  description: "A new delivery of the same event (same `webhook-id`) to the same endpoint, queued now. 409 when the endpoint is disabled.",
  middleware: [access] as const,
  security,
  request: { params: DeliveryIdParam },
  responses: { 202: jsonContent(WebhookDelivery, "Queued"), ...errorResponses(401, 403, 404, 409) },
});
