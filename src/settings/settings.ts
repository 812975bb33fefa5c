/**
 * Changing a tenant's decision settings: a patch merges into the current settings (layer weights per layer), the
 * whole is validated (codes are the closed list in src/pipeline/codes.ts), saved as the next version only if no one
 * saved meanwhile (409 otherwise), and audited. Existing decisions keep the version they were made under.
 */
import type { Services } from "../app/services";
import { ApiError, validationError } from "../lib/errors";
import { DecisionSettingsSchema } from "../pipeline/settings";
import type { DecisionSettings } from "../pipeline/settings";
import type { Principal, RequestMeta } from "../types";
import { actorOf } from "../types";

export type SettingsPatch = Partial<Omit<DecisionSettings, "velocity">> & { velocity?: Partial<DecisionSettings["velocity"]> };

export async function updateSettings(s: Services, principal: Principal, patch: SettingsPatch, meta: RequestMeta) {
  const current = await s.settings.get(principal.tenantId);
  const merged = DecisionSettingsSchema.safeParse({ ...current.settings, ...patch, layer_weights: { ...current.settings.layer_weights, ...patch.layer_weights }, velocity: { ...current.settings.velocity, ...patch.velocity } });
  if (!merged.success) throw validationError(merged.error.issues, { message: "The settings are inconsistent" });
  const actor = actorOf(principal);
  const saved = await s.settings.save(principal.tenantId, merged.data, actor.id, current.version);
  if (!saved) throw new ApiError("CONFLICT", "The settings were changed by someone else meanwhile; read them again and retry");
  await s.audit.append(
    { tenantId: principal.tenantId, actorType: actor.type, actorId: actor.id, action: "settings.updated", targetType: "tenant", targetId: principal.tenantId, metadata: { version: saved.version, changed: changedKeys(current.settings, merged.data) } },
    { ip: meta.ip },
  );
  return saved;
}

/**
 * The top-level settings whose value differs between two versions (what the audit event names as changed).
 *
 * @example
 * changedKeys(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, retention_days: 45 }); // ["retention_days"]
 */
export function changedKeys(before: DecisionSettings, after: DecisionSettings): string[] {
  return (Object.keys(after) as (keyof DecisionSettings)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
