/**
 * The MRZ reader: finds the machine-readable zone on an upright document image and reads it with the PP-OCRv4
 * recogniser, one line at a time. No text detector: the band is found from the ink itself (./band.ts), which
 * keeps the ONNX working set to the recogniser and one 48-pixel line. Each line is decoded as exactly the
 * format's number of characters, each from its ICAO 9303 slot alphabet (./ctc.ts, ./alphabets.ts). When the check
 * digits of that first reading fail, they break ties between readings the image supports about equally (a tighter
 * alignment, one look-alike, a second reading at another sampling rate: ./checks.ts), and the reading says which
 * characters they decided (`ambiguities`); a clearly printed wrong check digit stays wrong.
 *
 * Pure TypeScript over an injected ONNX runtime and model loader (workerd and Node alike). The session is
 * created once per reader; a failed load is not cached, so the next call retries. Only finished sessions are
 * shared, never a pending load (see src/face/engine.ts for why).
 */
import { type RgbaImage, releaseBuffer } from "../../face/image";
import type { ModelSession, OrtRuntime } from "../../face/runtime";
import { type Box, MRZ_SHAPES, type MrzFormat, type MrzReading } from "../types";
import { slotAlphabets } from "./alphabets";
import { type MrzBand, findBand } from "./band";
import { inkComponents, toLuma } from "./components";
import { checkResults, linesUnderFailingChecks, settleByCheckDigits } from "./checks";
import { type DecodedLine, type SymbolFrames, alternatives, decodeSlots, toSymbolFrames } from "./ctc";
import { type CropShape, FRAMES_PER_CHARACTER, cropLine } from "./line-crop";
import { REC_STRIDE, RECOGNISER } from "./manifest";

export interface MrzReaderDeps {
  /** Returns the bytes of a model file (e.g. `ocr_rec.onnx`), from R2 in workerd. */
  loadModel(file: string): Promise<Uint8Array>;
  runtime: OrtRuntime;
  /** Monotonic clock in ms for the stage timings; timings are 0 without it. */
  now?: () => number;
  /** Detach the model bytes once the session exists (only for loaders that hand over fresh bytes). */
  releaseModelBytes?: boolean;
  /** Overrides of the line-crop constants (for tuning; the defaults are the tuned ones). */
  crop?: CropShape;
  /** Log-bonus per frame for letters in alphanumeric slots (for tuning; default {@link LETTER_PRIOR}). */
  letterPrior?: number;
  /** Largest log-ratio the check digits may overrule (for tuning; default {@link MAX_AMBIGUITY}; 0 turns it off). */
  maxAmbiguity?: number;
}

export interface MrzReadOptions {
  /** Formats to consider (default all three). */
  formats?: MrzFormat[];
}

export interface MrzReader {
  /** Finds and reads the MRZ on an upright RGBA image (any size up to ~1600 px longest side); null when no MRZ band is found. */
  read(image: RgbaImage, options?: MrzReadOptions): Promise<MrzReading | null>;
  /** Loads the recogniser now (e.g. in a readiness check); rejects if it fails. */
  warmUp(): Promise<void>;
}

/** Files `loadModel` is asked for. */
export const OCR_MODEL_FILES: string[] = [RECOGNISER.file];

const ALL_FORMATS: MrzFormat[] = ["TD1", "TD2", "TD3"];

/**
 * Creates a reader over a model loader and an ONNX runtime.
 *
 * @example
 * const reader = createMrzReader({ loadModel: (f) => readFile(`models/${f}`), runtime: ortNodeRuntime(1) });
 * const reading = await reader.read(image); // { format: "TD3", lines: ["P<UTO…", "L898…"], confidence: [0.98, 0.97], … }
 */
