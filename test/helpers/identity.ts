/**
 * Identity fixtures for tests: a fresh tenant with its admin, API keys and users of any role, all created
 * through the public API (so they exercise the real code paths). Emails are unique per call.
 */
import type { Role, Scope } from "../../src/types";
import { SCOPES } from "../../src/types";
import { call } from "./http";

export const TEST_PASSWORD = "Sufficiently-long-test-password-1";

let counter = 0;
export function uniqueEmail(label = "user"): string {
  return `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}-${crypto.randomUUID().slice(0, 8)}@test.edge-kyc.local`;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
export const apiKeyHeader = (key: string) => ({ "X-API-Key": key });

function must<T>(res: { status: number; data: any }, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data as T;
}

export interface TenantFixture {
  tenantId: string;
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers a new tenant with its admin (POST /v1/auth/register) and returns the admin's tokens. */
export async function registerTenant(opts: { email?: string; password?: string; name?: string; tenantName?: string } = {}): Promise<TenantFixture> {
  const email = opts.email ?? uniqueEmail("admin");
  const password = opts.password ?? TEST_PASSWORD;
  const data = must<any>(
    await call("/v1/auth/register", {
      method: "POST",
      json: { email, password, name: opts.name ?? "Test Admin", tenant_name: opts.tenantName ?? "Test Tenant" },
    }),
    201,
    "register",
  );
  return { tenantId: data.tenant.id, userId: data.user.id, email, password, accessToken: data.access_token, refreshToken: data.refresh_token };
}

/** Creates an API key as the admin (defaults: every scope, 1000 per minute, live). */
export async function createApiKey(
  accessToken: string,
  opts: { scopes?: Scope[]; rate_limit_per_minute?: number; mode?: "live" | "test"; name?: string } = {},
): Promise<{ id: string; key: string }> {
  const data = must<any>(
    await call("/v1/api-keys", {
      method: "POST",
      headers: bearer(accessToken),
      json: { name: opts.name ?? "test key", scopes: opts.scopes ?? [...SCOPES], rate_limit_per_minute: opts.rate_limit_per_minute ?? 1000, mode: opts.mode ?? "live" },
    }),
    201,
    "create api key",
  );
  return { id: data.id, key: data.key };
}

export async function revokeApiKey(accessToken: string, id: string): Promise<void> {
  must(await call(`/v1/api-keys/${id}`, { method: "DELETE", headers: bearer(accessToken) }), 204, "revoke api key");
}

/** Signs in with email and password; returns the token pair. */
export async function login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  const data = must<any>(await call("/v1/auth/login", { method: "POST", json: { email, password } }), 200, "login");
  return { accessToken: data.access_token, refreshToken: data.refresh_token };
}

/** Adds a user with `role` to the admin's tenant and signs them in. */
export async function createUserWithRole(
  adminToken: string,
  role: Role,
): Promise<{ userId: string; email: string; password: string; accessToken: string }> {
  const email = uniqueEmail(role);
  const data = must<any>(
    await call("/v1/users", { method: "POST", headers: bearer(adminToken), json: { email, name: `Test ${role}`, password: TEST_PASSWORD, role } }),
    201,
    "create user",
  );
  const { accessToken } = await login(email, TEST_PASSWORD);
  return { userId: data.id, email, password: TEST_PASSWORD, accessToken };
}
