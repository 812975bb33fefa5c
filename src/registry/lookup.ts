/**
 * Adapters of the `registry` layer's port ({@link RegistryLookup}): the D1 register, bound to one tenant and mode
 * when the pipeline is built for a verification, and an in-memory twin for pure tests. Both normalise the number
 * the same way the import does, so `C01X-00T47` finds the record imported as `c01x00t47`.
 */
import { and, eq } from "drizzle-orm";
import type { Services } from "../app/services";
import { registryDocuments } from "../db/schema";
import type { RegistryLookup, RegistryRecord } from "../pipeline/layers/registry";
import type { RegistryMode, RegistryRow } from "./registry";
import { normaliseRegistryNumber, registryNumberHash } from "./number";

async function toRecord(s: Pick<Services, "crypto">, row: RegistryRow): Promise<RegistryRecord> {
  const holder = await s.crypto.decryptJson<{ first_name: string; last_name: string; date_of_birth: string }>(row.tenantId, row.holderEnc);
  return {
    id: row.id,
    documentType: row.documentType,
    issuingCountry: row.issuingCountry,
    holder: { firstName: holder.first_name, lastName: holder.last_name, dateOfBirth: holder.date_of_birth },
    issueDate: row.issueDate,
    expiryDate: row.expiryDate,
    status: row.status,
  };
}

/**
 * The D1 register of one tenant and mode.
 *
 * @example
 * registryLayer(d1RegistryLookup(services, { tenantId: v.tenantId, mode: v.mode }), mrzEvidence)
 */
export function d1RegistryLookup(s: Pick<Services, "db" | "crypto">, scope: { tenantId: string; mode: RegistryMode }): RegistryLookup {
  return async (documentNumber) => {
    if (!normaliseRegistryNumber(documentNumber)) return [];
    const hash = await registryNumberHash(s.crypto, scope.tenantId, documentNumber);
    const rows = await s.db
      .select()
      .from(registryDocuments)
      .where(and(eq(registryDocuments.tenantId, scope.tenantId), eq(registryDocuments.mode, scope.mode), eq(registryDocuments.documentNumberHash, hash)))
      .limit(20);
    return Promise.all(rows.map((row) => toRecord(s, row)));
  };
}

/**
 * The twin: records held in memory with their numbers (already one tenant's, one mode's).
 *
 * @example
 * memoryRegistryLookup([{ documentNumber: "C01X00T47", record }])("c01x-00t47") // → [record]
 */
export function memoryRegistryLookup(entries: { documentNumber: string; record: RegistryRecord }[]): RegistryLookup {
  return async (documentNumber) => {
    const wanted = normaliseRegistryNumber(documentNumber);
    return wanted ? entries.filter((e) => normaliseRegistryNumber(e.documentNumber) === wanted).map((e) => e.record) : [];
  };
}
