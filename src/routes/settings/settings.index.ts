/**
 * GET · PATCH /v1/settings: the tenant's decision settings (layer weights, thresholds, hard-fail and review codes,
 * retention days). A PATCH merges into the current settings, validates the whole, and bumps the version.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../app/create-app";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { requestMeta, requireAuth } from "../../middleware/auth";
import { DecisionSettingsSchema } from "../../pipeline/settings";
import { updateSettings } from "../../settings/settings";
import { REASON_CODES, LAYER_NAMES } from "../../pipeline/codes";

const Settings = z.object({ version: z.number().int(), settings: DecisionSettingsSchema }).openapi("DecisionSettings");
const security = [{ bearerAuth: [] }];

const getSettingsRoute = createRoute({
  method: "get",
  path: "/v1/settings",
  operationId: "getSettings",
  tags: ["Settings"],
  summary: "Read the decision settings",
  description: "Defaults apply (version 0) until an admin changes them.",
  middleware: [requireAuth({ roles: ["admin", "auditor"] })] as const,
  security,
  responses: { 200: jsonContent(Settings, "Current settings"), ...errorResponses(401, 403) },
});

const patchSettingsRoute = createRoute({
  method: "patch",
  path: "/v1/settings",
  operationId: "updateSettings",
  tags: ["Settings"],
  summary: "Change the decision settings",
  description: "Fields given replace the current ones (layer_weights merge per layer). Existing decisions keep the version they were made under; POST /v1/verifications/{id}/redecide applies the new one.",
  middleware: [requireAuth({ roles: ["admin"] })] as const,
  security,
  request: {
    body: jsonBody(
      z
        .object({
          layer_weights: z.partialRecord(z.enum(LAYER_NAMES), z.number().min(0).max(100)).optional(),
          thresholds: z.object({ verified_max: z.number().min(0).max(100), reject_min: z.number().min(0).max(100) }).optional(),
          hard_fail_codes: z.array(z.enum(REASON_CODES)).optional(),
          review_codes: z.array(z.enum(REASON_CODES)).optional(),
          retention_days: z.number().int().min(1).max(3650).optional(),
          abandoned_after_days: z.number().int().min(1).max(365).optional(),
          minimum_age: DecisionSettingsSchema.shape.minimum_age.optional(),
          vision_model: DecisionSettingsSchema.shape.vision_model.optional(),
          velocity: DecisionSettingsSchema.shape.velocity.partial().strict().optional(),
          webhook_retry_schedule_seconds: DecisionSettingsSchema.shape.webhook_retry_schedule_seconds.optional(),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonContent(Settings, "Saved"), ...errorResponses(400, 401, 403) },
});

export const settingsRouter = createRouter()
  .openapi(getSettingsRoute, async (c) => c.json(await c.var.services.settings.get(c.var.principal.tenantId), 200))
  .openapi(patchSettingsRoute, async (c) => c.json(await updateSettings(c.var.services, c.var.principal, c.req.valid("json"), requestMeta(c)), 200));
