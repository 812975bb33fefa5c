import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import { createApiKey, login, registerTenant } from "../helpers/identity";

/** Every value of every row of every D1 table, as text. */
async function dumpDatabase(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
  expect(tables.results.length).toBeGreaterThan(5);
  const parts: string[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    parts.push(JSON.stringify(rows.results));
  }
  return parts.join("\n");
}

describe("secrets at rest", () => {
  it("after register, login, key creation and refresh, no table holds a password, API key or refresh token in clear", async () => {
    const password = `Unique-Password-${crypto.randomUUID()}`;
    const t = await registerTenant({ password });
    const session = await login(t.email, password);
    const live = await createApiKey(session.accessToken, { mode: "live" });
    const test = await createApiKey(session.accessToken, { mode: "test" });
    const refreshed = await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: session.refreshToken } });
    expect(refreshed.status).toBe(200);

    const dump = await dumpDatabase();
    expect(dump).toContain(t.email); // the scan does see this run's rows
    const secrets = {
      password,
      "live key": live.key,
      "test key": test.key,
      "key secret part": live.key.slice(16),
      "register refresh token": t.refreshToken,
      "login refresh token": session.refreshToken,
      "rotated refresh token": refreshed.data.refresh_token,
      "access token": session.accessToken,
    };
    for (const [what, secret] of Object.entries(secrets)) expect(dump.includes(secret), what).toBe(false);
    expect(dump).toMatch(/pbkdf2-sha256\$100000\$/);
  });
});
