export interface ScoredPair {
  score: number;
  same: boolean;
}
export function rocAuc(pairs: ScoredPair[]): number;
export function atFar(pairs: ScoredPair[], far: number): { threshold: number; tar: number; far: number };
export function eer(pairs: ScoredPair[]): { eer: number; threshold: number };
export function parsePairs(csv: string): { a: string; b: string; same: boolean }[];
