/** Reads and writes a tenant's decision settings; a tenant that never changed them uses the defaults (version 0). */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { tenantSettings } from "../db/schema";
import { DEFAULT_SETTINGS, DecisionSettingsSchema } from "../pipeline/settings";
import type { DecisionSettings } from "../pipeline/settings";

export async function getSettings(db: Db, tenantId: string): Promise<{ version: number; settings: DecisionSettings }> {
  const [row] = await db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenantId)).limit(1);
  if (!row) return { version: 0, settings: DEFAULT_SETTINGS };
  const parsed = DecisionSettingsSchema.safeParse(row.settings);
  return { version: row.version, settings: parsed.success ? parsed.data : DEFAULT_SETTINGS };
}

export async function saveSettings(db: Db, tenantId: string, settings: DecisionSettings, updatedBy: string, now: number) {
  const current = await getSettings(db, tenantId);
  const version = current.version + 1;
  await db
    .insert(tenantSettings)
    .values({ tenantId, version, settings, updatedAt: now, updatedBy })
    .onConflictDoUpdate({ target: tenantSettings.tenantId, set: { version, settings, updatedAt: now, updatedBy } });
  return { version, settings };
}