export function createMrzReader(deps: MrzReaderDeps): MrzReader {
  const now = deps.now ?? (() => 0);
  let ready: ModelSession | null = null;

  async function session(): Promise<ModelSession> {
    if (ready) return ready;
    const bytes = await deps.loadModel(RECOGNISER.file);
    const created = await deps.runtime.createSession(bytes);
    if (deps.releaseModelBytes) releaseBuffer(bytes);
    ready ??= created;
    return ready;
  }

  async function recognisePart(model: ModelSession, image: RgbaImage, band: MrzBand, index: number, crop: CropShape | undefined): Promise<RecognisedLine> {
    const { tensor, frameAt } = cropLine(image, band, index, crop);
    const out = await model.run({ [RECOGNISER.input.name]: tensor });
    releaseBuffer(tensor.data);
    const probabilities = Object.values(out)[0];
    if (!probabilities || probabilities.dims[2] !== RECOGNISER.classes.count) throw new Error(`ocr_rec returned dims ${probabilities?.dims}`);
    const frames = toSymbolFrames(probabilities.data, probabilities.dims[1], RECOGNISER.classes);
    releaseBuffer(probabilities.data);
    return { frames, frameAt };
  }

  /**
   * A line read in parts of at most PART_MAX_WIDTH input pixels, cut between characters, their frames joined: the
   * recogniser keeps its frames per character (accuracy) while no input is wide enough to grow onnxruntime-web's
   * memory past what the face models and the recogniser already hold (bench/memory).
   */
  async function recognise(model: ModelSession, image: RgbaImage, band: MrzBand, index: number, crop = deps.crop): Promise<RecognisedLine> {
    const characters = Math.max(1, Math.round((band.end - band.start) / band.pitch));
    const frames = crop?.frames ?? FRAMES_PER_CHARACTER;
    const parts = Math.max(1, Math.ceil((characters * frames * REC_STRIDE) / PART_MAX_WIDTH));
    if (parts === 1) return recognisePart(model, image, band, index, crop);
    // Cut between characters: the band's extent holds `characters` cells (its edges are the outer characters' edges).
    const cell = (band.end - band.start) / characters;
    const cuts = Array.from({ length: parts + 1 }, (_, p) => (p === 0 ? band.start : p === parts ? band.end : band.start + Math.round((p * characters) / parts) * cell));
    const pieces: { line: RecognisedLine; from: number; to: number }[] = [];
    for (let p = 0; p < parts; p++) {
      const line = await recognisePart(model, image, { ...band, start: cuts[p], end: cuts[p + 1] }, index, crop);
      const from = p === 0 ? 0 : Math.max(0, Math.round(line.frameAt(cuts[p])));
      const to = p === parts - 1 ? line.frames.frames : Math.min(line.frames.frames, Math.round(line.frameAt(cuts[p + 1])));
      pieces.push({ line, from, to: Math.max(from, to) });
    }
    return joinFrames(pieces, cuts);
  }

  return {
    async warmUp() {
      await session();
    },

    async read(image, options = {}) {
      const started = now();
      const formats = (options.formats ?? ALL_FORMATS).filter((f) => ALL_FORMATS.includes(f));
      const luma = toLuma(image);
      const components = inkComponents(luma, image.width, image.height);
      // 1.9 MB at the analysis size: detached now rather than at V8's next collection (it counts against the isolate).
      releaseBuffer(luma);
      const band = findBand(components, image.height);
      const located = now();
      const shaped = band ? formats.filter((f) => MRZ_SHAPES[f].lines === band.lines.length) : [];
      if (!band || shaped.length === 0) return null;
      // Two-line zones are TD2 (36) or TD3 (44): the band's own length in character cells tells them apart better than
      // the decodings' scores (a TD3 line decoded as 36 slots can score higher by dropping eight fillers).
      const cells = (band.end - band.start) / band.pitch;
      const nearest = Math.min(...shaped.map((f) => Math.abs(MRZ_SHAPES[f].length - cells)));
      const candidates = shaped.filter((f) => Math.abs(MRZ_SHAPES[f].length - cells) <= nearest + FORMAT_MARGIN);

      const model = await session();
      const recognised: RecognisedLine[] = [];
      for (let i = 0; i < band.lines.length; i++) recognised.push(await recognise(model, image, band, i));

      const prior = { letter: deps.letterPrior ?? LETTER_PRIOR };
      const decode = (format: MrzFormat, lines: RecognisedLine[], tolerance: number) => {
        const alphabets = slotAlphabets(format);
        const decoded = lines.map((r, i) => decodeSlots(r.frames, alphabets[i], slotWindows(band, MRZ_SHAPES[format].length, r, tolerance), prior));
        return decoded.some((l) => l === null) ? null : (decoded as DecodedLine[]);
      };
      let best: { format: MrzFormat; lines: DecodedLine[]; score: number } | null = null;
      for (const format of candidates) {
        const lines = decode(format, recognised, SLOT_TOLERANCE);
        if (lines && (!best || scoreOf(lines) > best.score)) best = { format, lines, score: scoreOf(lines) };
      }
      if (!best) return null;
      const { format } = best;
      const maxLoss = deps.maxAmbiguity ?? MAX_AMBIGUITY;
      let settled = settle(format, best.lines, recognised, (tolerance) => decode(format, recognised, tolerance), maxLoss);
      if (!settled && maxLoss > 0) {
        // A second opinion: the lines under a failing check digit cut again at another sampling rate and read afresh
        // (the recogniser reads a run of fillers after digits as 4s at some rates and not at others). Taken only if
        // its check digits hold.
        const crop = { ...deps.crop, frames: (deps.crop?.frames ?? FRAMES_PER_CHARACTER) + REREAD_EXTRA_FRAMES };
        const failing = linesUnderFailingChecks(format, best.lines.map((l) => l.text));
        const again: RecognisedLine[] = [];
        for (let i = 0; i < band.lines.length; i++) again.push(failing.has(i) ? await recognise(model, image, band, i, crop) : recognised[i]);
        const lines = decode(format, again, SLOT_TOLERANCE);
        if (lines) settled = settle(format, lines, again, (tolerance) => decode(format, again, tolerance), maxLoss);
      }
      const first = best.lines.map((l) => l.text);
      const chosen = settled ?? first;
      const ambiguities = chosen.flatMap((line, i) => [...line].flatMap((c, p) => (c === first[i][p] ? [] : [{ line: i, position: p, read: first[i][p], chosen: c }])));
      const done = now();
      return {
        format,
        lines: chosen,
        confidence: best.lines.map((l) => l.probabilities.reduce((s, p) => s + p, 0) / l.probabilities.length),
        band: bandBox(band, image),
        ...(ambiguities.length > 0 ? { ambiguities } : {}),
        ms: { locate: located - started, recognise: done - located, total: done - started },
      };
    },
  };
}

