/** Types shared across layers: who is calling, with which role or scopes, and from where. */

export const ROLES = ["admin", "reviewer", "auditor", "user"] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ["verifications:write", "verifications:read", "faces", "webhooks"] as const;
export type Scope = (typeof SCOPES)[number];

/** The authenticated caller. Every tenant-owned query filters on `tenantId`. */
export type Principal =
  | { type: "user"; tenantId: string; userId: string; role: Role }
  | { type: "api_key"; tenantId: string; keyId: string; scopes: Scope[]; mode: "live" | "test" }
  /** A verification session's client secret (`vsess_…`) or the hosted page's credential (`vsct_…`): one verification only. */
  | {
      type: "session";
      tenantId: string;
      mode: "live" | "test";
      sessionId: string;
      verificationId: string;
      onBehalfOf: { type: "user" | "api_key"; id: string };
      /** `client_secret` (`vsess_`, a tenant's app) or `credential` (`vsct_`, our hosted page after the exchange). */
      credential: "client_secret" | "credential";
    };

/** Where a request came from: the IP (stored only encrypted on a verification, and as a keyed hash in audit rows), the user agent (logged nowhere) and Cloudflare's country. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  country: string | null;
}

/** The actor recorded in history and audit for a principal. */
/** A session acts on behalf of the key or user that created it (history and audit have no separate actor type yet). */
export const actorOf = (p: Principal): { type: "user" | "api_key"; id: string } =>
  p.type === "api_key" ? { type: "api_key", id: p.keyId } : p.type === "session" ? p.onBehalfOf : { type: "user", id: p.userId };
