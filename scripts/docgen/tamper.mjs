/**
 * Forgeries made the way a forger makes them: decode the genuine phone JPEG, edit the pixels (or not), save once
 * more — with an editor's tables and metadata habits drawn from the split's settings. The truth says what changed and
 * where (photo pixels).
 */
import sharp from "sharp";
import { createRandom, deriveSeed } from "./random.mjs";
import { applyHomography, invertHomography } from "./geometry.mjs";
import { exifSegment, thumbnailJpeg } from "./camera.mjs";
import { buildAdobeSegment, buildJfifSegment, buildPhotoshopIrbSegment, buildXmpSegment } from "./exif.mjs";
import { encodeJpeg, listSegments } from "./jpeg-encode.mjs";
import { photoshopTable } from "./photoshop-tables.mjs";
import { ijgTables } from "./quant-tables.mjs";
import { escapeXml } from "./fonts.mjs";
import { SPLITS } from "./splits.mjs";

export const TAMPER_TYPES = /** @type {const} */ (["paste_portrait", "alter_text", "copy_move", "editor_resave", "double_compression", "thumbnail_mismatch"]);
/** @typedef {typeof TAMPER_TYPES[number]} TamperType */
/** @typedef {import("./geometry.mjs").Box} Box */

export const PHOTOSHOP_SOFTWARE = "Adobe Photoshop 25.0 (Windows)";

/**
 * @typedef {object} TamperOptions
 * @property {TamperType} type
 * @property {number} seed
 * @property {"tuning" | "heldout" | import("./splits.mjs").Split} [split] whose editor settings to draw from (default tuning)
 * @property {Uint8Array} [face] another person's photo, required for paste_portrait (and thumbnail_mismatch's portrait edit)
 * @property {string} [editorTable] force a Photoshop preset
 * @property {"stripped" | "kept" | "software"} [exifMode] force what the editor does with EXIF
 */

/**
 * @typedef {object} TamperTruth
 * @property {true} tampered
 * @property {TamperType} type
 * @property {Box | null} box the changed pixels, in photo coordinates
 * @property {Box} [source] copy_move: where the pixels came from
 * @property {string} [edit] thumbnail_mismatch: which pixel edit was made
 * @property {{ field: string, from: string, to: string }} [text] alter_text
 * @property {{ tables: string, quality: number, subsampling: string, exif: string, software: string | null }} save
 */

/** @param {{ x: number, y: number, width: number, height: number }} box @param {number} width @param {number} height */
function clampBox(box, width, height) {
  const x = Math.max(0, Math.floor(box.x)), y = Math.max(0, Math.floor(box.y));
  return { x, y, width: Math.min(width, Math.ceil(box.x + box.width)) - x, height: Math.min(height, Math.ceil(box.y + box.height)) - y };
}

/** @param {[number, number][]} quad @param {number} x @param {number} y → whether (x, y) lies inside a convex quad */
function insideQuad(quad, x, y) {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = quad[i], [bx, by] = quad[(i + 1) % 4];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (cross !== 0) {
      if (sign === 0) sign = Math.sign(cross);
      else if (Math.sign(cross) !== sign) return false;
    }
  }
  return true;
}

/** @param {[number, number][]} quad @param {Box} box */
function boxInsideQuad(quad, box) {
  return [[box.x, box.y], [box.x + box.width, box.y], [box.x, box.y + box.height], [box.x + box.width, box.y + box.height]].every(([x, y]) => insideQuad(quad, x, y));
}

/** @typedef {{ width: number, height: number, data: Uint8Array }} Rgb */

/** Pastes another face, resized to the portrait's box: a sharp digital image that never went through the camera. @param {Rgb} image @param {import("./photograph.mjs").PhotoTruth} truth @param {Uint8Array} face */
async function pastePortrait(image, truth, face) {
  if (!truth.boxes.portrait) throw new Error("paste_portrait needs a document side with a portrait");
  const box = clampBox(truth.boxes.portrait.bbox, image.width, image.height);
  const pasted = await sharp(face).rotate().resize(box.width, box.height, { fit: "cover", position: "north" }).removeAlpha().raw().toBuffer();
  for (let y = 0; y < box.height; y++) {
    image.data.set(pasted.subarray(y * box.width * 3, (y + 1) * box.width * 3), ((box.y + y) * image.width + box.x) * 3);
  }
  return { box };
}

