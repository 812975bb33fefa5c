/**
 * The security suite every authenticated route must pass. Call it at the top level of a test file:
 *
 * @example
 * securitySuite({
 *   name: "GET /v1/verifications/{id}",
 *   method: "GET",
 *   setup: async ({ owner }) => ({ verificationId: await createVerification(owner.accessToken) }),
 *   path: (ctx) => `/v1/verifications/${ctx.verificationId}`,
 *   allowedRoles: ["admin", "reviewer"],
 *   scope: "verifications:read",
 *   crossTenant: true,
 * });
 * (Put `setup` before `path` and `body`: TypeScript infers the context type from it in source order.)
 *
 * It registers two tenants (`owner`, `other`), lets `setup` create the resource in `owner`, and asserts, each
 * in the error shape: no credentials → 401; malformed, forged, expired, `alg: none`, wrong-key, wrong-issuer and
 * wrong-audience JWTs → 401; unknown and revoked API keys → 401 — each 401 with the reason in `details.reason`
 * (missing, malformed, unknown, revoked, expired, invalid), the expected header and a `WWW-Authenticate`
 * challenge; every role outside `allowedRoles` → 403 naming the role and the roles allowed; an API key without
 * the route's scope → 403 naming the scope (or, on user-only routes, saying keys cannot call it); with
 * `crossTenant`, an allowed caller of `other` → 404. Last, a positive control: an allowed caller is not refused
 * (so the refusals above are not vacuous).
 */
import { env } from "cloudflare:test";
import { SignJWT, base64url, generateKeyPair, importJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { Role, Scope } from "../../src/types";
import { ROLES, SCOPES } from "../../src/types";
import { call, expectErrorShape } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, createUserWithRole, registerTenant, revokeApiKey } from "../helpers/identity";

export interface SuiteTenants {
  /** The tenant that owns the resource (its admin's tokens). */
  owner: TenantFixture;
  /** Another tenant, whose callers must not see the resource. */
  other: TenantFixture;
}

export interface SecuritySuiteOptions<Extra extends object = object> {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: (ctx: SuiteTenants & NoInfer<Extra>) => string;
  /** JSON body sent with every request (a valid one, so refusals are about credentials, not input). */
  body?: (ctx: SuiteTenants & NoInfer<Extra>) => unknown;
  allowedRoles: Role[];
  /** The API-key scope that grants access; omit when API keys must be refused. */
  scope?: Scope;
  /** Creates the route's resource in `owner`; the result is merged into the context. */
  setup?: (tenants: SuiteTenants) => Promise<Extra>;
  /** The path names a resource of `owner`: an allowed caller of `other` must get 404. */
  crossTenant?: boolean;
  /** Skip the final "allowed caller is not refused" request (e.g. when it has side effects other tests need). */
  skipPositiveControl?: boolean;
}

async function signWith(key: CryptoKey, kid: string, claims: Record<string, unknown>, opts: { iss: string; aud: string; iat: number; exp: number }) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer(opts.iss)
    .setAudience(opts.aud)
    .setIssuedAt(opts.iat)
    .setExpirationTime(opts.exp)
    .sign(key);
}

/** Tokens that must all be refused, for a subject that would otherwise be allowed. */
async function badTokens(subject: { userId: string; tenantId: string; role: Role }, validToken: string) {
  const jwk = JSON.parse(env.JWT_PRIVATE_KEY) as Record<string, string> & { kid: string };
  const realKey = (await importJWK({ ...jwk, alg: "ES256" }, "ES256")) as CryptoKey;
  const foreign = await generateKeyPair("ES256");
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: subject.userId, tid: subject.tenantId, role: subject.role };
  const good = { iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, iat: now, exp: now + 600 };
  const [header, , signature] = validToken.split(".");
  const forgedPayload = base64url.encode(JSON.stringify({ ...claims, role: "admin", iss: good.iss, aud: good.aud, iat: now, exp: now + 3600 }));
  const noneHeader = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT", kid: jwk.kid }));
  const nonePayload = base64url.encode(JSON.stringify({ ...claims, iss: good.iss, aud: good.aud, iat: now, exp: now + 600 }));
  return {
    "a forged JWT (payload changed, signature kept)": `${header}.${forgedPayload}.${signature}`,
    "an expired JWT": await signWith(realKey, jwk.kid, claims, { ...good, iat: now - 7200, exp: now - 3600 }),
    "an alg: none JWT": `${noneHeader}.${nonePayload}.`,
    "a JWT signed with another key (same kid)": await signWith(foreign.privateKey as CryptoKey, jwk.kid, claims, good),
    "a JWT for another audience": await signWith(realKey, jwk.kid, claims, { ...good, aud: "some-other-api" }),
    "a JWT from another issuer": await signWith(realKey, jwk.kid, claims, { ...good, iss: "https://evil.example" }),
    "a malformed bearer token": "not-a-jwt",
  } as const;
}

