/**
 * When the tenant's audit chain head was last signed, for the audit page's "head signed at …". The verification
 * result names the head's seq and hash but not its time; the head row keeps it (`updated_at`, written in the same
 * batch that seals the rows and signs the head). Read-only.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditHeads } from "../db/schema";

/**
 * The time (ms) the head at `seq` was signed, or null when there is no head or it has moved on since the check.
 *
 * @example
 * const signedAt = await headSignedAt(s.db, tenantId, verification.head.seq);
 */
export async function headSignedAt(db: Db, tenantId: string, seq: number): Promise<number | null> {
  const [row] = await db.select({ seq: auditHeads.seq, updatedAt: auditHeads.updatedAt }).from(auditHeads).where(eq(auditHeads.tenantId, tenantId)).limit(1);
  return row && row.seq === seq ? row.updatedAt : null;
}
