/**
 * Authentication and authorisation for routes.
 *
 * `requireAuth(rule)` accepts either credential:
 * - `Authorization: Bearer <JWT>` (users): the ES256 access token is verified (algorithm, issuer, audience,
 *   expiry pinned) and the user is re-read from D1, so a deleted user is refused at once and a role change
 *   applies to the next request. Allowed iff `rule.roles` includes the user's current role.
 * - `X-API-Key: <key>` (tenant back ends): allowed iff `rule.scope` is set and the key has that scope.
 * Every authenticated request then takes a token from its caller's and its tenant's buckets (and, with
 * `rule.expensive`, from the lower budget of expensive routes) in the RATE_LIMITER Durable Object; the response
 * carries `RateLimit-*` headers, and a refusal is 429 with `Retry-After`.
 *
 * A refusal says why: 401 with `details.reason` one of `missing`, `malformed`, `unknown`, `revoked`, `expired`,
 * `invalid` (a token whose signature or claims do not verify), the header that was expected, and a
 * `WWW-Authenticate` challenge; 403 names the role or scope that is missing. On success `c.var.principal` is set.
 *
 * A verification session's client secret (`Bearer vsess_…`) or the hosted page's credential (`Bearer vsct_…`) is
 * recognised by its prefix (never parsed as a JWT) and gives a `session` principal. It is accepted only by routes whose
 * rule names `session`, only for its own verification (or, for the exchange, its own session), and only while the
 * session's status allows that use (`SESSION_USES`); everywhere else it is refused with 401 and `details.reason`
 * `invalid`, so a leaked secret reveals nothing about which routes exist.
 *
 * @example
 * createRoute({ method: "get", path: "/v1/verifications/{id}", middleware: [requireAuth({ roles: ["admin", "reviewer"], scope: "verifications:read" })] as const, ... })
 */
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { authenticateApiKey, forgetApiKey, touchApiKey } from "../identity/api-keys";
import type { Caller } from "../identity/rate-limit";
import { rateLimitHeaders, rateLimitedError, takeCallerLimit } from "../identity/rate-limit";
import { getUser } from "../identity/users";
import type { SessionCredentialKind, SessionRow, SessionStatus } from "../sessions/sessions";
import { authenticateSession, isSessionToken, sessionPrincipal } from "../sessions/sessions";
import type { Principal, RequestMeta, Role, Scope } from "../types";
import type { AppEnv } from "../app/context";
import { takeAddressLimit } from "./ip-rate-limit";

export interface AccessRule {
  /** Roles of users allowed; omit to refuse every user token. */
  roles?: Role[];
  /** The scope an API key must hold; omit to refuse every API key. */
  scope?: Scope;
  /** The route runs models or scans whole tables: it also draws from the lower budget for expensive routes. */
  expensive?: boolean;
  /**
   * What a verification-session credential may do here; omit to refuse it (401). `act`: upload, challenge, submit for
   * its own verification (`{id}` is the verification); `status`: read its own verification; `exchange`: trade the
   * client secret for the page's credential (`{id}` is the session).
   */
  session?: "act" | "status" | "exchange";
}

/** The session statuses in which each use is allowed. */
export const SESSION_USES: Record<NonNullable<AccessRule["session"]>, readonly SessionStatus[]> = {
  act: ["open", "in_use"],
  status: ["open", "in_use", "submitted"],
  exchange: ["open"],
};
/** Requests per minute a session's credentials may send together. */
export const SESSION_PER_MINUTE = 120;
/**
 * Requests per minute one client address may send with verification-session secrets, whatever the session: taken
 * before the secret is looked up, so a script trying secrets (or hammering D1 with them) is cut off, while an office
 * or a mobile carrier's NAT with a few applicants on capture pages at once still fits.
 */
export const SESSION_IP_PER_MINUTE = 300;

const API_KEY_REFUSALS = {
  malformed: "The X-API-Key header is not an edge-kyc API key (ekyc_live_… or ekyc_test_…)",
  unknown: "No API key matches the X-API-Key header",
  revoked: "The API key in the X-API-Key header has been revoked",
} as const;

export type AuthFailure = "missing" | "malformed" | "unknown" | "revoked" | "expired" | "invalid";

const REALM = 'realm="edge-kyc"';
/** RFC 6750 for bearer tokens, plus a challenge naming the API-key header. */
function challenge(scheme: "Bearer" | "ApiKey" | "both", error?: string, description?: string): string {
  const bearer = `Bearer ${REALM}${error ? `, error="${error}"` : ""}${description ? `, error_description="${description.replace(/"/g, "'")}"` : ""}`;
  const apiKey = `ApiKey ${REALM}, header="X-API-Key"`;
  return scheme === "Bearer" ? bearer : scheme === "ApiKey" ? apiKey : `${bearer}, ${apiKey}`;
}

