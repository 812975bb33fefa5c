/**
 * A deterministic stream of genuine and tampered phone photos for one split: same seed, same bytes.
 */
import { readFile } from "node:fs/promises";
import { createRandom, deriveSeed } from "./random.mjs";
import { randomHolder } from "./holder.mjs";
import { renderDocument } from "./render.mjs";
import { photograph } from "./photograph.mjs";
import { tamper, TAMPER_TYPES } from "./tamper.mjs";
import { SPLITS } from "./splits.mjs";

/**
 * @typedef {object} DocumentSetOptions
 * @property {"tuning" | "heldout"} split
 * @property {number} genuine how many untouched photos
 * @property {number} tampered how many forgeries; the six types take turns, so they are spread evenly
 * @property {number} seed
 * @property {(Uint8Array | string)[]} faces photos (bytes or file paths) of this split's people; at least two
 * @property {number} [width] frame width, default 2000 (height = width × 3/4 unless given)
 * @property {number} [height]
 */

/**
 * @typedef {object} DocumentSetItem
 * @property {string} id
 * @property {Uint8Array} bytes the JPEG
 * @property {import("./photograph.mjs").PhotoTruth & { split: string, tampered: boolean, type: string | null, box: import("./geometry.mjs").Box | null, tamper?: import("./tamper.mjs").TamperTruth }} truth
 */

/** @param {(Uint8Array | string)[]} faces */
async function loadFaces(faces) {
  return Promise.all(faces.map(async (face) => (typeof face === "string" ? new Uint8Array(await readFile(face)) : face)));
}

/** @param {import("./random.mjs").Random} random @param {[number, number]} range */
const within = (random, range) => random.float(range[0], range[1]);

/**
 * Yields `genuine + tampered` documents in a seeded order.
 * @param {DocumentSetOptions} options
 * @returns {AsyncGenerator<DocumentSetItem>}
 * @example
 * for await (const item of documentSet({ split: "heldout", genuine: 6, tampered: 6, seed: 1, faces })) {
 *   await writeFile(`${item.id}.jpg`, item.bytes);
 * }
 */
export async function* documentSet(options) {
  const settings = SPLITS[options.split];
  if (!settings) throw new Error(`unknown split: ${options.split}`);
  const faces = await loadFaces(options.faces);
  if (faces.length < 2) throw new Error("documentSet needs at least two faces (a forger pastes someone else)");
  const order = createRandom(deriveSeed(options.seed, "order"));
  /** @type {(string | null)[]} */
  const roles = [...Array(options.genuine).fill(null), ...Array.from({ length: options.tampered }, (_, j) => TAMPER_TYPES[j % TAMPER_TYPES.length])];
  for (let i = roles.length - 1; i > 0; i--) {
    const j = order.int(0, i);
    [roles[i], roles[j]] = [roles[j], roles[i]];
  }
  for (let index = 0; index < roles.length; index++) {
    const type = /** @type {import("./tamper.mjs").TamperType | null} */ (roles[index]);
    const seed = deriveSeed(options.seed, `item:${index}`);
    const random = createRandom(seed);
    const kind = random.chance(0.6) ? "td1" : "td3";
    // The back carries no portrait; only genuine items show it, so every forgery type is applicable.
    const side = kind === "td1" && type === null && random.chance(0.2) ? "back" : "front";
    const faceIndex = random.int(0, faces.length - 1);
    const flat = await renderDocument({ kind, side, holder: randomHolder(seed), face: faces[faceIndex], layout: random.pick(settings.layouts), fonts: settings.fonts, seed });
    const photo = await photograph(flat, {
      seed,
      width: options.width,
      height: options.height,
      fill: within(random, settings.fill),
      rotationDegrees: within(random, settings.rotationDegrees),
      tilt: within(random, settings.tiltFraction),
      blurSigma: within(random, settings.blurSigma),
      quality: random.pick(settings.cameraQualities),
      tables: random.pick(settings.cameraTables),
    });
    const id = `${options.split}-${String(index).padStart(4, "0")}-${type ?? "genuine"}`;
    if (type === null) {
      yield { id, bytes: photo.bytes, truth: { ...photo.truth, split: options.split, tampered: false, type: null, box: null } };
      continue;
    }
    const otherFace = faces[(faceIndex + random.int(1, faces.length - 1)) % faces.length];
    const forged = await tamper(photo, { type, seed, split: settings, face: otherFace });
    yield { id, bytes: forged.bytes, truth: { ...photo.truth, split: options.split, tampered: true, type, box: forged.truth.box, tamper: forged.truth } };
  }
}
