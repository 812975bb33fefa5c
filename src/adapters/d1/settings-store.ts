/**
 * The D1 adapter of the SettingsStore port: one versioned JSON row per tenant (defaults, version 0, until saved), and
 * every saved version kept in tenant_settings_versions, written in the same batch.
 */
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { tenantSettings, tenantSettingsVersions } from "../../db/schema";
import { DEFAULT_SETTINGS, DecisionSettingsSchema } from "../../pipeline/settings";
import type { DecisionSettings } from "../../pipeline/settings";
import type { Clock, SettingsStore } from "../../ports";

/** Stored settings of an older shape, completed with today's defaults. */
function completed(stored: unknown): DecisionSettings {
  const parsed = DecisionSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(stored as object) });
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

export function d1SettingsStore(db: Db, clock: Clock): SettingsStore {
  return {
    async get(tenantId) {
      const [row] = await db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)).limit(1);
      if (!row) return { version: 0, settings: DEFAULT_SETTINGS };
      return { version: row.version, settings: completed(row.settings) };
    },
    async save(tenantId, settings, by, expectedVersion) {
      const now = clock.now();
      const version = expectedVersion + 1;
      const write =
        expectedVersion === 0
          ? db.insert(tenantSettings).values({ tenantId, version, settings, updatedAt: now, updatedBy: by }).onConflictDoNothing().returning({ v: tenantSettings.version })
          : db
              .update(tenantSettings)
              .set({ version, settings, updatedAt: now, updatedBy: by })
              .where(and(eq(tenantSettings.tenantId, tenantId), eq(tenantSettings.version, expectedVersion)))
              .returning({ v: tenantSettings.version });
      // Copies the row as it stands after the write: ours when it applied; when another save won, that save's own
      // copy is already there and OR IGNORE leaves it.
      const keep = db
        .insert(tenantSettingsVersions)
        .select(
          db
            .select({ tenantId: tenantSettings.tenantId, version: tenantSettings.version, settings: tenantSettings.settings, savedAt: tenantSettings.updatedAt, savedBy: tenantSettings.updatedBy })
            .from(tenantSettings)
            .where(and(eq(tenantSettings.tenantId, tenantId), eq(tenantSettings.version, version))),
        )
        .onConflictDoNothing();
      const [written] = await db.batch([write, keep]);
      return written.length ? { version, settings } : null;
    },
    async atVersion(tenantId, version) {
      if (version === 0) return DEFAULT_SETTINGS;
      const [row] = await db
        .select({ settings: tenantSettingsVersions.settings })
        .from(tenantSettingsVersions)
        .where(and(eq(tenantSettingsVersions.tenantId, tenantId), eq(tenantSettingsVersions.version, version)))
        .limit(1);
      return row ? completed(row.settings) : null;
    },
    async history(tenantId, limit) {
      return db
        .select({ version: tenantSettingsVersions.version, savedAt: tenantSettingsVersions.savedAt, savedBy: tenantSettingsVersions.savedBy })
        .from(tenantSettingsVersions)
        .where(eq(tenantSettingsVersions.tenantId, tenantId))
        .orderBy(desc(tenantSettingsVersions.version))
        .limit(limit);
    },
  };
}
