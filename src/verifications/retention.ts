/**
 * Retention, per tenant (daily cron): raw media and evidence files older than `retention_days` are deleted from
 * storage and their rows marked purged, and the personal details that document reading layers stored in their
 * findings are stripped with them; face embeddings older than `retention_days` leave the duplicate search;
 * verifications abandoned in `created` (or in `resubmission_requested` since the request) for `abandoned_after_days`
 * are erased entirely; expired idempotency records are deleted. Decisions, scores and receipts stay. Runs in bounded pages.
 */
import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import type { Services } from "../app/services";
import { artifacts, documentImages, faceEmbeddings, layerResults, media, tenants, verifications } from "../db/schema";
import type { LayerName } from "../pipeline/codes";
import type { Finding } from "../pipeline/types";
import { eraseAll } from "./erasure";
import { purgeExpiredIdempotency } from "./idempotency";

const DAY_MS = 86_400_000;
/** Layers whose finding data quote what was read from the document (names, numbers, dates). */
export const READING_LAYERS: LayerName[] = ["mrz", "vision", "registry"];

export interface RetentionRun {
  tenants: number;
  media: number;
  evidence: number;
  embeddings: number;
  documentHashes: number;
  abandoned: number;
  idempotency: number;
}

export async function runRetention(s: Services, pageSize = 200): Promise<RetentionRun> {
  const all = await s.db.select({ id: tenants.id }).from(tenants);
  const run: RetentionRun = { tenants: all.length, media: 0, evidence: 0, embeddings: 0, documentHashes: 0, abandoned: 0, idempotency: 0 };
  for (const t of all) {
    const { settings } = await s.settings.get(t.id);
    const cutoff = s.now() - settings.retention_days * DAY_MS;
    for (const table of [media, artifacts] as const) {
      for (;;) {
        const expired = await s.db
          .select({ id: table.id, r2Key: table.r2Key, verificationId: table.verificationId })
          .from(table)
          .where(and(eq(table.tenantId, t.id), isNull(table.purgedAt), lt(table.createdAt, cutoff)))
          .limit(pageSize);
        if (!expired.length) break;
        await s.media.delete(expired.map((m) => m.r2Key));
        await s.db.update(table).set({ purgedAt: s.now() }).where(inArray(table.id, expired.map((m) => m.id)));
        if (table === media) {
          run.media += expired.length;
          await stripReadings(s, [...new Set(expired.map((m) => m.verificationId))]);
        } else run.evidence += expired.length;
        if (expired.length < pageSize) break;
      }
    }
    const faces = await s.db.delete(faceEmbeddings).where(and(eq(faceEmbeddings.tenantId, t.id), lt(faceEmbeddings.createdAt, cutoff))).returning({ id: faceEmbeddings.id });
    run.embeddings += faces.length;
    const documents = await s.db.delete(documentImages).where(and(eq(documentImages.tenantId, t.id), lt(documentImages.createdAt, cutoff))).returning({ id: documentImages.id });
    run.documentHashes += documents.length;
    const abandoned = await s.db
      .select()
      .from(verifications)
      .where(
        and(
          eq(verifications.tenantId, t.id),
          isNull(verifications.erasedAt),
          or(
            and(eq(verifications.status, "created"), lt(verifications.createdAt, s.now() - settings.abandoned_after_days * DAY_MS)),
            // Asked to resubmit and never did: abandoned as long after the request as an unsubmitted one after creation.
            and(eq(verifications.status, "resubmission_requested"), lt(verifications.updatedAt, s.now() - settings.abandoned_after_days * DAY_MS)),
          ),
        ),
      )
      .limit(pageSize);
    run.abandoned += await eraseAll(s, abandoned);
  }
  run.idempotency = await purgeExpiredIdempotency(s);
  return run;
}

async function stripReadings(s: Services, verificationIds: string[]) {
  const rows = await s.db
    .select({ id: layerResults.id, findings: layerResults.findings })
    .from(layerResults)
    .where(and(inArray(layerResults.verificationId, verificationIds), inArray(layerResults.layer, READING_LAYERS)));
  for (const l of rows) {
    const stripped = (l.findings as Finding[]).map(({ code, message, severity }) => ({ code, message, severity }));
    await s.db.update(layerResults).set({ findings: stripped }).where(eq(layerResults.id, l.id));
  }
}
