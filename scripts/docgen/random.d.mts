/** Types of scripts/docgen/random.mjs (seeded mulberry32 randomness), for tests that import it alone. */
export function createRandom(seed: number): {
  next(): number;
  float(min: number, max: number): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  normal(): number;
};
export function deriveSeed(seed: number, label: string | number): number;
