import { describe, expect, it } from "vitest";
import { atFar, eer, parsePairs, rocAuc } from "../../../bench/faces/metrics.mjs";

const pairs = (genuine: number[], impostor: number[]) => [
  ...genuine.map((score) => ({ score, same: true })),
  ...impostor.map((score) => ({ score, same: false })),
];

describe("bench metrics", () => {
  it("AUC is 1 for separated scores, 0.5 for identical ones, and counts ties as half", () => {
    expect(rocAuc(pairs([0.9, 0.8], [0.1, 0.2]))).toBe(1);
    expect(rocAuc(pairs([0.5, 0.5], [0.5, 0.5]))).toBe(0.5);
    expect(rocAuc(pairs([0.9, 0.3], [0.5, 0.1]))).toBe(0.75);
  });

  it("picks the lowest threshold that keeps FAR at or under the target, and the TAR there", () => {
    const impostor = Array.from({ length: 100 }, (_, i) => i / 100); // 0.00 … 0.99
    const r = atFar(pairs([0.95, 0.985, 0.995, 0.5], impostor), 0.01);
    expect(r.far).toBeLessThanOrEqual(0.01);
    expect(r.threshold).toBeGreaterThan(0.98);
    expect(r.tar).toBe(0.5);
  });

  it("finds the equal error rate", () => {
    const e = eer(pairs([0.9, 0.8, 0.7, 0.3], [0.1, 0.2, 0.75, 0.4]));
    expect(e.eer).toBeCloseTo(0.25);
  });

  it("parses pairs.csv", () => {
    expect(parsePairs("a,b,same\nx/1.jpg,x/2.jpg,1\nx/1.jpg,y/1.jpg,0\n")).toEqual([
      { a: "x/1.jpg", b: "x/2.jpg", same: true },
      { a: "x/1.jpg", b: "y/1.jpg", same: false },
    ]);
  });
});
