/**
 * GET · PATCH /v1/settings: the tenant's decision settings (layer weights, thresholds, hard-fail and review codes,
 * retention days). A PATCH merges into the current settings, validates the whole, and bumps the version.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../app";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { requestMeta, requireAuth } from "../../middleware/auth";
import { DecisionSettingsSchema } from "../../pipeline/settings";
import { getSettings, saveSettings } from "../../verifications/settings";
import { validationError } from "../../lib/errors";

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
          layer_weights: z.record(z.string(), z.number().min(0).max(100)).optional(),
          thresholds: z.object({ verified_max: z.number().min(0).max(100), reject_min: z.number().min(0).max(100) }).optional(),
          hard_fail_codes: z.array(z.string().regex(/^[A-Z_]+$/)).optional(),
          review_codes: z.array(z.string().regex(/^[A-Z_]+$/)).optional(),
          retention_days: z.number().int().min(1).max(3650).optional(),
        })
        .strict(),
    ),
  },
  responses: { 200: jsonContent(Settings, "Saved"), ...errorResponses(400, 401, 403) },
});

export const settingsRouter = createRouter()
  .openapi(getSettingsRoute, async (c) => c.json(await getSettings(c.var.services.db, c.var.principal.tenantId), 200))
  .openapi(patchSettingsRoute, async (c) => {
    const s = c.var.services;
    const principal = c.var.principal;
    const patch = c.req.valid("json");
    const current = await getSettings(s.db, principal.tenantId);
    const merged = DecisionSettingsSchema.safeParse({
      ...current.settings,
      ...patch,
      layer_weights: { ...current.settings.layer_weights, ...patch.layer_weights },
    });
    if (!merged.success) throw validationError(merged.error.issues, { message: "The settings are inconsistent" });
    const actorId = principal.type === "user" ? principal.userId : principal.keyId;
    const saved = await saveSettings(s.db, principal.tenantId, merged.data, actorId, s.now());
    await s.audit.append(
      { tenantId: principal.tenantId, actorType: "user", actorId, action: "settings.updated", targetType: "tenant", targetId: principal.tenantId, metadata: { version: saved.version, changed: Object.keys(patch) } },
      requestMeta(c),
    );
    return c.json(saved, 200);
  });
