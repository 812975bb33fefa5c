import { describe, expect, it } from "vitest";
import { call } from "../helpers/http";

describe("identity routes in the OpenAPI document", () => {
  it("lists every identity route with its security and error responses", async () => {
    const { data } = await call("/openapi.json");
    const expected: Record<string, string[]> = {
      "/v1/auth/register": ["post"],
      "/v1/auth/login": ["post"],
      "/v1/auth/refresh": ["post"],
      "/v1/auth/logout": ["post"],
      "/v1/me": ["get", "patch", "delete"],
      "/v1/users": ["get", "post"],
      "/v1/users/{id}": ["patch", "delete"],
      "/v1/api-keys": ["get", "post"],
      "/v1/api-keys/{id}": ["delete"],
      "/v1/audit": ["get"],
      "/v1/audit/verify": ["get"],
      "/.well-known/jwks.json": ["get"],
    };
    for (const [path, methods] of Object.entries(expected)) {
      for (const method of methods) {
        const op = data.paths[path]?.[method];
        expect(op, `${method} ${path}`).toBeTruthy();
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        if (path.startsWith("/v1/") && !path.startsWith("/v1/auth/")) {
          expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
          expect(op.responses["401"], `${method} ${path}`).toBeTruthy();
        }
      }
    }
    expect(data.components.schemas.TokenPair.properties.refresh_token.description).toBeTruthy();
  });
});
