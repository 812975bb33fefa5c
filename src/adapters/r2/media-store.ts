/** The R2 adapter of the MediaStore port (the MEDIA bucket). */
import type { MediaStore } from "../../ports";

export function r2MediaStore(bucket: R2Bucket): MediaStore {
  return {
    async put(key, bytes, meta) {
      await bucket.put(key, bytes, { httpMetadata: { contentType: meta.contentType }, ...(meta.sha256 ? { sha256: meta.sha256 } : {}), customMetadata: meta.custom });
    },
    async get(key) {
      const obj = await bucket.get(key);
      return obj ? new Uint8Array(await obj.arrayBuffer()) : null;
    },
    async open(key) {
      const obj = await bucket.get(key);
      return obj ? { body: obj.body, contentType: obj.httpMetadata?.contentType ?? "application/octet-stream", size: obj.size } : null;
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    },
    async deletePrefix(prefix) {
      let deleted = 0;
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor, limit: 1000 });
        if (page.objects.length) {
          await bucket.delete(page.objects.map((o) => o.key));
          deleted += page.objects.length;
        }
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return deleted;
    },
    async list(prefix) {
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor, limit: 1000 });
        keys.push(...page.objects.map((o) => o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor && keys.length < 10_000);
      return keys;
    },
  };
}
