/**
 * Prefixed, time-ordered identifiers: `<prefix>_<12 hex ms timestamp><16 hex random>`.
 * Lexicographic order is creation order, which cursor pagination relies on. Within one millisecond an isolate counts
 * up from the last random part instead of drawing a new one, so ids it makes in the same millisecond still sort in the
 * order they were made (the audit chain seals pending rows by created_at, then id).
 */
export type IdPrefix = "ten" | "usr" | "rtk" | "key" | "ver" | "vtr" | "med" | "lyr" | "rev" | "emb" | "whe" | "whd" | "wha" | "rvn" | "evt" | "aud" | "reg" | "chl" | "art" | "dim" | "vss";

const MAX_RANDOM = (1n << 64n) - 1n;
let last = { ms: -1, random: 0n };

function randomPart(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0];
}

export function newId(prefix: IdPrefix, now = Date.now()): string {
  const random = now === last.ms && last.random < MAX_RANDOM ? last.random + 1n : randomPart();
  last = { ms: now, random };
  return `${prefix}_${now.toString(16).padStart(12, "0")}${random.toString(16).padStart(16, "0")}`;
}
