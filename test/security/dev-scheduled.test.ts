/**
 * The Worker's /__dev/scheduled, through which `npm run dev` fires the crons (scripts/dev.mjs), exists only when
 * ENVIRONMENT=development: anywhere else the path is the API's, an unknown route answered 404 in the one error shape,
 * so nobody can run the jobs of a deployed Worker from outside.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";

describe("/__dev/scheduled outside development", () => {
  it("is an unknown route in the test environment", async () => {
    const res = await SELF.fetch("https://api.test/__dev/scheduled?cron=*%20*%20*%20*%20*", { method: "POST" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it.each(["production", "staging"])("is an unknown route when ENVIRONMENT=%s, for GET and POST", async (environment) => {
    for (const method of ["GET", "POST"]) {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request("https://api.example/__dev/scheduled?cron=0%203%20*%20*%20*", { method }), { ...env, ENVIRONMENT: environment } as typeof env, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
  });
});
