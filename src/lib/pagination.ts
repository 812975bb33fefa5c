/**
 * Cursor pagination shared by list endpoints: `?limit=&cursor=` in, `{data, next_cursor}` out. Cursors are the
 * last returned row's time-ordered id (or audit sequence), so pages are stable while new rows arrive.
 */
import { z } from "@hono/zod-openapi";

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "Page size (1–100)", example: 50 }),
  cursor: z.string().min(1).max(100).optional().openapi({ description: "`next_cursor` of the previous page" }),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page" }),
  });

/** Splits a `limit + 1` fetch into the page and the next cursor. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => string): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  return { data, next_cursor: rows.length > limit ? cursorOf(data[data.length - 1]) : null };
}

/** D1 surfaces constraint failures as messages on the error or its cause. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { message?: unknown; cause?: { message?: unknown } } | null;
  return /UNIQUE constraint failed/i.test(`${e?.message ?? ""} ${e?.cause?.message ?? ""}`);
}
