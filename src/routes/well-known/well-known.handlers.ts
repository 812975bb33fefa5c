/** The public JWKS: the keys that verify our JWTs, receipts, exports and audit heads. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../app/context";
import type { jwks } from "./well-known.routes";

export const jwksHandler: RouteHandler<typeof jwks, AppEnv> = async (c) => {
  const set = await c.var.services.tokens.jwks();
  c.header("Cache-Control", "public, max-age=300");
  return c.json({ keys: set.keys.map((k) => ({ ...k, kty: k.kty ?? "EC", kid: k.kid ?? "", alg: k.alg ?? "ES256", use: k.use ?? "sig" })) }, 200);
};
