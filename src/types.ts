/** Types shared across layers: who is calling, and the Hono environment every route runs in. */
import type { Bindings } from "./env";
import type { Services } from "./services";

export const ROLES = ["admin", "reviewer", "auditor", "user"] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ["verifications:write", "verifications:read", "faces", "webhooks"] as const;
export type Scope = (typeof SCOPES)[number];

/** The authenticated caller. Every tenant-owned query filters on `tenantId`. */
export type Principal =
  | { type: "user"; tenantId: string; userId: string; role: Role }
  | { type: "api_key"; tenantId: string; keyId: string; scopes: Scope[]; mode: "live" | "test" };

export type AppEnv = {
  Bindings: Bindings;
  Variables: { requestId: string; services: Services; principal: Principal };
};

/** Request metadata recorded in the audit log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  country: string | null;
}
