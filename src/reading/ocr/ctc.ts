/**
 * Constrained CTC decoding of one MRZ line: the recogniser's per-frame probabilities in, exactly `slots.length`
 * characters out, each chosen from its slot's alphabet. A Viterbi pass over the CTC topology
 * (blank, slot 1, blank, slot 2, …, slot N, blank) with the label of each slot left free, so the best path
 * decides both where each character sits and which allowed symbol it is. Long `<` fillers, which free decoding
 * merges or splits, come out at the right count because the count is fixed.
 */
import { MRZ_SYMBOLS } from "./manifest";

/** Per-frame log-probabilities reduced to the MRZ symbols: `symbols[t * 37 + s]` and `blank[t]`. */
export interface SymbolFrames {
  frames: number;
  /** log p(blank) per frame (the space class counts as blank). */
  blank: Float32Array;
  /** log p(symbol) per frame, symbol order as in MRZ_SYMBOLS. */
  symbols: Float32Array;
}

export interface DecodedLine {
  text: string;
  /** Log-probability of the best path (comparable between decodings of the same frames). */
  logScore: number;
  /** Per character, the highest probability its symbol had in the frames it was read from. */
  probabilities: number[];
  /** Per character, the first and last frame it was read from (on the best path). */
  spans: { first: Int32Array; last: Int32Array };
}

/** Per slot, the first and last frame its character may be read from (where the fixed pitch puts it). */
export interface SlotWindows {
  first: ArrayLike<number>;
  last: ArrayLike<number>;
}

/**
 * A prior for the alphanumeric slots (document numbers, optional data): a log-bonus per frame for letters. The
 * recogniser, trained on text where digits run together, reads a letter between digits as its digit look-alike
 * (C→0, N→2, Z→2, A→4) far more often than the reverse; a small bonus evens that out. Never a check digit's value.
 */
export interface SlotPrior {
  letter: number;
}

/** The class table a model output is reduced with. */
export interface ClassTable {
  blank: number;
  space: number;
  count: number;
  mrz: Record<string, number>;
  aliases: Record<string, Record<string, number>>;
}

const S = MRZ_SYMBOLS.length;
const NEG = Number.NEGATIVE_INFINITY;

/**
 * Reduces a `[frames, classes]` softmax output to the MRZ symbols (each symbol's class plus its aliases).
 *
 * @example
 * const frames = toSymbolFrames(output.data, output.dims[1], RECOGNISER.classes);
 */
export function toSymbolFrames(probabilities: Float32Array, frames: number, table: ClassTable): SymbolFrames {
  const classGroups = [...MRZ_SYMBOLS].map((s) => [table.mrz[s], ...Object.values(table.aliases[s] ?? {})]);
  const blank = new Float32Array(frames);
  const symbols = new Float32Array(frames * S);
  for (let t = 0; t < frames; t++) {
    const row = t * table.count;
    blank[t] = Math.log(probabilities[row + table.blank] + probabilities[row + table.space] + 1e-12);
    for (let s = 0; s < S; s++) {
      let p = 0;
      for (const c of classGroups[s]) p += probabilities[row + c];
      symbols[t * S + s] = Math.log(p + 1e-12);
    }
  }
  return { frames, blank, symbols };
}

/**
 * The most probable reading of exactly `slots.length` characters, `slots[k]` listing the symbols allowed at
 * position k and, with `windows`, only from the frames where position k can be. Returns null when no path
 * fits (too few frames, windows that exclude every path).
 *
 * @example
 * decodeSlots(frames, slotAlphabets("TD3")[1]).text; // "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
 */
