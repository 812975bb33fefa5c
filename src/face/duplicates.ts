/**
 * 1:N duplicate-face search by brute force over a tenant's stored embeddings. Linear in N
 * (512 multiply-adds per candidate: ~5 ms for 10k faces); see models/README.md for the move to a
 * vector index at scale.
 */
import { cosineSimilarity } from "./embedding";

export interface StoredFace {
  verificationId: string;
  embedding: ArrayLike<number>;
}

export interface DuplicateMatch {
  verificationId: string;
  similarity: number;
}

/**
 * Candidates whose similarity to `query` is at least `threshold`, most similar first.
 *
 * @example
 * findDuplicateFaces(selfie.embedding, stored, { threshold: thresholds.duplicate, excludeVerificationId: id })
 */
export function findDuplicateFaces(
  query: ArrayLike<number>,
  candidates: Iterable<StoredFace>,
  options: { threshold: number; limit?: number; excludeVerificationId?: string },
): DuplicateMatch[] {
  const matches: DuplicateMatch[] = [];
  for (const c of candidates) {
    if (c.verificationId === options.excludeVerificationId) continue;
    const similarity = cosineSimilarity(query, c.embedding);
    if (similarity >= options.threshold) matches.push({ verificationId: c.verificationId, similarity });
  }
  matches.sort((a, b) => b.similarity - a.similarity);
  return options.limit === undefined ? matches : matches.slice(0, options.limit);
}

/** Packs an embedding for storage (little-endian float32). */
export function embeddingToBytes(embedding: Float32Array): Uint8Array {
  return new Uint8Array(embedding.buffer.slice(embedding.byteOffset, embedding.byteOffset + embedding.byteLength));
}

/** Unpacks {@link embeddingToBytes}. */
export function embeddingFromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError("embedding bytes are not float32");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
