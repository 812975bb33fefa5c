/** HTTP handlers of registration and sessions (login, refresh, logout); tenants and sessions live in src/identity/. */
import type { RouteHandler } from "@hono/zod-openapi";
import { unauthorized } from "../../lib/errors";
import { log } from "../../lib/log";
import { dummyPasswordHash, verifyPassword } from "../../lib/passwords";
import { requestMeta } from "../../middleware/auth";
import { BUDGETS, rateLimitedError, takeAccountLimit } from "../../identity/rate-limit";
import { consumeRefreshToken, issueSession, revokeByToken } from "../../identity/sessions";
import { registerTenant } from "../../identity/tenants";
import { findUserByEmail, getUser, publicUser } from "../../identity/users";
import type { AppEnv } from "../../app/context";
import type { login, logout, refresh, register } from "./auth.routes";

const LOGIN_FAILED = "Invalid email or password";
const REFRESH_FAILED = "Invalid refresh token";

export const registerHandler: RouteHandler<typeof register, AppEnv> = async (c) => {
  const services = c.var.services;
  const { tenant, user } = await registerTenant(services, c.req.valid("json"), requestMeta(c));
  const tokens = await issueSession(services, user);
  return c.json({ ...tokens, tenant: { id: tenant.id, name: tenant.name }, user: publicUser(user) }, 201);
};

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const { email, password } = c.req.valid("json");
  const services = c.var.services;
  // Per account, whatever the address: guessing one account's password from many addresses is slowed too.
  const accountLimit = await takeAccountLimit(services.rateLimits, "login", email, BUDGETS.loginAccount);
  if (!accountLimit.allowed) throw rateLimitedError(accountLimit);
  const user = await findUserByEmail(services.db, email);
  // Unknown emails are checked against a dummy hash so both failures cost the same time.
  const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !valid) {
    if (user) {
      await services.audit.append(
        { tenantId: user.tenantId, actorType: "anonymous", action: "auth.login_failed", targetType: "user", targetId: user.id },
        requestMeta(c),
      );
    }
    log.info("login_failed", { request_id: c.get("requestId"), reason: user ? "wrong password" : "unknown email" });
    throw unauthorized(LOGIN_FAILED);
  }
  await services.audit.append(
    { tenantId: user.tenantId, actorType: "user", actorId: user.id, action: "auth.login", targetType: "user", targetId: user.id },
    requestMeta(c),
  );
  return c.json(await issueSession(services, user), 200);
};

export const refreshHandler: RouteHandler<typeof refresh, AppEnv> = async (c) => {
  const { refresh_token } = c.req.valid("json");
  const services = c.var.services;
  const consumed = await consumeRefreshToken(services.db, refresh_token, services.now());
  if (!consumed.ok) {
    if (consumed.reason === "reused") {
      await services.audit.append(
        {
          tenantId: consumed.row.tenantId,
          actorType: "anonymous",
          action: "auth.refresh_reuse",
          targetType: "user",
          targetId: consumed.row.userId,
          metadata: { family_id: consumed.row.familyId },
        },
        requestMeta(c),
      );
    }
    log.info("refresh_refused", { request_id: c.get("requestId"), reason: consumed.reason });
    throw unauthorized(REFRESH_FAILED);
  }
  const user = await getUser(services.db, consumed.row.tenantId, consumed.row.userId);
  if (!user) throw unauthorized(REFRESH_FAILED);
  return c.json(await issueSession(services, user, consumed.row.familyId), 200);
};

export const logoutHandler: RouteHandler<typeof logout, AppEnv> = async (c) => {
  const { refresh_token } = c.req.valid("json");
  const services = c.var.services;
  const session = await revokeByToken(services.db, refresh_token, services.now());
  if (session) {
    await services.audit.append(
      { tenantId: session.tenantId, actorType: "user", actorId: session.userId, action: "auth.logout", targetType: "user", targetId: session.userId },
      requestMeta(c),
    );
  }
  return c.body(null, 204);
};