export function decodeSlots(input: SymbolFrames, slots: string[], windows?: SlotWindows, prior?: SlotPrior): DecodedLine | null {
  const T = input.frames;
  const N = slots.length;
  if (N === 0 || T < N) return null;
  const first = (k: number) => (windows ? windows.first[k] : 0);
  const last = (k: number) => (windows ? windows.last[k] : T - 1);
  const allowed = slots.map((alphabet) => {
    const mask = new Uint8Array(S);
    for (const ch of alphabet) mask[MRZ_SYMBOLS.indexOf(ch)] = 1;
    return mask;
  });
  // Per slot and symbol, the log-prior added to every frame the symbol is read from (0 without a prior).
  const bonus = slots.map((alphabet) => {
    const b = new Float64Array(S);
    if (prior && alphabet.length === MRZ_SYMBOLS.length) for (let c = 0; c < S; c++) if (/[A-Z]/.test(MRZ_SYMBOLS[c])) b[c] = prior.letter;
    return b;
  });
  // Backpointers. Blank k (after slot k-1): 0 = stayed, 1 + label = came from slot k-1 ending in label.
  // Slot k with label c: 0 = stayed, 1 = came from blank k, 2 + label = came from slot k-1 ending in label.
  const backBlank = new Uint8Array(T * (N + 1));
  const backChar = new Uint8Array(T * N * S);
  let blank = new Float64Array(N + 1).fill(NEG);
  let char = new Float64Array(N * S).fill(NEG);
  let nextBlank = new Float64Array(N + 1);
  let nextChar = new Float64Array(N * S);
  const best = new Float64Array(N);
  const bestLabel = new Int16Array(N);
  const second = new Float64Array(N);

  blank[0] = input.blank[0];
  if (first(0) <= 0) for (let c = 0; c < S; c++) if (allowed[0][c]) char[c] = input.symbols[c] + bonus[0][c];

  for (let t = 1; t < T; t++) {
    for (let k = 0; k < N; k++) {
      let b = NEG, l = -1, s2 = NEG;
      for (let c = 0; c < S; c++) {
        const v = char[k * S + c];
        if (v > b) { s2 = b; b = v; l = c; } else if (v > s2) s2 = v;
      }
      best[k] = b;
      bestLabel[k] = l;
      second[k] = s2;
    }
    const lb = input.blank[t];
    for (let k = 0; k <= N; k++) {
      const stay = blank[k];
      const enter = k > 0 ? best[k - 1] : NEG;
      if (stay >= enter) {
        nextBlank[k] = stay + lb;
        backBlank[t * (N + 1) + k] = 0;
      } else {
        nextBlank[k] = enter + lb;
        backBlank[t * (N + 1) + k] = 1 + bestLabel[k - 1];
      }
    }
    const row = t * S;
    for (let k = 0; k < N; k++) {
      const mask = allowed[k];
      const fromBlank = blank[k];
      const inWindow = t >= first(k) && t <= last(k);
      for (let c = 0; c < S; c++) {
        const i = k * S + c;
        if (!mask[c] || !inWindow) { nextChar[i] = NEG; continue; }
        let v = char[i];
        let from = 0;
        if (fromBlank > v) { v = fromBlank; from = 1; }
        if (k > 0) {
          const prevLabel = bestLabel[k - 1] === c ? -1 : bestLabel[k - 1];
          const prev = prevLabel === -1 ? second[k - 1] : best[k - 1];
          if (prev > v) {
            v = prev;
            from = 2 + (prevLabel === -1 ? secondLabel(char, k - 1, c) : prevLabel);
          }
        }
        nextChar[i] = v + input.symbols[row + c] + bonus[k][c];
        backChar[(t * N + k) * S + c] = from;
      }
    }
    [blank, nextBlank] = [nextBlank, blank];
    [char, nextChar] = [nextChar, char];
  }

  // Best ending: the last blank, or the last slot with any label.
  let endScore = blank[N];
  let state: { kind: "blank"; k: number } | { kind: "char"; k: number; c: number } = { kind: "blank", k: N };
  for (let c = 0; c < S; c++) {
    if (char[(N - 1) * S + c] > endScore) {
      endScore = char[(N - 1) * S + c];
      state = { kind: "char", k: N - 1, c };
    }
  }
  if (endScore === NEG) return null;

  const labels = new Int16Array(N).fill(-1);
  const probabilities = new Array<number>(N).fill(0);
  const spans = { first: new Int32Array(N).fill(-1), last: new Int32Array(N).fill(-1) };
  for (let t = T - 1; t >= 0; t--) {
    if (state.kind === "char") {
      const { k, c } = state;
      labels[k] = c;
      spans.first[k] = t;
      if (spans.last[k] < 0) spans.last[k] = t;
      probabilities[k] = Math.max(probabilities[k], Math.exp(input.symbols[t * S + c]));
      if (t === 0) break;
      const from = backChar[(t * N + k) * S + c];
      if (from === 1) state = { kind: "blank", k };
      else if (from >= 2) state = { kind: "char", k: k - 1, c: from - 2 };
    } else {
      if (t === 0) break;
      const from = backBlank[t * (N + 1) + state.k];
      if (from > 0) state = { kind: "char", k: state.k - 1, c: from - 1 };
    }
  }
  const text = Array.from(labels, (c) => MRZ_SYMBOLS[c] ?? "<").join("");
  return { text, logScore: endScore, probabilities, spans };
}

/**
 * Per character of a decoded line, the other symbols its slot allows with how much less likely each is than the
 * chosen one: the log-ratio of their best probabilities over the frames the character was read from (≥ 0, small
 * = the image supports both about equally). Only symbols within `maxLoss` are listed, nearest first.
 *
 * @example
 * alternatives(frames, decoded, slots, Math.log(20))[1]; // [{ symbol: "O", loss: 0.4 }] — a 0 that could be an O
 */
export function alternatives(input: SymbolFrames, line: DecodedLine, slots: string[], maxLoss: number): { symbol: string; loss: number }[][] {
  return slots.map((alphabet, k) => {
    const from = line.spans.first[k], to = line.spans.last[k];
    if (from < 0) return [];
    const bestOf = (symbol: number) => {
      let b = NEG;
      for (let t = from; t <= to; t++) b = Math.max(b, input.symbols[t * S + symbol]);
      return b;
    };
    const chosen = bestOf(MRZ_SYMBOLS.indexOf(line.text[k]));
    const out: { symbol: string; loss: number }[] = [];
    for (const symbol of alphabet) {
      if (symbol === line.text[k]) continue;
      const loss = chosen - bestOf(MRZ_SYMBOLS.indexOf(symbol));
      if (loss <= maxLoss) out.push({ symbol, loss: Math.max(0, loss) });
    }
    return out.sort((a, b) => a.loss - b.loss);
  });
}

/** The best label of slot `k` other than `exclude` (only needed when the best one is excluded). */
function secondLabel(char: Float64Array, k: number, exclude: number): number {
  let b = NEG, l = 0;
  for (let c = 0; c < S; c++) {
    if (c === exclude) continue;
    if (char[k * S + c] > b) { b = char[k * S + c]; l = c; }
  }
  return l;
}
