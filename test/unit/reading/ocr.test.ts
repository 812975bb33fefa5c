/**
 * The MRZ reader on onnxruntime-node (the same code path as in workerd): it finds and reads the MRZ of
 * photographed passports and ID-card backs from the generator's tuning split exactly — tilted, blurred, JPEG —,
 * reads a TD2 as TD2, keeps a wrong check digit wrong, and answers null where there is no MRZ. Also pins the
 * model manifest to the package file and its dictionary.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { photograph, randomHolder, readingSet, renderDocument, SPLITS } from "../../../scripts/docgen/index.mjs";
import { type RgbaImage, makeImage } from "../../../src/face/image";
import { ortNodeRuntime } from "../../../src/face/ort-node-runtime";
import type { OrtRuntime } from "../../../src/face/runtime";
import { decodeSlots, type SymbolFrames } from "../../../src/reading/ocr/ctc";
import { DICTIONARY_MANIFEST, MRZ_SYMBOLS, RECOGNISER } from "../../../src/reading/ocr/manifest";
import { modelBytes } from "../../../scripts/model-files.mjs";
import { MAX_LINE_WIDTH } from "../../../src/reading/ocr/line-crop";
import { createMrzReader, LETTER_PRIOR, type MrzReader, OCR_MODEL_FILES } from "../../../src/reading/ocr/reader";
import { slotAlphabets } from "../../../src/reading/ocr/alphabets";

const root = path.resolve(__dirname, "../../..");
const packageDir = path.join(root, "node_modules", RECOGNISER.source.package);
const faceSample = (n: number) => path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`);

/** JPEG bytes → RGBA shrunk to ≤ 1600 px, as the pipeline analyses documents. */
async function decode(bytes: Uint8Array | string): Promise<RgbaImage> {
  const { data, info } = await sharp(bytes).resize(1600, 1600, { fit: "inside", withoutEnlargement: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

let reader: MrzReader;
const loads: string[] = [];
/** Width of every recogniser input (onnxruntime-web's memory grows for good past ~1,100 px). */
const widths: number[] = [];
beforeAll(async () => {
  reader = createMrzReader({
    loadModel: async (file) => {
      loads.push(file);
      return modelBytes(root, DICTIONARY_MANIFEST);
    },
    runtime: recordingWidths(ortNodeRuntime(1)),
    now: () => performance.now(),
  });
  await reader.warmUp();
}, 60_000);

/** The runtime, noting the width of every input it runs. */
function recordingWidths(runtime: OrtRuntime): OrtRuntime {
  return {
    ...runtime,
    async createSession(bytes) {
      const session = await runtime.createSession(bytes);
      return {
        ...session,
        run: (feeds) => {
          for (const tensor of Object.values(feeds)) widths.push(tensor.dims[3]);
          return session.run(feeds);
        },
      };
    },
  };
}

describe("the recogniser manifest", () => {
  it("names the package file and the derived file (the CTC head cut to the MRZ's classes) by their sha256 and size", async () => {
    const bytes = await readFile(path.join(packageDir, RECOGNISER.source.path));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(RECOGNISER.source.sha256);
    expect(bytes.length).toBe(RECOGNISER.source.bytes);
    const derived = await modelBytes(root, DICTIONARY_MANIFEST);
    expect(createHash("sha256").update(derived).digest("hex")).toBe(RECOGNISER.sha256);
    expect(derived.length).toBe(RECOGNISER.bytes);
    expect(RECOGNISER.classes.count).toBe(69);
    expect(OCR_MODEL_FILES).toEqual([RECOGNISER.file]);
  });

  it("maps every MRZ symbol and alias to its line in ppocr_keys_v1.txt (class 0 is the CTC blank)", async () => {
    const lines = (await readFile(path.join(packageDir, "assets/ppocr_keys_v1.txt"), "utf8")).split("\n");
    const table = DICTIONARY_MANIFEST.classes;
    expect(lines.length + 2).toBe(table.count); // blank + dictionary + space
    expect(table.space).toBe(lines.length + 1);
    for (const symbol of MRZ_SYMBOLS) {
      expect(lines[table.mrz[symbol] - 1]).toBe(symbol);
      for (const [alias, index] of Object.entries(table.aliases[symbol] ?? {})) expect(lines[index - 1]).toBe(alias);
    }
  });
});

/** Frames that show `text` one character per two frames (symbol, then blank), with `p` on the shown symbol. */
function framesFor(text: string, spread: Record<number, Record<string, number>> = {}): SymbolFrames {
  const frames = text.length * 2;
  const blank = new Float32Array(frames).fill(Math.log(0.01));
  const symbols = new Float32Array(frames * MRZ_SYMBOLS.length).fill(Math.log(1e-4));
  [...text].forEach((ch, i) => {
    const t = i * 2;
    const probabilities = spread[i] ?? { [ch]: 0.97 };
    for (const [s, p] of Object.entries(probabilities)) symbols[t * MRZ_SYMBOLS.length + MRZ_SYMBOLS.indexOf(s)] = Math.log(p);
    blank[t + 1] = Math.log(0.97);
  });
  return { frames, blank, symbols };
}

describe("constrained CTC decoding", () => {
  const line2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

  it("reads a TD3 second line with its fillers at the right count", () => {
    expect(decodeSlots(framesFor(line2), slotAlphabets("TD3")[1])?.text).toBe(line2);
  });

  it("chooses the digit where the slot holds a date and the model leans to the letter", () => {
    // Birth date's first digit (slot 13) looks more like "O" than "0" to the model.
    const read = decodeSlots(framesFor(line2, { 13: { O: 0.7, "0": 0.25 } }), slotAlphabets("TD3")[1]);
    expect(read?.text[13]).toBe("0");
  });

  it("reads a letter in the document number when the model wavers towards its digit look-alike, but keeps a clear digit", () => {
    // Slot 7 of "L898902C3" is the letter C; the model gives 0 a little more than C there.
    const wavering = framesFor(line2, { 7: { "0": 0.5, C: 0.4 } });
    expect(decodeSlots(wavering, slotAlphabets("TD3")[1])?.text[7]).toBe("0");
    // The decoder can favour letters there (SlotPrior); the reader leaves it off (LETTER_PRIOR 0): on a generated
    // passport in workerd it turned the digit 0 of a number into O.
    expect(LETTER_PRIOR).toBe(0);
    expect(decodeSlots(wavering, slotAlphabets("TD3")[1], undefined, { letter: 2 })?.text[7]).toBe("C");
    // A clearly printed digit in the same kind of slot, and a check digit (digits only), are left alone.
    const digit = framesFor(line2, { 1: { "8": 0.9, B: 0.08 } });
    expect(decodeSlots(digit, slotAlphabets("TD3")[1], undefined, { letter: 2 })?.text).toBe(line2);
  });

  it("keeps a wrong check digit wrong instead of correcting it", () => {
    const forged = `${line2.slice(0, 9)}3${line2.slice(10)}`; // the true check digit is 6
    expect(decodeSlots(framesFor(forged), slotAlphabets("TD3")[1])?.text).toBe(forged);
  });
});

describe("reading photographed documents", () => {
  const documents: { id: string; mrz: string[]; image: RgbaImage }[] = [];

  beforeAll(async () => {
    // Four documents from the reading set's tuning split (TD3, TD1 back, TD3, TD1 back).
    for await (const item of readingSet({ split: "tuning", count: 4, seed: 11 })) documents.push({ id: item.id, mrz: item.truth.mrz, image: await decode(item.bytes) });
    // Two more tilted by 6° either way, blurred at the top of the tuning range.
    const face = new Uint8Array(await readFile(faceSample(1)));
    for (const [i, kind, rotationDegrees] of [[0, "td3", -6], [1, "td1", 6]] as const) {
      const seed = 9100 + i;
      const flat = await renderDocument({ kind, side: kind === "td1" ? "back" : "front", holder: randomHolder(seed), face, layout: SPLITS.tuning.layouts[i], fonts: SPLITS.tuning.fonts, seed });
      const photo = await photograph(flat, { seed, rotationDegrees, blurSigma: 1, fill: 0.7, tilt: 0.03, quality: 86, tables: "ijg" });
      documents.push({ id: `tilted-${kind}-${rotationDegrees}`, mrz: photo.truth.mrz, image: await decode(photo.bytes) });
    }
  }, 60_000);

  it("reads both TD3 lines and all three TD1 lines exactly, with the format and a band around the MRZ", async () => {
    for (const doc of documents) {
      const reading = await reader.read(doc.image);
      expect(reading, doc.id).not.toBeNull();
      expect({ id: doc.id, lines: reading?.lines }).toEqual({ id: doc.id, lines: doc.mrz });
      expect(reading?.format).toBe(doc.mrz.length === 3 ? "TD1" : "TD3");
      expect(reading?.confidence).toHaveLength(doc.mrz.length);
      for (const c of reading?.confidence ?? []) expect(c).toBeGreaterThan(0.3);
      expect(reading?.band.y).toBeGreaterThan(doc.image.height * 0.3);
    }
    expect(loads).toEqual(["ocr_rec.onnx"]); // loaded once, at warm-up
    expect(widths.length).toBeGreaterThan(0);
    expect(Math.max(...widths)).toBeLessThanOrEqual(MAX_LINE_WIDTH);
  }, 60_000);

  it("looks only for the formats asked for", async () => {
    const td3 = documents.find((d) => d.mrz.length === 2);
    expect(await reader.read(td3!.image, { formats: ["TD1"] })).toBeNull();
  });
});

/** A plain ID card carrying a TD2 MRZ (2 × 36), drawn in OCR-B, turned by `degrees`, blurred and JPEG-compressed. */
async function td2Card(lines: string[], degrees: number): Promise<RgbaImage> {
  const text = lines.map((l, i) => `<text x="70" y="${560 + i * 58}" font-family="OCR B" font-size="44" fill="#151515">${l.replaceAll("<", "&lt;")}</text>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="1000"><rect width="1400" height="1000" fill="#6b6f74"/>
    <g transform="rotate(${degrees} 700 500)"><rect x="40" y="180" width="1320" height="520" rx="24" fill="#e9edf2"/>
    <text x="90" y="260" font-family="DejaVu Sans" font-size="30" fill="#234">IDENTITY CARD</text>
    <text x="90" y="340" font-family="DejaVu Sans" font-size="26" fill="#222">ERIKSSON, ANNA MARIA</text>${text}</g></svg>`;
  const jpeg = await sharp(Buffer.from(svg)).blur(0.8).jpeg({ quality: 85 }).toBuffer();
  return decode(new Uint8Array(jpeg));
}

describe("TD2 and forged check digits", () => {
  // ICAO 9303-6 specimen lines, with the document number's check digit (position 10) changed from 6 to 3.
  const lines = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458903UTO7408122F1204159<<<<<<<6"];

  it("reads a two-line 36-character MRZ as TD2 and returns the wrong check digit as printed", async () => {
    const reading = await reader.read(await td2Card(lines, 2.5));
    expect(reading?.format).toBe("TD2");
    expect(reading?.lines).toEqual(lines);
  });
});

/** A card printed with three long lines of ordinary (proportional) text, where an MRZ would be. */
async function textCard(): Promise<RgbaImage> {
  const lines = ["REPUBLIC OF NOWHERE MINISTRY OF INTERIOR AFFAIRS", "NATIONAL IDENTITY CARD ISSUED UNDER LAW NUMBER 17", "VALID FOR TRAVEL WITHIN THE EUROPEAN UNION ONLY"];
  const text = lines.map((l, i) => `<text x="70" y="${560 + i * 58}" font-family="DejaVu Sans" font-size="36" fill="#151515">${l}</text>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1400" height="1000"><rect width="1400" height="1000" fill="#6b6f74"/>
    <g transform="rotate(2 700 500)"><rect x="40" y="180" width="1320" height="520" rx="24" fill="#e9edf2"/>${text}</g></svg>`;
  return decode(new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer()));
}

describe("images without an MRZ", () => {
  it("answers null for a selfie, a plain colour image and a card with long lines of ordinary print", async () => {
    expect(await reader.read(await decode(faceSample(2)))).toBeNull();
    expect(await reader.read(makeImage(1200, 900, () => [182, 190, 201]))).toBeNull();
    expect(await reader.read(await textCard())).toBeNull();
  });
});
