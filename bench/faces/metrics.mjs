/**
 * Verification metrics over scored pairs: ROC AUC, TAR at a target FAR, EER and the threshold
 * that reaches a target FAR. Plain JavaScript so the bench runs under bare Node.
 * A pair whose face was not found scores -1 (a reject), so missing faces count against TAR.
 */

/** @param {{score:number, same:boolean}[]} pairs */
export function rocAuc(pairs) {
  const pos = pairs.filter((p) => p.same).map((p) => p.score);
  const neg = pairs.filter((p) => !p.same).map((p) => p.score);
  if (!pos.length || !neg.length) return NaN;
  // Mann–Whitney U with average ranks for ties.
  const all = [...pos.map((s) => [s, 1]), ...neg.map((s) => [s, 0])].sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const avg = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k][1] === 1) rankSumPos += avg;
    i = j;
  }
  return (rankSumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/**
 * The smallest threshold whose false-accept rate (impostor scores >= t) is <= far, and the TAR there.
 * @param {{score:number, same:boolean}[]} pairs
 */
export function atFar(pairs, far) {
  const neg = pairs.filter((p) => !p.same).map((p) => p.score).sort((a, b) => b - a);
  const pos = pairs.filter((p) => p.same).map((p) => p.score);
  const allowed = Math.floor(far * neg.length);
  // Accept when score > the (allowed)-th highest impostor score.
  const threshold = allowed < neg.length ? nextUp(neg[allowed]) : -Infinity;
  const tar = pos.filter((s) => s >= threshold).length / pos.length;
  const realFar = neg.filter((s) => s >= threshold).length / neg.length;
  return { threshold, tar, far: realFar };
}

/** Equal error rate and the threshold where FAR ≈ FRR. */
export function eer(pairs) {
  const pos = pairs.filter((p) => p.same).map((p) => p.score);
  const neg = pairs.filter((p) => !p.same).map((p) => p.score);
  const ts = [...new Set(pairs.map((p) => p.score))].sort((a, b) => a - b);
  let best = { eer: 1, threshold: 0, gap: Infinity };
  for (const t of ts) {
    const far = neg.filter((s) => s >= t).length / neg.length;
    const frr = pos.filter((s) => s < t).length / pos.length;
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { eer: (far + frr) / 2, threshold: t, gap };
  }
  return { eer: best.eer, threshold: best.threshold };
}

function nextUp(x) {
  return x + Math.max(1e-6, Math.abs(x) * 1e-6);
}

/** Reads pairs.csv rows. */
export function parsePairs(csv) {
  return csv
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(","))
    .map(([a, b, same]) => ({ a, b, same: same === "1" }));
}
