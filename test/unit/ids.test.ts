import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";

describe("ids", () => {
  it("ids made in the same millisecond sort in the order they were made (the audit chain seals by created_at, then id)", () => {
    const now = Date.now();
    const ids = Array.from({ length: 500 }, () => newId("aud", now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^aud_[0-9a-f]{28}$/);
  });

  it("a new millisecond draws a new random part, and ids still embed their time", () => {
    const a = newId("ver", 1_000);
    const b = newId("ver", 1_001);
    expect(a < b).toBe(true);
    expect(b.slice(4, 16)).toBe((1_001).toString(16).padStart(12, "0"));
  });
});