interface RecognisedLine {
  frames: SymbolFrames;
  frameAt(position: number): number;
}

/**
 * The largest log-ratio (ln 20) by which the image may favour another reading and the check digits still decide:
 * a symbol 20× less probable than the first choice over the character's frames, or a re-alignment whose path is
 * that much less probable. Beyond it the reading stands, failing check digits and all.
 */
export const MAX_AMBIGUITY = Math.log(20);

/** Tighter slot windows tried when check digits fail: a character shifted by one cell (a filler split or merged). */
const ALIGNMENT_TOLERANCES = [1.0, 0.6];

/** Sampling rate of the second reading, in frames per character more than the first. */
const REREAD_EXTRA_FRAMES = 1;

const scoreOf = (lines: DecodedLine[]) => lines.reduce((s, l) => s + l.logScore, 0);

/**
 * The decoded lines when their check digits hold; else the least costly reading within `maxLoss` on which they all
 * do: a tighter alignment (a character one cell off) and/or one look-alike substitution (./checks.ts); else null.
 */
function settle(format: MrzFormat, first: DecodedLine[], recognised: RecognisedLine[], decode: (tolerance: number) => DecodedLine[] | null, maxLoss: number): string[] | null {
  if (checkResults(format, first.map((l) => l.text)).every(Boolean)) return first.map((l) => l.text);
  if (maxLoss <= 0) return null;
  const alphabets = slotAlphabets(format);
  const firstScore = scoreOf(first);
  const attempts = [{ lines: first, loss: 0 }];
  for (const tolerance of ALIGNMENT_TOLERANCES) {
    const lines = decode(tolerance);
    if (lines) attempts.push({ lines, loss: Math.max(0, firstScore - scoreOf(lines)) });
  }
  let chosen: { lines: string[]; loss: number } | null = null;
  for (const attempt of attempts) {
    if (attempt.loss > maxLoss || (chosen && attempt.loss >= chosen.loss)) continue;
    const texts = attempt.lines.map((l) => l.text);
    const options = attempt.lines.map((l, i) => alternatives(recognised[i].frames, l, alphabets[i], maxLoss));
    const subs = settleByCheckDigits(format, texts, options, maxLoss - attempt.loss);
    if (!subs) continue;
    const loss = attempt.loss + subs.reduce((s, x) => s + x.loss, 0);
    if (chosen && loss >= chosen.loss) continue;
    const lines = texts.map((l) => l.split(""));
    for (const s of subs) lines[s.line][s.position] = s.chosen;
    chosen = { lines: lines.map((l) => l.join("")), loss };
  }
  return chosen?.lines ?? null;
}

