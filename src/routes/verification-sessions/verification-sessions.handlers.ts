/** HTTP handlers of the verification-session routes: parse, call src/sessions/, shape the answer. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app/context";
import { ApiError, validationError } from "../../lib/errors";
import { requestMeta } from "../../middleware/auth";
import { DEFAULT_TTL_SECONDS, cancelSession, createSession, exchangeSecret, getSession, returnUrlAllowed, sessionView } from "../../sessions/sessions";
import type { CreateVerificationInput } from "../../verifications/lifecycle";
import { CreateVerificationBody } from "../verifications/verifications.schemas";
import type { cancelSessionRoute, createSessionRoute, exchangeSecretRoute, getSessionRoute } from "./verification-sessions.routes";
import { DOCUMENT_TYPES } from "./verification-sessions.routes";

export const createSessionHandler: RouteHandler<typeof createSessionRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const { allowed_document_types, challenge_required, return_url, locale, expires_in, ...verificationBody } = c.req.valid("json");
  if (return_url !== undefined && !returnUrlAllowed(return_url, s.config.ENVIRONMENT)) {
    throw new ApiError("VALIDATION_ERROR", "return_url must be an https URL (http://localhost only in development and test)", {
      details: { fields: { return_url: ["must be https"] } },
    });
  }
  const parsed = CreateVerificationBody.safeParse(verificationBody);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const created = await createSession(
    s,
    c.var.principal,
    {
      verification: parsed.data as CreateVerificationInput,
      options: { allowed_document_types: allowed_document_types ?? [...DOCUMENT_TYPES], challenge_required: challenge_required ?? false, return_url: return_url ?? null, locale: locale ?? "en" },
      ttlSeconds: expires_in ?? DEFAULT_TTL_SECONDS,
      origin: new URL(c.req.url).origin,
    },
    requestMeta(c),
  );
  c.header("Cache-Control", "no-store");
  return c.json(created, 201);
};

export const getSessionHandler: RouteHandler<typeof getSessionRoute, AppEnv> = async (c) => {
  return c.json(sessionView(await getSession(c.var.services, c.var.principal, c.req.valid("param").id)), 200);
};

export const cancelSessionHandler: RouteHandler<typeof cancelSessionRoute, AppEnv> = async (c) => {
  return c.json(sessionView(await cancelSession(c.var.services, c.var.principal, c.req.valid("param").id)), 200);
};

export const exchangeSecretHandler: RouteHandler<typeof exchangeSecretRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const session = await getSession(s, c.var.principal, c.req.valid("param").id);
  const { credential, expires_at } = await exchangeSecret(s, session);
  const view = sessionView(session);
  c.header("Cache-Control", "no-store");
  return c.json(
    { session_id: session.id, verification_id: session.verificationId, credential, expires_at, allowed_document_types: view.allowed_document_types, challenge_required: view.challenge_required, locale: view.locale },
    200,
  );
};
