/**
 * Media storage. Uploads arrive already checked (src/media/uploads.ts); accepted images go to R2 under
 * `tenants/<tenant>/verifications/<verification>/` with their SHA-256, and a row in D1.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Services } from "../services";
import { media } from "../db/schema";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { ImageType } from "../media/sniff";
import type { CheckedImage } from "../media/uploads";
import type { MediaInput } from "../pipeline/types";
import type { VerificationRow } from "./service";

export const MEDIA_KINDS = ["document_front", "document_back", "selfie", "selfie_frame"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const MAX_SELFIE_FRAMES = 8;

const EXT: Record<ImageType, string> = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };

export const verificationPrefix = (tenantId: string, verificationId: string) => `tenants/${tenantId}/verifications/${verificationId}/`;

export type MediaRow = typeof media.$inferSelect;

/** Stores a checked image; a new document_front/document_back/selfie replaces the previous one of that kind. */
export async function storeMedia(s: Services, v: VerificationRow, kind: MediaKind, image: CheckedImage): Promise<MediaRow> {
  const existing = await s.db
    .select()
    .from(media)
    .where(and(eq(media.verificationId, v.id), eq(media.kind, kind), isNull(media.purgedAt)));
  if (kind === "selfie_frame" && existing.length >= MAX_SELFIE_FRAMES) {
    throw new ApiError("CONFLICT", `At most ${MAX_SELFIE_FRAMES} selfie frames per verification`);
  }
  const now = s.now();
  const id = newId("med", now);
  const r2Key = `${verificationPrefix(v.tenantId, v.id)}${kind}/${id}.${EXT[image.type]}`;
  await s.bindings.MEDIA.put(r2Key, image.bytes, {
    httpMetadata: { contentType: image.type },
    sha256: image.sha256,
    customMetadata: { tenant_id: v.tenantId, verification_id: v.id, kind },
  });
  const row: MediaRow = {
    id,
    tenantId: v.tenantId,
    verificationId: v.id,
    kind,
    r2Key,
    sha256: image.sha256,
    contentType: image.type,
    bytes: image.bytes.byteLength,
    width: image.width,
    height: image.height,
    createdAt: now,
    purgedAt: null,
  };
  await s.db.insert(media).values(row);
  if (kind !== "selfie_frame" && existing.length) {
    for (const old of existing) {
      await s.bindings.MEDIA.delete(old.r2Key);
      await s.db.delete(media).where(eq(media.id, old.id));
    }
  }
  return row;
}

export async function listMedia(s: Services, verificationId: string): Promise<MediaRow[]> {
  return s.db.select().from(media).where(eq(media.verificationId, verificationId)).orderBy(media.id);
}

/** Reads the verification's current images from R2; a missing object is an error (the consumer retries). */
export async function loadMediaInputs(s: Services, rows: MediaRow[]): Promise<MediaInput[]> {
  return Promise.all(
    rows
      .filter((r) => !r.purgedAt)
      .map(async (r) => {
        const obj = await s.bindings.MEDIA.get(r.r2Key);
        if (!obj) throw new Error(`media object missing from R2: ${r.id}`);
        return { kind: r.kind, bytes: new Uint8Array(await obj.arrayBuffer()), contentType: r.contentType, sha256: r.sha256 };
      }),
  );
}

/** Deletes every R2 object under the verification's prefix (uploads and derived evidence); returns the count. */
export async function deleteVerificationObjects(s: Services, tenantId: string, verificationId: string): Promise<number> {
  const prefix = verificationPrefix(tenantId, verificationId);
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await s.bindings.MEDIA.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) {
      await s.bindings.MEDIA.delete(page.objects.map((o) => o.key));
      deleted += page.objects.length;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
