import { describe, expect, it } from "vitest";
import { embeddingFromBytes, embeddingToBytes, findDuplicateFaces } from "../../../src/face/duplicates";
import { cosineSimilarity, l2Normalize } from "../../../src/face/embedding";

const unit = (...v: number[]) => l2Normalize(new Float32Array(v));

describe("findDuplicateFaces", () => {
  it("returns candidates above the threshold, most similar first, without the excluded one", () => {
    const q = unit(1, 0, 0);
    const out = findDuplicateFaces(
      q,
      [
        { verificationId: "self", embedding: unit(1, 0, 0) },
        { verificationId: "far", embedding: unit(0, 1, 0) },
        { verificationId: "close", embedding: unit(1, 0.2, 0) },
        { verificationId: "closer", embedding: unit(1, 0.05, 0) },
      ],
      { threshold: 0.9, excludeVerificationId: "self" },
    );
    expect(out.map((m) => m.verificationId)).toEqual(["closer", "close"]);
    expect(out[0].similarity).toBeGreaterThan(out[1].similarity);
  });

  it("round-trips embeddings through bytes", () => {
    const e = unit(0.3, -0.2, 0.9, 0.1);
    expect(Array.from(embeddingFromBytes(embeddingToBytes(e)))).toEqual(Array.from(e));
  });
});

describe("cosineSimilarity", () => {
  it("is 1 for parallel, 0 for orthogonal, -1 for opposite vectors and rejects length mismatches", () => {
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 3])).toBeCloseTo(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
  });
});
