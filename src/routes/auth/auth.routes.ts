/** Contracts of /v1/auth: register, login, refresh, logout. */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { ipRateLimit } from "../../middleware/ip-rate-limit";
import { BUDGETS } from "../../identity/rate-limit";
import { Email, NewPassword, PersonName, User } from "../users/users.schemas";

/** Attempts per client address (IPv6: per /64) per minute; login is also limited per account (BUDGETS.loginAccount). */
export const LOGIN_PER_MINUTE = 10;
export const REGISTER_PER_MINUTE = 5;
export const REFRESH_PER_MINUTE = 30;
export const LOGOUT_PER_MINUTE = 30;

export const TokenPair = z
  .object({
    access_token: z.string().openapi({ description: "ES256 JWT for `Authorization: Bearer …`; verify with /.well-known/jwks.json" }),
    refresh_token: z.string().openapi({ description: "Single-use; exchange at /v1/auth/refresh within 30 days" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ description: "Access token lifetime in seconds", example: 900 }),
  })
  .openapi("TokenPair");

const RefreshBody = z.object({
  refresh_token: z.string().min(1).max(200).openapi({ description: "A refresh token from login, register or a previous refresh" }),
});

export const register = createRoute({
  method: "post",
  path: "/v1/auth/register",
  operationId: "register",
  security: [],
  tags: ["Auth"],
  summary: "Create a tenant and its first admin",
  description: `Creates a tenant (organisation) and a user with role \`admin\`, and signs that user in. Limited to ${REGISTER_PER_MINUTE} per minute per client IP.`,
  middleware: [ipRateLimit("register", REGISTER_PER_MINUTE)] as const,
  request: {
    body: jsonBody(
      z.object({
        email: Email,
        password: NewPassword,
        name: PersonName,
        tenant_name: z.string().trim().min(1).max(200).openapi({ description: "Organisation name", example: "Acme Bank" }),
      }),
    ),
  },
  responses: {
    201: jsonContent(
      TokenPair.extend({ tenant: z.object({ id: z.string(), name: z.string() }), user: User }).openapi("Registration"),
      "Tenant and admin created; the admin is signed in",
    ),
    ...errorResponses(400, 409, 429),
  },
});

export const login = createRoute({
  method: "post",
  path: "/v1/auth/login",
  operationId: "login",
  security: [],
  tags: ["Auth"],
  summary: "Sign in with email and password",
  description: `Any failure is the same 401, whether the email is unknown or the password wrong. Limited to ${LOGIN_PER_MINUTE} per minute per client address (IPv6: per /64) and ${BUDGETS.loginAccount} per minute per account.`,
  middleware: [ipRateLimit("login", LOGIN_PER_MINUTE)] as const,
  request: {
    body: jsonBody(z.object({ email: Email, password: z.string().min(1).max(1024).openapi({ description: "The account's password" }) })),
  },
  responses: {
    200: jsonContent(TokenPair, "Signed in"),
    ...errorResponses(400, 401, 429),
  },
});

export const refresh = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  operationId: "refreshTokens",
  security: [],
  tags: ["Auth"],
  summary: "Exchange a refresh token for new tokens",
  description:
    `Rotates: the presented token is spent and a new pair returned. Presenting an already-used token revokes every token of its family (the session) and answers 401. Limited to ${REFRESH_PER_MINUTE} per minute per client address.`,
  middleware: [ipRateLimit("refresh", REFRESH_PER_MINUTE)] as const,
  request: { body: jsonBody(RefreshBody) },
  responses: {
    200: jsonContent(TokenPair, "New token pair"),
    ...errorResponses(400, 401, 429),
  },
});

export const logout = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  operationId: "logout",
  security: [],
  tags: ["Auth"],
  summary: "End a session",
  description: `Revokes the refresh token's whole family. Idempotent: an unknown or already revoked token also answers 204. Limited to ${LOGOUT_PER_MINUTE} per minute per client address.`,
  middleware: [ipRateLimit("logout", LOGOUT_PER_MINUTE)] as const,
  request: { body: jsonBody(RefreshBody) },
  responses: {
    204: { description: "Session ended" },
    ...errorResponses(400, 429),
  },
});
