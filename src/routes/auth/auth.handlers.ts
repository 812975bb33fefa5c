import type { RouteHandler } from "@hono/zod-openapi";
import { tenants, users } from "../../db/schema";
import { unauthorized } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import { isUniqueViolation } from "../../lib/pagination";
import { dummyPasswordHash, verifyPassword } from "../../lib/passwords";
import { requestMeta } from "../../middleware/auth";
import { BUDGETS, rateLimitedError, takeAccountLimit } from "../../services/rate-limit";
import { consumeRefreshToken, issueSession, revokeByToken } from "../../services/sessions";
import { emailTaken, findUserByEmail, getUser, newUserRow, publicUser } from "../../services/users";
import type { AppEnv } from "../../types";
import type { login, logout, refresh, register } from "./auth.routes";

const LOGIN_FAILED = "Invalid email or password";
const REFRESH_FAILED = "Invalid refresh token";

export const registerHandler: RouteHandler<typeof register, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const services = c.var.services;
  const now = services.now();
  if (await findUserByEmail(services.db, body.email)) throw emailTaken();
  const tenant = { id: newId("ten", now), name: body.tenant_name, createdAt: now };
  const user = await newUserRow({ tenantId: tenant.id, email: body.email, name: body.name, password: body.password, role: "admin" }, now);
  try {
    // One batch is one transaction: never a tenant without its admin.
    await services.db.batch([services.db.insert(tenants).values(tenant), services.db.insert(users).values(user)]);
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  await services.audit.append(
    { tenantId: tenant.id, actorType: "user", actorId: user.id, action: "auth.register", targetType: "tenant", targetId: tenant.id },
    requestMeta(c),
  );
  const tokens = await issueSession(services, user);
  return c.json({ ...tokens, tenant: { id: tenant.id, name: tenant.name }, user: publicUser(user) }, 201);
};

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const { email, password } = c.req.valid("json");
  const services = c.var.services;
  // Per account, whatever the address: guessing one account's password from many addresses is slowed too.
  const accountLimit = await takeAccountLimit(services.bindings.RATE_LIMITER, "login", email, BUDGETS.loginAccount);
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
