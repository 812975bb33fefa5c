/**
 * CSRF protection for console forms, two independent checks that must both pass on every POST:
 * - a synchroniser token: HMAC-SHA256 of the session's refresh-token family id under the tenant's MAC key
 *   (src/lib/crypto.ts, derived from DATA_ENCRYPTION_KEY), so it needs no storage, differs per session and
 *   dies with the session;
 * - the browser's own word: `Sec-Fetch-Site` must be `same-origin` (or absent, for old clients) and `Origin`, when
 *   sent, must be this origin.
 * Pure functions over plain data, so they are testable without a request.
 */
import type { TenantCrypto } from "../lib/crypto";
import { timingSafeEqual } from "../lib/crypto";

/** The field name of the token in every console form. */
export const CSRF_FIELD = "csrf_token";

/**
 * The CSRF token of a session.
 *
 * @example
 * const token = await csrfToken(services.crypto, user.tenantId, familyId); // 64 hex characters
 */
export function csrfToken(crypto: Pick<TenantCrypto, "blindIndex">, tenantId: string, familyId: string): Promise<string> {
  return crypto.blindIndex(tenantId, `console-csrf:${familyId}`);
}

/** True when `presented` is the session's token (constant time). */
export async function csrfTokenValid(crypto: Pick<TenantCrypto, "blindIndex">, tenantId: string, familyId: string, presented: unknown): Promise<boolean> {
  if (typeof presented !== "string" || presented.length === 0) return false;
  return timingSafeEqual(await csrfToken(crypto, tenantId, familyId), presented);
}

export type OriginVerdict = { ok: true } | { ok: false; reason: "cross_site" | "foreign_origin" };

/**
 * Whether a state-changing request comes from our own pages, by the headers browsers set themselves.
 *
 * @example
 * sameOriginRequest({ origin: "https://evil.example", secFetchSite: "cross-site" }, "https://kyc.example"); // { ok: false, reason: "cross_site" }
 */
export function sameOriginRequest(headers: { origin?: string | null; secFetchSite?: string | null }, selfOrigin: string): OriginVerdict {
  const site = headers.secFetchSite?.toLowerCase();
  if (site && site !== "same-origin") return { ok: false, reason: "cross_site" };
  // Our pages send `Referrer-Policy: no-referrer`, under which Chrome posts forms with `Origin: null`; the browser's
  // own Sec-Fetch-Site (which no page can set) then vouches for the origin. Without it, "null" is a sandboxed frame.
  if (headers.origin === "null") return site === "same-origin" ? { ok: true } : { ok: false, reason: "foreign_origin" };
  if (headers.origin && headers.origin !== selfOrigin) return { ok: false, reason: "foreign_origin" };
  return { ok: true };
}
