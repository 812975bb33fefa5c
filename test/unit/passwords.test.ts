import { describe, expect, it } from "vitest";
import { PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "../../src/lib/passwords";

describe("password hashes", () => {
  it("normalises Unicode so the same password typed differently verifies", async () => {
    const hash = await hashPassword("caf\u00e9-long-password", 1000);
    expect(await verifyPassword("cafe\u0301-long-password", hash)).toBe(true);
  });

  it("refuses stored hashes asking for more work than the runtime allows", async () => {
    const ok = await hashPassword("some-long-password", 1000);
    const [, , salt, digest] = ok.split("$");
    expect(await verifyPassword("some-long-password", `pbkdf2-sha256$${PBKDF2_ITERATIONS + 1}$${salt}$${digest}`)).toBe(false);
  });
});
