/**
 * Prefixed, time-ordered identifiers: `<prefix>_<12 hex ms timestamp><16 hex random>`.
 * Lexicographic order is creation order, which cursor pagination relies on.
 */
export type IdPrefix = "ten" | "usr" | "rtk" | "key" | "ver" | "vtr" | "med" | "lyr" | "rev" | "emb" | "whe" | "whd" | "wha" | "rvn" | "evt" | "aud" | "reg" | "chl" | "art" | "dim" | "vss";

export function newId(prefix: IdPrefix, now = Date.now()): string {
  const ts = now.toString(16).padStart(12, "0");
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}_${ts}${rand}`;
}