/** Character cells by which a format may be farther from the band's length than the nearest one and still be tried. */
const FORMAT_MARGIN = 2;

/** Widest recogniser input: wider inputs grew onnxruntime-web's memory from 41.9 to 50.3 MB beside the face models. */
export const PART_MAX_WIDTH = 720;

/** The frames `[from, to)` of each part, end to end, with one map from a position on the line to a joined frame. */
function joinFrames(pieces: { line: RecognisedLine; from: number; to: number }[], cuts: number[]): RecognisedLine {
  const total = pieces.reduce((n, p) => n + p.to - p.from, 0);
  const symbolsPerFrame = pieces[0].line.frames.symbols.length / Math.max(1, pieces[0].line.frames.frames);
  const blank = new Float32Array(total);
  const symbols = new Float32Array(total * symbolsPerFrame);
  const offsets: number[] = [];
  let at = 0;
  for (const { line, from, to } of pieces) {
    offsets.push(at);
    blank.set(line.frames.blank.subarray(from, to), at);
    symbols.set(line.frames.symbols.subarray(from * symbolsPerFrame, to * symbolsPerFrame), at * symbolsPerFrame);
    at += to - from;
  }
  return {
    frames: { frames: total, blank, symbols },
    frameAt(position) {
      let p = 0;
      while (p < pieces.length - 1 && position >= cuts[p + 1]) p++;
      return offsets[p] + pieces[p].line.frameAt(position) - pieces[p].from;
    },
  };
}

/**
 * Log-bonus per frame for a letter in an alphanumeric slot (./ctc.ts SlotPrior). Off: at 3.5 frames per character it
 * helped the tuning split (letters read as digits: C→0, N→2), but at 4 frames the misreads were gone and the bonus
 * turned the digit 0 of a generated passport's number into O in workerd (bench/memory).
 */
export const LETTER_PRIOR = 0;

/**
 * How far (in character cells) a character may sit from where the fixed pitch puts it: perspective, a faded end.
 * 1.5 read every tuning document at 4 frames per character; 0.7 (tried at 3.5 frames) lost a TD1 filler.
 */
const SLOT_TOLERANCE = 1.5;

/**
 * Where each of `length` characters can be: on the grid from the band's first character, with the cell size
 * taken from the band's extent when that holds about `length` characters (it includes perspective), else from
 * the measured pitch (a line whose last fillers faded).
 */
function slotWindows(band: MrzBand, length: number, line: RecognisedLine, tolerance = SLOT_TOLERANCE) {
  const span = band.end - band.start;
  const cell = Math.abs(span / band.pitch - length) <= SLOT_TOLERANCE ? span / length : band.pitch;
  const first = new Int32Array(length), last = new Int32Array(length);
  for (let k = 0; k < length; k++) {
    first[k] = Math.floor(line.frameAt(band.start + (k + 0.5 - tolerance) * cell));
    last[k] = Math.ceil(line.frameAt(band.start + (k + 0.5 + tolerance) * cell));
  }
  return { first, last };
}

/** The axis-aligned box around the band's lines (one character height of margin), clipped to the image. */
function bandBox(band: MrzBand, image: RgbaImage): Box {
  const cos = Math.cos(band.angle), sin = Math.sin(band.angle);
  const half = band.charHeight;
  const xs: number[] = [], ys: number[] = [];
  for (const [cx, cy] of band.centres) {
    for (const s of [band.start - half, band.end + half]) {
      for (const t of [-half, half]) {
        xs.push(cx + s * cos - t * sin);
        ys.push(cy + s * sin + t * cos);
      }
    }
  }
  const x0 = Math.max(0, Math.floor(Math.min(...xs))), y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const x1 = Math.min(image.width, Math.ceil(Math.max(...xs))), y1 = Math.min(image.height, Math.ceil(Math.max(...ys)));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