function refuse(c: Context<AppEnv>, reason: AuthFailure, header: "Authorization" | "X-API-Key" | null, message: string, logReason?: string): never {
  log.info("auth_refused", { request_id: c.get("requestId"), path: c.req.path, reason: logReason ?? reason });
  const scheme = header === "Authorization" ? "Bearer" : header === "X-API-Key" ? "ApiKey" : "both";
  const error = reason === "missing" ? undefined : "invalid_token";
  throw new ApiError("UNAUTHORIZED", message, {
    details: { reason, expected_header: header ?? "X-API-Key or Authorization: Bearer" },
    headers: { "WWW-Authenticate": challenge(scheme, scheme === "ApiKey" ? undefined : error, scheme === "ApiKey" ? undefined : message) },
  });
}

async function authenticateUser(c: Context<AppEnv>, header: string): Promise<Principal> {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  if (!match) {
    const scheme = header.trim().split(/\s+/)[0] || "(empty)";
    refuse(c, "malformed", "Authorization", `The Authorization header must be \`Bearer <access token>\` (got the ${scheme.slice(0, 20)} scheme); API keys go in the X-API-Key header`);
  }
  if (/^ekyc_(live|test)_/.test(match[1])) {
    refuse(c, "malformed", "X-API-Key", "An API key was sent as a Bearer token; send it in the X-API-Key header instead");
  }
  const { tokens, db, now } = c.var.services;
  const verified = await tokens.verifyAccessToken(match[1], now());
  if (!verified.ok) {
    if (/^JWTExpired\b/.test(verified.reason)) refuse(c, "expired", "Authorization", "The access token has expired; get a new one from POST /v1/auth/refresh", verified.reason);
    if (/^(JWSInvalid|JWTInvalid)\b/.test(verified.reason)) refuse(c, "malformed", "Authorization", "The bearer token is not a well-formed JWT access token", verified.reason);
    refuse(c, "invalid", "Authorization", "The access token could not be verified (signature, issuer, audience or algorithm)", `jwt: ${verified.reason}`);
  }
  const user = await getUser(db, verified.claims.tid, verified.claims.sub);
  if (!user) refuse(c, "unknown", "Authorization", "The access token's user no longer exists");
  return { type: "user", tenantId: user.tenantId, userId: user.id, role: user.role };
}

/** The session behind a `vsess_`/`vsct_` bearer token, if this route admits it for this session now; otherwise a 401. */
async function authenticateSessionToken(c: Context<AppEnv>, token: string, rule: AccessRule): Promise<{ session: SessionRow; kind: SessionCredentialKind }> {
  const found = await authenticateSession(c.var.services, token);
  if (!found.ok) {
    const messages = {
      malformed: "The bearer token looks like a verification-session secret but is not well-formed",
      unknown: "No verification session matches this secret",
      revoked: "This verification-session secret no longer works (it was exchanged, or the session was canceled)",
      expired: "The verification session has ended (completed or expired)",
    } as const;
    refuse(c, found.reason, "Authorization", messages[found.reason], `session: ${found.reason}`);
  }
  const { session, kind } = found;
  const use = rule.session;
  const target = c.req.param("id");
  const ownTarget = use === "exchange" ? target === session.id && kind === "client_secret" : target === session.verificationId;
  if (!use || !ownTarget) {
    refuse(c, "invalid", "Authorization", "A verification-session credential can only upload, answer the challenge, submit and read the status of its own verification", "session: route not allowed");
  }
  if (!SESSION_USES[use].includes(session.status)) {
    refuse(c, "invalid", "Authorization", `The verification session is ${session.status}; its credential can no longer do this`, `session: ${session.status}`);
  }
  return { session, kind };
}

function waitUntil(c: Context<AppEnv>, work: Promise<unknown>) {
  const logged = work.catch((err) => log.warn("background_task_failed", { request_id: c.get("requestId"), error: err }));
  try {
    c.executionCtx.waitUntil(logged);
  } catch {
    // No execution context (e.g. app.request in a unit test): the promise still runs, just unattended.
  }
}

const list = (roles: readonly string[]) => roles.map((r) => `\`${r}\``).join(", ");

