import { describe, expect, it } from "vitest";
import { takeToken } from "../../durable-objects/rate-limiter";

describe("token bucket (takeToken)", () => {
  it("allows `limit` requests at once, then refuses with the wait for one token", () => {
    let state = null;
    const results = [];
    for (let i = 0; i < 12; i++) {
      const step = takeToken(state, 10, 60_000, 1_000_000);
      state = step.state;
      results.push(step.result);
    }
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results[9]).toMatchObject({ allowed: true, remaining: 0 });
    expect(results[10]).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 6, resetSeconds: 60 });
  });

  it("refills continuously at limit per window", () => {
    let state = null;
    for (let i = 0; i < 10; i++) state = takeToken(state, 10, 60_000, 0).state;
    expect(takeToken(state, 10, 60_000, 5_999).result.allowed).toBe(false);
    expect(takeToken(state, 10, 60_000, 6_000).result.allowed).toBe(true);
    expect(takeToken(state, 10, 60_000, 600_000).result.remaining).toBe(9);
  });
});