/** A different but plausible value for a printed field. @param {string} name @param {string} text @param {import("./random.mjs").Random} random */
function alteredValue(name, text, random) {
  if (name === "documentNumber") {
    const chars = [...text];
    const alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    for (let k = 0; k < 2; k++) {
      const i = random.int(1, chars.length - 1);
      let next = chars[i];
      while (next === chars[i]) next = alphabet[random.int(0, alphabet.length - 1)];
      chars[i] = next;
    }
    return chars.join("");
  }
  // Dates: the year moves (a forger makes the holder older or the document valid longer).
  return text.replace(/(\d{4})$/, (year) => String(Number(year) + random.pick([-9, -7, -5, -3, 3, 5, 7])));
}

/**
 * Covers a printed field with background interpolated across it in the document plane (from the lines just above
 * and below the text), then types a new value with the same font, size and colour, mapped by the local affine of
 * the capture's homography.
 * @param {Rgb} image @param {import("./photograph.mjs").PhotoTruth} truth @param {import("./random.mjs").Random} random
 */
async function alterText(image, truth, random) {
  const candidates = ["birthDate", "documentNumber", "issueDate", "expiryDate"].filter((name) => truth.boxes.fields[name]);
  const name = random.pick(candidates.slice(0, truth.side === "back" ? 1 : 2));
  const field = truth.boxes.fields[name];
  const flat = field.flat;
  const to = alteredValue(name, flat.text, random);
  const h = truth.homography;
  const inverse = invertHomography(h);
  const { width, height, data } = image;
  const flatBox = flat.box;
  const margin = Math.ceil(flat.size * 0.12);
  const top = flatBox.y - margin, bottom = flatBox.y + flatBox.height + margin;
  const left = flatBox.x - margin, right = flatBox.x + flatBox.width + margin + flat.size * 0.6;
  const region = clampBox(
    (() => {
      const points = [[left, top], [right, top], [right, bottom], [left, bottom]].map((p) => applyHomography(h, /** @type {[number, number]} */ (p)));
      const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
      return { x: Math.min(...xs) - 1, y: Math.min(...ys) - 1, width: Math.max(...xs) - Math.min(...xs) + 2, height: Math.max(...ys) - Math.min(...ys) + 2 };
    })(),
    width,
    height,
  );
  const sample = (/** @type {number} */ u, /** @type {number} */ v, /** @type {number} */ c) => {
    const [px, py] = applyHomography(h, [u, v]);
    const x = Math.min(width - 1, Math.max(0, Math.round(px))), y = Math.min(height - 1, Math.max(0, Math.round(py)));
    return data[(y * width + x) * 3 + c];
  };
  // The text colour: mean of the darkest 4 % of the field's pixels (the ink cores) before covering them.
  const darkest = [];
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      const o = (y * width + x) * 3;
      darkest.push([data[o] + data[o + 1] + data[o + 2], o]);
    }
  }
  darkest.sort((a, b) => a[0] - b[0]);
  const inkSamples = darkest.slice(0, Math.max(1, Math.floor(darkest.length / 25)));
  const ink = [0, 1, 2].map((c) => Math.round(inkSamples.reduce((sum, [, o]) => sum + data[o + c], 0) / inkSamples.length));
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      const [u, v] = applyHomography(inverse, [x + 0.5, y + 0.5]);
      if (u < left || u > right || v < top || v > bottom) continue;
      const t = (v - top) / (bottom - top);
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = sample(u, top - 2, c) * (1 - t) + sample(u, bottom + 2, c) * t + random.normal() * 1.2;
    }
  }
  // Local affine of the homography at the field, expressed relative to the region's corner.
  const [u0, v0] = [flat.x, flat.baseline];
  const [X0, Y0] = applyHomography(h, [u0, v0]);
  const [Xu, Yu] = applyHomography(h, [u0 + 1, v0]);
  const [Xv, Yv] = applyHomography(h, [u0, v0 + 1]);
  const a = Xu - X0, b = Yu - Y0, c = Xv - X0, d = Yv - Y0;
  const e = X0 - region.x - a * u0 - c * v0, f = Y0 - region.y - b * u0 - d * v0;
  const colour = `rgb(${ink.join(",")})`;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${region.width}" height="${region.height}">` +
    `<text transform="matrix(${[a, b, c, d, e, f].map((n) => n.toFixed(5)).join(" ")})" x="${u0}" y="${v0}" font-family="${flat.font}" font-size="${flat.size.toFixed(2)}" fill="${colour}" xml:space="preserve">${escapeXml(to)}</text></svg>`;
  const text = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const s = (y * region.width + x) * 4;
      const alpha = text[s + 3] / 255;
      if (alpha === 0) continue;
      const o = ((region.y + y) * width + region.x + x) * 3;
      for (let ch = 0; ch < 3; ch++) data[o + ch] = data[o + ch] * (1 - alpha) + text[s + ch] * alpha;
    }
  }
  return { box: region, text: { field: name, from: flat.text, to } };
}

