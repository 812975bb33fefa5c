/** The D1 adapter of the SettingsStore port: one versioned JSON row per tenant; defaults (version 0) until saved. */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { tenantSettings } from "../../db/schema";
import { DEFAULT_SETTINGS, DecisionSettingsSchema } from "../../pipeline/settings";
import type { Clock, SettingsStore } from "../../ports";

export function d1SettingsStore(db: Db, clock: Clock): SettingsStore {
  return {
    async get(tenantId) {
      const [row] = await db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)).limit(1);
      if (!row) return { version: 0, settings: DEFAULT_SETTINGS };
      // Stored settings of an older shape are completed with today's defaults.
      const parsed = DecisionSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(row.settings as object) });
      return { version: row.version, settings: parsed.success ? parsed.data : DEFAULT_SETTINGS };
    },
    async save(tenantId, settings, by, expectedVersion) {
      const now = clock.now();
      const version = expectedVersion + 1;
      const written =
        expectedVersion === 0
          ? await db.insert(tenantSettings).values({ tenantId, version, settings, updatedAt: now, updatedBy: by }).onConflictDoNothing().returning({ v: tenantSettings.version })
          : await db
              .update(tenantSettings)
              .set({ version, settings, updatedAt: now, updatedBy: by })
              .where(and(eq(tenantSettings.tenantId, tenantId), eq(tenantSettings.version, expectedVersion)))
              .returning({ v: tenantSettings.version });
      return written.length ? { version, settings } : null;
    },
  };
}
