/**
 * Document numbers in the registry: one normal form for the import, the D1 lookup and the twin, and the keyed hash
 * that is all the database keeps of a number. Pure (the hash goes through the TenantCrypto port).
 */
import type { TenantCrypto } from "../lib/crypto";

/**
 * The form a number is hashed in: upper-case, without spaces, hyphens or MRZ filler — `c01x 00t-47` and the MRZ's
 * `C01X00T47<` are one number.
 *
 * @example
 * normaliseRegistryNumber(" c01x-00t 47<") // → "C01X00T47"
 */
export const normaliseRegistryNumber = (n: string) => n.replace(/[\s\-<]/g, "").toUpperCase();

/** The tenant-keyed hash a number is stored and looked up by; its own namespace, unlinkable to verifications'. */
export const registryNumberHash = (crypto: TenantCrypto, tenantId: string, number: string) => crypto.blindIndex(tenantId, `registry_document:${normaliseRegistryNumber(number)}`);