/**
 * Copies a stamp- or field-sized region of the card (2–6 % of its area, per split) to another place on the card,
 * with a shift that is not a multiple of 8 in four cases out of five.
 * @param {Rgb} image @param {import("./photograph.mjs").PhotoTruth} truth @param {import("./random.mjs").Random} random @param {[number, number]} fraction
 */
function copyMove(image, truth, random, fraction) {
  const quad = truth.corners;
  let area = 0;
  for (let i = 0; i < 4; i++) area += quad[i][0] * quad[(i + 1) % 4][1] - quad[(i + 1) % 4][0] * quad[i][1];
  area = Math.abs(area) / 2;
  const targetArea = random.float(fraction[0], fraction[1]) * area;
  const aspect = random.float(1, 2.5);
  const w = Math.round(Math.sqrt(targetArea * aspect)), h = Math.round(targetArea / Math.sqrt(targetArea * aspect));
  const anchors = [truth.boxes.seal.bbox, ...Object.values(truth.boxes.fields).map((f) => f.bbox)];
  const aligned = random.chance(0.2);
  for (let attempt = 0; attempt < 400; attempt++) {
    const anchor = attempt < 200 && random.chance(0.6) ? random.pick(anchors) : null;
    const cx = anchor ? anchor.x + anchor.width / 2 : random.float(Math.min(...quad.map((p) => p[0])), Math.max(...quad.map((p) => p[0])));
    const cy = anchor ? anchor.y + anchor.height / 2 : random.float(Math.min(...quad.map((p) => p[1])), Math.max(...quad.map((p) => p[1])));
    const source = { x: Math.round(cx - w / 2), y: Math.round(cy - h / 2), width: w, height: h };
    let dx = random.int(-4 * w, 4 * w), dy = random.int(-3 * h, 3 * h);
    if (aligned) {
      dx = Math.round(dx / 8) * 8;
      dy = Math.round(dy / 8) * 8;
    } else if (dx % 8 === 0 && dy % 8 === 0) dx += random.pick([-3, -1, 1, 3]);
    if (Math.abs(dx) < w && Math.abs(dy) < h) continue;
    const target = { x: source.x + dx, y: source.y + dy, width: w, height: h };
    if (!boxInsideQuad(quad, source) || !boxInsideQuad(quad, target)) continue;
    const { width, data } = image;
    const copy = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) copy.set(data.subarray(((source.y + y) * width + source.x) * 3, ((source.y + y) * width + source.x + w) * 3), y * w * 3);
    for (let y = 0; y < h; y++) data.set(copy.subarray(y * w * 3, (y + 1) * w * 3), ((target.y + y) * width + target.x) * 3);
    return { box: target, source };
  }
  throw new Error("copy_move: no placement inside the card");
}

/** @param {{ stripped: number, kept: number, software: number }} weights @param {import("./random.mjs").Random} random */
function pickExifMode(weights, random) {
  const total = weights.stripped + weights.kept + weights.software;
  const r = random.next() * total;
  return r < weights.stripped ? "stripped" : r < weights.stripped + weights.kept ? "kept" : "software";
}

/** @param {string} exifDateTime "YYYY:MM:DD HH:MM:SS" @param {number} days → a later date in both notations */
function laterDate(exifDateTime, days) {
  const iso = `${exifDateTime.slice(0, 10).replace(/:/g, "-")}T${exifDateTime.slice(11)}Z`;
  const later = new Date(Date.parse(iso) + days * 86400000).toISOString().slice(0, 19);
  return { iso: later, exif: later.replace("T", " ").replace(/-/g, ":") };
}

