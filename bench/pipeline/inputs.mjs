/**
 * The pipeline bench's uploads: a generated passport data page (scripts/docgen, with a machine-readable zone for the
 * OCR layer; the woman of face-api's sample1 as the portrait) photographed like a phone, and a selfie of the same
 * woman (examples/phone-photos.mjs). The holder matches verify.ts. Copied from bench/memory/run.mjs (not exported there).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { selfiePhoto } from "../../examples/phone-photos.mjs";
import { photograph, renderDocument } from "../../scripts/docgen/index.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const HOLDER = {
  surname: "MUSTERMANN",
  givenNames: "ERIKA",
  nationality: "D",
  issuingState: "D",
  stateName: "DEUTSCHLAND",
  sex: "F",
  birthDate: "1984-08-12",
  issueDate: "2021-11-01",
  expiryDate: "2031-10-31",
  documentNumber: "C01X00T47",
  placeOfBirth: "BERLIN",
};

/** Input sets by name: [document width, height], [selfie width, height] (4:3 like phone cameras). */
export const INPUT_SIZES = {
  "2MP": { document: [1632, 1224], selfie: [1152, 864] },
  "12MP": { document: [4032, 3024], selfie: [4032, 3024] },
};

/** The document photo at [width, height]. */
export async function documentPhoto([width, height]) {
  const portrait = new Uint8Array(
    await sharp(await readFile(path.join(root, "node_modules/@vladmandic/face-api/demo/sample1.jpg"))).extract({ left: 1330, top: 60, width: 500, height: 580 }).jpeg({ quality: 95 }).toBuffer(),
  );
  const flat = await renderDocument({ kind: "td3", holder: HOLDER, face: portrait, layout: "blue-left", fonts: { text: "DejaVu Sans", numbers: "DejaVu Sans Mono" }, seed: 7, width: Math.round(width * 0.6) });
  const photo = await photograph(flat, { seed: 7, width, height, quality: 92, tables: "ijg", rotationDegrees: 1.5, tilt: 0.02, blurSigma: Math.max(0.8, width / 2500), glare: false, fill: 0.75 });
  return Buffer.from(photo.bytes);
}

/** Both uploads of one input set. */
export async function inputs(name) {
  const size = INPUT_SIZES[name];
  if (!size) throw new Error(`unknown size ${name} (known: ${Object.keys(INPUT_SIZES).join(", ")})`);
  return { document: await documentPhoto(size.document), selfie: await selfiePhoto(size.selfie) };
}
