/** Contracts of /health and /health/ready (public). */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi";

export const health = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  security: [],
  tags: ["Health"],
  summary: "Liveness: the Worker answers",
  responses: {
    200: jsonContent(z.object({ status: z.literal("ok"), version: z.string(), time: z.string() }), "The Worker is up"),
  },
});

const Check = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });

export const ready = createRoute({
  method: "get",
  path: "/health/ready",
  operationId: "getReadiness",
  security: [],
  tags: ["Health"],
  summary: "Readiness: every dependency answers",
  description: "Queries D1, heads R2 (media and models), and checks the queue and Durable Object bindings. 503 names the failing dependency.",
  responses: {
    200: jsonContent(z.object({ status: z.literal("ready"), checks: z.record(z.string(), Check) }), "Every dependency is reachable"),
    ...errorResponses(503),
  },
});
