/** Contract of /.well-known/jwks.json: the public keys that verify our access tokens and signed receipts. */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent } from "../../lib/openapi";

export const jwks = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  operationId: "getJwks",
  security: [],
  tags: ["Keys"],
  summary: "JSON Web Key Set",
  description: "Public ES256 keys (with `kid`) that verify access tokens and signed receipts. Cacheable for 5 minutes.",
  responses: {
    200: jsonContent(
      z
        .object({
          keys: z.array(
            z.object({ kty: z.string(), crv: z.string().optional(), x: z.string().optional(), y: z.string().optional(), kid: z.string(), alg: z.string(), use: z.string() }).passthrough(),
          ),
        })
        .openapi("Jwks"),
      "The key set",
    ),
  },
});
