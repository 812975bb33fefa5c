import { describe, expect, it } from "vitest";
import { hashPassword as seedHashPassword } from "../../scripts/seed.mjs";
import { PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "../../src/lib/passwords";

describe("password hashes", () => {
  it("the seed script writes hashes the Worker verifies", async () => {
    const hash = await seedHashPassword("demo-password-for-seed");
    expect(hash.startsWith(`pbkdf2-sha256$${PBKDF2_ITERATIONS}$`)).toBe(true);
    expect(await verifyPassword("demo-password-for-seed", hash)).toBe(true);
    expect(await verifyPassword("demo-password-for-seeD", hash)).toBe(false);
  });

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
