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
 * wrong-audience JWTs → 401; unknown and revoked API keys → 401; every role outside `allowedRoles` → 403; an API
 * key without the route's scope → 403; with `crossTenant`, an allowed caller of `other` → 404. Last, a
 * positive control: an allowed caller is not refused (so the refusals above are not vacuous).
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
  };
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

    it("refuses a request without credentials with 401", async () => {
      expectErrorShape(await send(), 401, "UNAUTHORIZED");
    });

    it("refuses a non-Bearer Authorization header with 401", async () => {
      expectErrorShape(await send({ Authorization: `Basic ${btoa("admin:admin")}` }), 401, "UNAUTHORIZED");
    });

    it("refuses forged, expired, alg:none, wrong-key, wrong-issuer, wrong-audience and malformed JWTs with 401", async () => {
      const tokens = await badTokens(allowedSubject, callers.get(allowedSubject.role) as string);
      for (const [what, token] of Object.entries(tokens)) {
        const res = await send(bearer(token));
        expect(res.status, what).toBe(401);
        expectErrorShape(res, 401, "UNAUTHORIZED");
      }
    });

    it("refuses unknown and revoked API keys with 401", async () => {
      const unknown = `ekyc_live_${"0".repeat(48)}`;
      for (const key of [unknown, revokedKey, "garbage"]) {
        const res = await send(apiKeyHeader(key));
        expect(res.status, key.slice(0, 16)).toBe(401);
        expectErrorShape(res, 401, "UNAUTHORIZED");
      }
    });

    it("refuses roles outside the allowed ones with 403", async () => {
      const denied = ROLES.filter((r) => !opts.allowedRoles.includes(r));
      for (const role of denied) {
        const res = await send(bearer(callers.get(role) as string));
        expect(res.status, role).toBe(403);
        expectErrorShape(res, 403, "FORBIDDEN");
      }
    });

    it(opts.scope ? `refuses an API key without the ${opts.scope} scope with 403` : "refuses API keys with 403", async () => {
      if (!wrongScopeKey) return; // the route's scope is the only one there is
      expectErrorShape(await send(apiKeyHeader(wrongScopeKey)), 403, "FORBIDDEN");
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