/**
 * Applies one tampering to a genuine photo.
 * @param {{ bytes: Uint8Array, truth: import("./photograph.mjs").PhotoTruth }} photo from `photograph`
 * @param {TamperOptions} options
 * @returns {Promise<{ bytes: Uint8Array, truth: TamperTruth }>}
 * @example
 * const forged = await tamper(photo, { type: "paste_portrait", seed: 9, face: otherFace });
 */
export async function tamper(photo, options) {
  const { type, seed } = options;
  if (!TAMPER_TYPES.includes(type)) throw new Error(`unknown tamper type: ${type}`);
  const settings = typeof options.split === "object" ? options.split : SPLITS[options.split ?? "tuning"];
  const random = createRandom(deriveSeed(seed, `tamper:${type}`));
  const { truth } = photo;
  const decoded = await sharp(photo.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const image = { width: decoded.info.width, height: decoded.info.height, data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length) };

  /** @type {Partial<TamperTruth>} */
  let edit = { box: null };
  let editKind = type;
  if (type === "thumbnail_mismatch") editKind = options.face && truth.boxes.portrait && random.chance(0.5) ? "paste_portrait" : "alter_text";
  if (editKind === "paste_portrait") {
    if (!options.face) throw new Error("paste_portrait needs options.face");
    edit = await pastePortrait(image, truth, options.face);
  } else if (editKind === "alter_text") edit = await alterText(image, truth, random);
  else if (editKind === "copy_move") edit = copyMove(image, truth, random, settings.copyMoveFraction);
  if (type === "thumbnail_mismatch") edit = { ...edit, edit: editKind };

  const originalExif = listSegments(photo.bytes).find((s) => s.marker === 0xe1 && s.data[0] === 0x45 && s.data[4] === 0);
  /** @type {{ marker: number, data: Uint8Array }[]} */
  let segments;
  let tables, tableName, quality, subsampling, exifMode, software = null;
  if (type === "double_compression" || type === "thumbnail_mismatch") {
    // A library or a careless tool: IJG tables at another quality, the camera's APP1 copied byte for byte.
    const choices = settings.resaveQualities.filter((q) => q !== truth.quality);
    quality = random.pick(choices.length ? choices : [truth.quality - 5]);
    const ijg = ijgTables(quality);
    tables = ijg;
    tableName = ijg.name;
    subsampling = truth.subsampling;
    exifMode = "original";
    segments = originalExif ? [{ marker: 0xe1, data: originalExif.data }] : [];
  } else {
    const preset = photoshopTable(options.editorTable ?? random.pick(settings.editorTables));
    tables = preset;
    tableName = `photoshop-${preset.name}`;
    quality = preset.quality;
    subsampling = preset.subsampling;
    exifMode = type === "editor_resave" ? "software" : options.exifMode ?? pickExifMode(settings.exifModes, random);
    const saved = laterDate(truth.exif.dateTime, random.int(1, 90));
    segments = [buildJfifSegment()];
    if (exifMode !== "stripped") {
      software = exifMode === "software" ? PHOTOSHOP_SOFTWARE : null;
      const thumbnail = await thumbnailJpeg(image.data, image.width, image.height);
      const meta = exifMode === "software" ? { ...truth.exif, dateTime: truth.exif.dateTime } : truth.exif;
      segments.push(exifSegment(meta, { width: image.width, height: image.height, thumbnail, software: software ?? undefined }));
      if (software) segments.push(buildPhotoshopIrbSegment(), buildXmpSegment({ creatorTool: software, modifyDate: saved.iso }));
    }
    segments.push(buildAdobeSegment());
  }
  const bytes = encodeJpeg({ width: image.width, height: image.height, channels: 3, data: image.data }, { luma: tables.luma, chroma: tables.chroma, subsampling, segments });
  return {
    bytes,
    truth: {
      tampered: true,
      type,
      ...edit,
      box: edit.box ?? null,
      save: { tables: tableName, quality, subsampling, exif: exifMode, software },
    },
  };
}