/** 403 naming what is missing, or null when the principal is allowed. */
function denial(principal: Principal, rule: AccessRule): ApiError | null {
  if (principal.type === "session") return null; // checked in full by authenticateSessionToken
  if (!rule.roles?.length && !rule.scope) {
    return new ApiError("FORBIDDEN", "This operation takes a verification session's client secret as `Authorization: Bearer vsess_…`", {
      details: { credential: principal.type, required_roles: [], required_credential: "session" },
    });
  }
  if (principal.type === "user") {
    if (rule.roles?.includes(principal.role)) return null;
    if (!rule.roles?.length) {
      return new ApiError("FORBIDDEN", `This operation takes an API key with the \`${rule.scope}\` scope; user tokens cannot call it`, {
        details: { required_scope: rule.scope ?? null, credential: "user" },
      });
    }
    return new ApiError("FORBIDDEN", `Your role \`${principal.role}\` cannot do this; it needs one of: ${list(rule.roles)}`, {
      details: { role: principal.role, required_roles: rule.roles },
    });
  }
  if (rule.scope && principal.scopes.includes(rule.scope)) return null;
  if (!rule.scope) {
    return new ApiError("FORBIDDEN", `This operation is for signed-in users (${list(rule.roles ?? [])}); API keys cannot call it, whatever their scopes`, {
      details: { required_roles: rule.roles ?? [], credential: "api_key" },
    });
  }
  return new ApiError("FORBIDDEN", `The API key lacks the \`${rule.scope}\` scope this operation requires`, {
    details: { required_scope: rule.scope, key_scopes: principal.scopes },
  });
}

export function requireAuth(rule: AccessRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const authorization = c.req.header("Authorization");
    const presentedKey = c.req.header("X-API-Key");
    const services = c.var.services;

    let principal: Principal;
    let caller: Caller;
    const sessionToken = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (sessionToken && isSessionToken(sessionToken)) {
      await takeAddressLimit(c, "session", SESSION_IP_PER_MINUTE);
      const { session, kind } = await authenticateSessionToken(c, sessionToken, rule);
      principal = sessionPrincipal(session, kind);
      caller = { type: "api_key", tenantId: session.tenantId, keyId: session.id, limit: SESSION_PER_MINUTE };
    } else if (authorization) {
      principal = await authenticateUser(c, authorization);
      if (principal.type !== "user") throw new Error("unreachable");
      caller = { type: "user", tenantId: principal.tenantId, userId: principal.userId };
    } else {
      if (!presentedKey?.trim()) {
        refuse(c, "missing", null, "Authentication required: send an API key in the X-API-Key header, or a user access token as `Authorization: Bearer <token>`");
      }
      const found = await authenticateApiKey(services.db, presentedKey.trim(), services.now());
      if (!found.ok) {
        refuse(c, found.reason, "X-API-Key", API_KEY_REFUSALS[found.reason]);
      }
      const key = found.key;
      principal = { type: "api_key", tenantId: key.tenantId, keyId: key.id, scopes: key.scopes as Scope[], mode: key.mode };
      caller = { type: "api_key", tenantId: key.tenantId, keyId: key.id, limit: key.rateLimitPerMinute };
      const touch = touchApiKey(services.db, key, services.now());
      if (touch) waitUntil(c, touch);
    }

    // For an API key this one call also refuses a key revoked since this isolate cached it (src/identity/api-keys.ts).
    const apiKeyId = principal.type === "api_key" ? principal.keyId : undefined;
    const limit = await takeCallerLimit(services.rateLimits, caller, rule.expensive ?? false, apiKeyId);
    if (limit.revoked && apiKeyId) {
      forgetApiKey(apiKeyId);
      refuse(c, "revoked", "X-API-Key", API_KEY_REFUSALS.revoked);
    }
    if (!limit.allowed) throw rateLimitedError(limit);
    const headers = rateLimitHeaders(limit);
    const denied = denial(principal, rule);
    if (denied) throw new ApiError(denied.code, denied.message, { details: denied.details, headers });
    c.set("principal", principal);
    // Set before the route runs, so the route's response (c.json, or an error's through onError) is built with them at
    // once: after it, each c.header would rebuild the finished Response. A Response the route built itself, without
    // the context's headers, gets them afterwards.
    const setHeaders = () => Object.entries(headers).forEach(([name, value]) => c.header(name, value));
    setHeaders();
    await next();
    if (!c.res.headers.has("RateLimit-Limit")) setHeaders();
  };
}

/** Where a request came from, for the audit log: Cloudflare's client IP header and `cf` properties. */
export function requestMeta(c: Context): RequestMeta {
  const cf = c.req.raw.cf as { country?: unknown } | undefined;
  return {
    ip: c.req.header("CF-Connecting-IP") ?? null,
    userAgent: c.req.header("User-Agent") ?? null,
    country: typeof cf?.country === "string" ? cf.country : null,
  };
}
