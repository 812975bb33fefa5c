/**
 * Seeded randomness for the document generator. Every random choice goes through one of these generators so that the
 * same seed yields byte-identical documents (Math.random is never used).
 */

/**
 * A small, fast 32-bit generator (mulberry32) with helpers for the choices the generator makes.
 * @param {number} seed any integer
 * @example
 * const random = createRandom(7);
 * random.int(0, 9); // the same number on every run
 */
export function createRandom(seed) {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** @param {number} min @param {number} max */
    float: (min, max) => min + (max - min) * next(),
    /** Inclusive integer range. @param {number} min @param {number} max */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** @template T @param {readonly T[]} items @returns {T} */
    pick: (items) => items[Math.floor(next() * items.length)],
    /** @param {number} probability */
    chance: (probability) => next() < probability,
    /** Standard normal (Box–Muller). */
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/** @typedef {ReturnType<typeof createRandom>} Random */

/**
 * Derives an independent seed for a named sub-task, so adding a random draw in one step does not shift every
 * later step's output.
 * @param {number} seed
 * @param {string | number} label
 * @example
 * deriveSeed(42, "noise") !== deriveSeed(42, "layout");
 */
export function deriveSeed(seed, label) {
  let hash = (seed ^ 0x811c9dc5) >>> 0;
  const text = String(label);
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  return hash >>> 0;
}
