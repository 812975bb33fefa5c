/**
 * Retention: raw media (uploads) older than the tenant's `retention_days` is deleted from R2 and its row marked
 * purged; layer results, decisions and receipts stay. Runs daily from the cron trigger, in bounded pages.
 */
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Services } from "../services";
import { media, tenants } from "../db/schema";
import { getSettings } from "./settings";

const DAY_MS = 86_400_000;

export async function purgeExpiredMedia(s: Services, pageSize = 200): Promise<{ tenants: number; purged: number }> {
  const all = await s.db.select({ id: tenants.id }).from(tenants);
  let purged = 0;
  for (const t of all) {
    const { settings } = await getSettings(s.db, t.id);
    const cutoff = s.now() - settings.retention_days * DAY_MS;
    for (;;) {
      const expired = await s.db
        .select({ id: media.id, r2Key: media.r2Key })
        .from(media)
        .where(and(eq(media.tenantId, t.id), isNull(media.purgedAt), lt(media.createdAt, cutoff)))
        .limit(pageSize);
      if (!expired.length) break;
      await s.bindings.MEDIA.delete(expired.map((m) => m.r2Key));
      for (const m of expired) await s.db.update(media).set({ purgedAt: s.now() }).where(eq(media.id, m.id));
      purged += expired.length;
      if (expired.length < pageSize) break;
    }
  }
  return { tenants: all.length, purged };
}
