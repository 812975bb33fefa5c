/**
 * The MRZ reader: finds the machine-readable zone on an upright document image and reads it with the PP-OCRv4
 * recogniser, one line at a time. No text detector: the band is found from the ink itself (./band.ts), which
 * keeps the ONNX working set to the recogniser and one 48-pixel line. Each line is decoded as exactly the
 * format's number of characters, each from its ICAO 9303 slot alphabet (./ctc.ts, ./alphabets.ts); check
 * digits are read, never corrected, so a forged document's wrong check digit stays wrong.
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
import { type DecodedLine, type SymbolFrames, decodeSlots, toSymbolFrames } from "./ctc";
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

  async function recognisePart(model: ModelSession, image: RgbaImage, band: MrzBand, index: number): Promise<RecognisedLine> {
    const { tensor, frameAt } = cropLine(image, band, index, deps.crop);
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
  async function recognise(model: ModelSession, image: RgbaImage, band: MrzBand, index: number): Promise<RecognisedLine> {
    const characters = Math.max(1, Math.round((band.end - band.start) / band.pitch));
    const frames = deps.crop?.frames ?? FRAMES_PER_CHARACTER;
    const parts = Math.max(1, Math.ceil((characters * frames * REC_STRIDE) / PART_MAX_WIDTH));
    if (parts === 1) return recognisePart(model, image, band, index);
    // Cut between characters: the band's extent holds `characters` cells (its edges are the outer characters' edges).
    const cell = (band.end - band.start) / characters;
    const cuts = Array.from({ length: parts + 1 }, (_, p) => (p === 0 ? band.start : p === parts ? band.end : band.start + Math.round((p * characters) / parts) * cell));
    const pieces: { line: RecognisedLine; from: number; to: number }[] = [];
    for (let p = 0; p < parts; p++) {
      const line = await recognisePart(model, image, { ...band, start: cuts[p], end: cuts[p + 1] }, index);
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

      let best: { format: MrzFormat; lines: DecodedLine[]; score: number } | null = null;
      for (const format of candidates) {
        const alphabets = slotAlphabets(format);
        const lines = recognised.map((r, i) => decodeSlots(r.frames, alphabets[i], slotWindows(band, MRZ_SHAPES[format].length, r), { letter: deps.letterPrior ?? LETTER_PRIOR }));
        if (lines.some((l) => l === null)) continue;
        const decoded = lines as DecodedLine[];
        const score = decoded.reduce((s, l) => s + l.logScore, 0);
        if (!best || score > best.score) best = { format, lines: decoded, score };
      }
      if (!best) return null;
      const done = now();
      return {
        format: best.format,
        lines: best.lines.map((l) => l.text),
        confidence: best.lines.map((l) => l.probabilities.reduce((s, p) => s + p, 0) / l.probabilities.length),
        band: bandBox(band, image),
        ms: { locate: located - started, recognise: done - located, total: done - started },
      };
    },
  };
}

interface RecognisedLine {
  frames: SymbolFrames;
  frameAt(position: number): number;
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
function slotWindows(band: MrzBand, length: number, line: RecognisedLine) {
  const span = band.end - band.start;
  const cell = Math.abs(span / band.pitch - length) <= SLOT_TOLERANCE ? span / length : band.pitch;
  const first = new Int32Array(length), last = new Int32Array(length);
  for (let k = 0; k < length; k++) {
    first[k] = Math.floor(line.frameAt(band.start + (k + 0.5 - SLOT_TOLERANCE) * cell));
    last[k] = Math.ceil(line.frameAt(band.start + (k + 0.5 + SLOT_TOLERANCE) * cell));
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
