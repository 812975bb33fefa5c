/**
 * The D1 side of the geo layer's velocity check: verifications created in sliding windows that end at this
 * verification's creation (so a re-run counts the same), within its tenant and mode. One D1 batch of three counts.
 */
import { and, count, eq, gt, lt, ne } from "drizzle-orm";
import type { Services } from "../app/services";
import { verifications } from "../db/schema";
import type { VelocityCounter } from "../pipeline/layers/geo";
import { normaliseDocumentNumber } from "./lifecycle";
import type { VerificationRow } from "./repository";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function d1Velocity(s: Services, v: Pick<VerificationRow, "id" | "tenantId" | "mode" | "createdAt" | "createdByType" | "createdById">): VelocityCounter {
  return async (documentNumber) => {
    const before = (windowMs: number) =>
      and(eq(verifications.tenantId, v.tenantId), eq(verifications.mode, v.mode), ne(verifications.id, v.id), gt(verifications.createdAt, v.createdAt - windowMs), lt(verifications.createdAt, v.createdAt + 1));
    const number = documentNumber ? normaliseDocumentNumber(documentNumber) : null;
    const hash = number ? await s.crypto.blindIndex(v.tenantId, `document_number:${number}`) : null;
    const tenant = s.db.select({ n: count() }).from(verifications).where(before(HOUR_MS));
    const key = s.db
      .select({ n: count() })
      .from(verifications)
      .where(and(before(HOUR_MS), eq(verifications.createdByType, "api_key"), eq(verifications.createdById, v.createdById)));
    const document = s.db
      .select({ n: count() })
      .from(verifications)
      .where(and(before(DAY_MS), eq(verifications.documentNumberHash, hash ?? "")));
    const [t, k, d] = await s.db.batch([tenant, key, document]);
    return {
      tenant_per_hour: t[0]?.n ?? 0,
      key_per_hour: v.createdByType === "api_key" ? (k[0]?.n ?? 0) : null,
      document_per_day: hash ? (d[0]?.n ?? 0) : null,
    };
  };
}
