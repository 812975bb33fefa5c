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
import { cropLine } from "./line-crop";
import { RECOGNISER } from "./manifest";

export interface MrzReaderDeps {
  /** Returns the bytes of a model file (e.g. `ocr_rec.onnx`), from R2 in workerd. */
  loadModel(file: string): Promise<Uint8Array>;
  runtime: OrtRuntime;
  /** Monotonic clock in ms for the stage timings; timings are 0 without it. */
  now?: () => number;
  /** Detach the model bytes once the session exists (only for loaders that hand over fresh bytes). */
  releaseModelBytes?: boolean;
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

  async function recognise(model: ModelSession, image: RgbaImage, band: MrzBand, index: number): Promise<RecognisedLine> {
    const { tensor, frameAt } = cropLine(image, band, index);
    const out = await model.run({ [RECOGNISER.input.name]: tensor });
    releaseBuffer(tensor.data);
    const probabilities = Object.values(out)[0];
    if (!probabilities || probabilities.dims[2] !== RECOGNISER.classes.count) throw new Error(`ocr_rec returned dims ${probabilities?.dims}`);
    const frames = toSymbolFrames(probabilities.data, probabilities.dims[1], RECOGNISER.classes);
    releaseBuffer(probabilities.data);
    return { frames, frameAt };
  }

  return {
    async warmUp() {
      await session();
    },

    async read(image, options = {}) {
      const started = now();
      const formats = (options.formats ?? ALL_FORMATS).filter((f) => ALL_FORMATS.includes(f));
      const band = findBand(inkComponents(toLuma(image), image.width, image.height), image.height);
      const located = now();
      const candidates = band ? formats.filter((f) => MRZ_SHAPES[f].lines === band.lines.length) : [];
      if (!band || candidates.length === 0) return null;

      const model = await session();
      const recognised: RecognisedLine[] = [];
      for (let i = 0; i < band.lines.length; i++) recognised.push(await recognise(model, image, band, i));

      let best: { format: MrzFormat; lines: DecodedLine[]; score: number } | null = null;
      for (const format of candidates) {
        const alphabets = slotAlphabets(format);
        const lines = recognised.map((r, i) => decodeSlots(r.frames, alphabets[i], slotWindows(band, MRZ_SHAPES[format].length, r)));
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

/** How far (in character cells) a character may sit from where the fixed pitch puts it: perspective, a faded end. */
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