/** The 401 reason each bad token must produce. */
const BAD_TOKEN_REASONS: Record<string, string> = {
  "a forged JWT (payload changed, signature kept)": "invalid",
  "an expired JWT": "expired",
  "an alg: none JWT": "invalid",
  "a JWT signed with another key (same kid)": "invalid",
  "a JWT for another audience": "invalid",
  "a JWT from another issuer": "invalid",
  "a malformed bearer token": "malformed",
};

/** A 401 that says why, names the header to use and carries a challenge. */
function expect401(res: { status: number; headers: Headers; data: any }, reason: string, header: RegExp, what = reason) {
  const error = expectErrorShape(res, 401, "UNAUTHORIZED");
  expect(error.details?.reason, what).toBe(reason);
  expect(error.details?.expected_header, what).toMatch(header);
  expect(res.headers.get("WWW-Authenticate"), what).toMatch(/realm="edge-kyc"/);
}

export function securitySuite<Extra extends object = object>(opts: SecuritySuiteOptions<Extra>) {
  describe(`security: ${opts.name}`, () => {
    let ctx: SuiteTenants & Extra;
    const callers = new Map<Role, string>();
    let allowedUserToken: string | undefined;
    let allowedSubject: { userId: string; tenantId: string; role: Role };
    let ownerKey: { id: string; key: string } | undefined;
    let revokedKey: string;
    let wrongScopeKey: string | undefined;
    let otherCaller: Record<string, string> | undefined;

    const send = (headers: Record<string, string> = {}) => {
      const body = opts.body?.(ctx);
      return call(opts.path(ctx), { method: opts.method, headers, ...(body === undefined ? {} : { json: body }) });
    };

    beforeAll(async () => {
      const [owner, other] = await Promise.all([registerTenant({ tenantName: "Owner" }), registerTenant({ tenantName: "Other" })]);
      const extra = opts.setup ? await opts.setup({ owner, other }) : ({} as Extra);
      ctx = { ...extra, owner, other };

      callers.set("admin", owner.accessToken);
      for (const role of ROLES) {
        if (role !== "admin") callers.set(role, (await createUserWithRole(owner.accessToken, role)).accessToken);
      }
      const allowedRole = opts.allowedRoles[0] ?? "admin";
      allowedUserToken = opts.allowedRoles.length ? callers.get(allowedRole) : undefined;
      const payload = JSON.parse(atob((callers.get(allowedRole) as string).split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      allowedSubject = { userId: payload.sub, tenantId: owner.tenantId, role: allowedRole };

      const revoked = await createApiKey(owner.accessToken, { scopes: [...SCOPES] });
      await revokeApiKey(owner.accessToken, revoked.id);
      revokedKey = revoked.key;
      if (opts.scope) {
        ownerKey = await createApiKey(owner.accessToken, { scopes: [opts.scope] });
        const others = SCOPES.filter((s) => s !== opts.scope);
        if (others.length) wrongScopeKey = (await createApiKey(owner.accessToken, { scopes: others })).key;
      } else {
        wrongScopeKey = (await createApiKey(owner.accessToken, { scopes: [...SCOPES] })).key;
      }

      if (opts.crossTenant) {
        if (opts.allowedRoles.includes("admin")) otherCaller = bearer(other.accessToken);
        else if (opts.allowedRoles.length) otherCaller = bearer((await createUserWithRole(other.accessToken, opts.allowedRoles[0])).accessToken);
        else if (opts.scope) otherCaller = apiKeyHeader((await createApiKey(other.accessToken, { scopes: [opts.scope] })).key);
      }
    });

    it("refuses a request without credentials with 401 `missing`, naming both headers and offering both challenges", async () => {
      const res = await send();
      expect401(res, "missing", /X-API-Key.*Authorization: Bearer/);
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="edge-kyc".*ApiKey realm="edge-kyc", header="X-API-Key"$/);
    });

    it("refuses a non-Bearer Authorization header, and an API key sent as a Bearer token, with 401 `malformed`", async () => {
      expect401(await send({ Authorization: `Basic ${btoa("admin:admin")}` }), "malformed", /^Authorization$/);
      const asBearer = await send(bearer(`ekyc_live_${"0".repeat(48)}`));
      expect401(asBearer, "malformed", /^X-API-Key$/);
      expect(asBearer.data.error.message).toMatch(/X-API-Key/);
    });

    it("refuses forged, expired, alg:none, wrong-key, wrong-issuer, wrong-audience and malformed JWTs with 401", async () => {
      const tokens = await badTokens(allowedSubject, callers.get(allowedSubject.role) as string);
      for (const [what, token] of Object.entries(tokens)) {
        const res = await send(bearer(token));
        expect(res.status, what).toBe(401);
        expect401(res, BAD_TOKEN_REASONS[what], /^Authorization$/, what);
        expect(res.headers.get("WWW-Authenticate"), what).toMatch(/^Bearer realm="edge-kyc", error="invalid_token"/);
      }
    });

    it("refuses unknown and revoked API keys with 401", async () => {
      const unknown = `ekyc_live_${"0".repeat(48)}`;
      for (const [key, reason] of [[unknown, "unknown"], [revokedKey, "revoked"], ["garbage", "malformed"]]) {
        const res = await send(apiKeyHeader(key));
        expect(res.status, key.slice(0, 16)).toBe(401);
        expect401(res, reason, /^X-API-Key$/);
      }
    });

    it("refuses roles outside the allowed ones with 403", async () => {
      const denied = ROLES.filter((r) => !opts.allowedRoles.includes(r));
      for (const role of denied) {
        const res = await send(bearer(callers.get(role) as string));
        expect(res.status, role).toBe(403);
        const error = expectErrorShape(res, 403, "FORBIDDEN");
        if (opts.allowedRoles.length) {
          expect(error.details.role, role).toBe(role);
          expect([...error.details.required_roles].sort(), role).toEqual([...opts.allowedRoles].sort());
          expect(error.message, role).toContain(`\`${role}\``);
        } else {
          // A route for neither users nor keys (a session-secret-only route) names no scope.
          expect(error.details, role).toMatchObject(opts.scope ? { required_scope: opts.scope, credential: "user" } : { credential: "user" });
        }
      }
    });

    it(opts.scope ? `refuses an API key without the ${opts.scope} scope with 403` : "refuses API keys with 403", async () => {
      if (!wrongScopeKey) return; // the route's scope is the only one there is
      const error = expectErrorShape(await send(apiKeyHeader(wrongScopeKey)), 403, "FORBIDDEN");
      if (opts.scope) {
        expect(error.details.required_scope).toBe(opts.scope);
        expect(error.message).toContain(`\`${opts.scope}\``);
      } else {
        // A key holding every scope is told that the route is for signed-in users, not that it lacks a scope.
        expect(error.details.credential).toBe("api_key");
        expect([...error.details.required_roles].sort()).toEqual([...opts.allowedRoles].sort());
        expect(error.message).not.toMatch(/lacks/);
      }
    });

    if (opts.crossTenant) {
      it("answers 404 to an allowed caller of another tenant", async () => {
        expect(otherCaller).toBeTruthy();
        expectErrorShape(await send(otherCaller), 404, "NOT_FOUND");
      });
    }

    if (!opts.skipPositiveControl) {
      it("lets an allowed caller through (positive control)", async () => {
        const headers = allowedUserToken ? bearer(allowedUserToken) : apiKeyHeader((ownerKey as { key: string }).key);
        const res = await send(headers);
        expect([401, 403], JSON.stringify(res.data)).not.toContain(res.status);
      });
    }
  });
}
