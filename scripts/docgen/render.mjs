/**
 * Renders the flat (scanner-perfect) document: an ID-1 card (TD1, front with portrait, fields and MRZ, or the back
 * with the MRZ alone) or a TD3 passport data page. One SVG (security background, seal, microtext, text) rendered by
 * sharp/librsvg, the portrait and a ghost portrait composited on top. Returns raw RGBA plus every box in flat pixels.
 */
import sharp from "sharp";
import { createRandom, deriveSeed } from "./random.mjs";
import { escapeXml, fontMetrics, textWidth } from "./fonts.mjs";
import { td1Lines, td3Lines } from "./mrz.mjs";
import { LAYOUTS } from "./splits.mjs";

/** @typedef {{ x: number, y: number, width: number, height: number }} Box */
/** @typedef {{ text: string, font: string, size: number, x: number, baseline: number, color: string, box: Box }} PrintedField */

const MRZ_FONT = "OCR B";

/**
 * @typedef {object} MrzStyle how the MRZ is printed; the defaults are the look every document had before styles existed
 * @property {string} font an installed OCR-B family: "OCR B" (regular) or "OCR B S" (its sharp-cornered cut)
 * @property {number} sizeScale glyph size relative to the size that makes a line span 87 % (TD1) / 92 % (TD3) of the width
 * @property {number} letterSpacing extra advance per character, in em
 * @property {number} stroke ink spread: an outline of the ink colour, px at 1000 px document width (0 = none)
 * @property {string} ink text colour
 * @property {number} bandOpacity opacity of the white band printed under the MRZ (lower: more guilloche shows through)
 * @property {"none" | "guilloche"} pattern a fine interlaced line pattern printed over the band, under the text
 * @property {number} patternOpacity
 */

/** @type {MrzStyle} */
export const DEFAULT_MRZ_STYLE = { font: MRZ_FONT, sizeScale: 1, letterSpacing: 0, stroke: 0, ink: "#111", bandOpacity: 0.45, pattern: "none", patternOpacity: 0 };

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const LABELS = {
  surname: "Surname / Nom",
  givenNames: "Given names / Prénoms",
  nationality: "Nationality / Nationalité",
  sex: "Sex / Sexe",
  birthDate: "Date of birth / Date de naissance",
  documentNumber: "Document No. / N° du document",
  expiryDate: "Date of expiry / Date d'expiration",
  issuingState: "Issuing state / État émetteur",
  issueDate: "Date of issue / Date de délivrance",
  placeOfBirth: "Place of birth / Lieu de naissance",
  authority: "Authority / Autorité",
};
const NUMERIC_FIELDS = new Set(["birthDate", "expiryDate", "issueDate", "documentNumber"]);

/** Field rows per kind and arrangement; each inner array shares one row. */
const ROWS = {
  td1: {
    stacked: [["surname"], ["givenNames"], ["birthDate", "sex"], ["nationality", "issuingState"], ["documentNumber", "expiryDate"]],
    grid: [["documentNumber"], ["surname"], ["givenNames"], ["sex", "nationality", "birthDate"], ["issuingState", "expiryDate"]],
  },
  td3: {
    stacked: [["surname"], ["givenNames"], ["nationality", "sex"], ["birthDate", "placeOfBirth"], ["issueDate", "expiryDate"], ["documentNumber", "issuingState"]],
    grid: [["documentNumber", "issuingState"], ["surname"], ["givenNames"], ["birthDate", "sex"], ["nationality", "placeOfBirth"], ["issueDate", "expiryDate"]],
  },
  back: [["issueDate", "authority"], ["placeOfBirth"]],
};

/**
 * Formats an ISO date the way a layout prints it.
 * @param {string} iso "YYYY-MM-DD"
 * @param {"dots" | "spaces" | "month"} style
 * @example
 * formatDate("1974-08-12", "month"); // "12 AUG 1974"
 */
export function formatDate(iso, style) {
  const [year, month, day] = iso.split("-");
  if (style === "dots") return `${day}.${month}.${year}`;
  if (style === "spaces") return `${day} ${month} ${year}`;
  return `${day} ${MONTHS[Number(month) - 1]} ${year}`;
}

/** @param {import("./holder.mjs").Holder} holder @param {string} field @param {import("./splits.mjs").Layout} layout */
function fieldText(holder, field, layout) {
  switch (field) {
    case "birthDate":
    case "expiryDate":
    case "issueDate":
      return formatDate(holder[field], layout.dateStyle);
    case "authority":
      return `PRÉFECTURE ${holder.placeOfBirth}`;
    default:
      return String(/** @type {Record<string, string>} */ (/** @type {unknown} */ (holder))[field]);
  }
}

/**
 * The box of a text line from its baseline: cap height above, a little room below for commas and accents.
 * @param {number} x @param {number} baseline @param {number} width @param {number} size
 * @returns {Box}
 */
export function textBox(x, baseline, width, size) {
  const top = Math.floor(baseline - 0.82 * size);
  const left = Math.floor(x - 0.06 * size);
  return { x: left, y: top, width: Math.ceil(x + width + 0.06 * size) - left, height: Math.ceil(baseline + 0.12 * size) - top };
}

/** Hypotrochoid rosette as one SVG path. @param {number} cx @param {number} cy @param {number} radius @param {import("./random.mjs").Random} random */
function rosettePath(cx, cy, radius, random) {
  const big = radius, small = radius * random.float(0.18, 0.32), pen = radius * random.float(0.35, 0.6);
  const turns = 23;
  const steps = 900;
  let d = "";
  for (let i = 0; i <= steps; i++) {
    const t = (i / steps) * Math.PI * 2 * turns;
    const x = (big - small) * Math.cos(t) + pen * Math.cos(((big - small) / small) * t);
    const y = (big - small) * Math.sin(t) - pen * Math.sin(((big - small) / small) * t);
    const scale = radius / (big - small + pen);
    d += `${i ? "L" : "M"}${(cx + x * scale).toFixed(1)} ${(cy + y * scale).toFixed(1)}`;
  }
  return d;
}

/** A seal: rings, a star and the state code. @param {number} cx @param {number} cy @param {number} r @param {string} color @param {string} code @param {string} font */
function sealSvg(cx, cy, r, color, code, font) {
  const points = [];
  for (let i = 0; i < 24; i++) {
    const a = (i / 24) * Math.PI * 2;
    const rr = i % 2 ? r * 0.42 : r * 0.7;
    points.push(`${(cx + rr * Math.cos(a)).toFixed(1)},${(cy + rr * Math.sin(a)).toFixed(1)}`);
  }
  return (
    `<g fill="none" stroke="${color}" stroke-opacity="0.28">` +
    `<circle cx="${cx}" cy="${cy}" r="${r}" stroke-width="${r * 0.05}"/>` +
    `<circle cx="${cx}" cy="${cy}" r="${r * 0.82}" stroke-width="${r * 0.02}" stroke-dasharray="${r * 0.05} ${r * 0.03}"/>` +
    `<polygon points="${points.join(" ")}" stroke-width="${r * 0.02}"/>` +
    `<text x="${cx}" y="${cy + r * 0.1}" font-family="${font}" font-size="${r * 0.3}" text-anchor="middle" fill="${color}" fill-opacity="0.28" stroke="none">${escapeXml(code)}</text></g>`
  );
}

/**
 * @typedef {object} RenderOptions
 * @property {"td1" | "td3"} kind
 * @property {"front" | "back"} [side] td1 only; the back carries issue data and the MRZ
 * @property {import("./holder.mjs").Holder} holder
 * @property {Uint8Array} face the holder's photo (any format sharp reads)
 * @property {string | import("./splits.mjs").Layout} layout a LAYOUTS id or a layout
 * @property {{ text: string, numbers: string }} fonts
 * @property {number} seed
 * @property {number} [width] default 1200 (td1) / 1250 (td3)
 * @property {Partial<MrzStyle>} [mrzStyle] how the MRZ is printed (default {@link DEFAULT_MRZ_STYLE})
 */

/**
 * @typedef {object} FlatDocument
 * @property {"td1" | "td3"} kind
 * @property {"front" | "back"} side
 * @property {string} layout
 * @property {number} width
 * @property {number} height
 * @property {4} channels
 * @property {Uint8Array} data raw RGBA; alpha is 0 outside the card's rounded corners
 * @property {{ card: Box, portrait: Box | null, ghost: Box | null, seal: Box, mrz: Box, fields: Record<string, PrintedField>, mrzLines: PrintedField[] }} boxes
 * @property {string[]} mrz
 * @property {import("./holder.mjs").Holder} holder
 */

/**
 * Renders a flat document.
 * @param {RenderOptions} options
 * @returns {Promise<FlatDocument>}
 * @example
 * const flat = await renderDocument({ kind: "td1", holder: randomHolder(1), face, layout: "blue-left",
 *   fonts: { text: "DejaVu Sans", numbers: "DejaVu Sans Mono" }, seed: 1 });
 */
export async function renderDocument(options) {
  const { kind, holder, face, fonts, seed } = options;
  const side = kind === "td1" ? options.side ?? "front" : "front";
  const layout = typeof options.layout === "string" ? LAYOUTS[options.layout] : options.layout;
  if (!layout) throw new Error(`unknown layout: ${options.layout}`);
  const random = createRandom(deriveSeed(seed, "render"));
  const W = options.width ?? (kind === "td1" ? 1200 : 1250);
  const H = Math.round(kind === "td1" ? (W * 54) / 85.6 : (W * 88) / 125);
  const u = W / 1000;
  const mrzStyle = { ...DEFAULT_MRZ_STYLE, ...options.mrzStyle };
  const [textMetrics, numberMetrics, mrzMetrics] = await Promise.all([fontMetrics(fonts.text), fontMetrics(fonts.numbers), fontMetrics(mrzStyle.font)]);

  const svg = [];
  const radius = kind === "td1" ? 0.037 * W : 0.012 * W;
  svg.push(
    `<defs><linearGradient id="paper" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${layout.paper[0]}"/><stop offset="1" stop-color="${layout.paper[1]}"/></linearGradient>`,
    `<radialGradient id="tint" cx="0.62" cy="0.45" r="0.55"><stop offset="0" stop-color="${layout.tint}" stop-opacity="0.9"/><stop offset="1" stop-color="${layout.tint}" stop-opacity="0"/></radialGradient>`,
    // Whole-pixel tiles: librsvg renders fractional pattern tiles about 30× slower.
    `<pattern id="waves" patternUnits="userSpaceOnUse" width="${Math.round(layout.wavePeriod * u)}" height="${Math.round(12 * u)}">`,
    wavePattern(Math.round(layout.wavePeriod * u), Math.round(12 * u), layout.guilloche[1], u),
    `</pattern></defs>`,
    // No clip-path or group opacity: both make librsvg render off-screen (×3 slower). Corners are cut in JS below.
    `<rect width="${W}" height="${H}" fill="url(#paper)"/><rect width="${W}" height="${H}" fill="url(#tint)"/>`,
    `<rect width="${W}" height="${H}" fill="url(#waves)"/>`,
  );

  const margin = 0.035 * W;
  const headerHeight = (kind === "td1" ? 0.12 : 0.09) * H;
  const portraitWidth = side === "back" ? 0 : (kind === "td1" ? 0.235 : 0.26) * W;
  const portraitHeight = Math.round(portraitWidth * 1.286);
  const portraitX = Math.round(layout.portraitSide === "left" ? margin : W - margin - portraitWidth);
  const portraitY = Math.round(headerHeight + 0.035 * H);
  const fieldsLeft = side === "back" ? margin : layout.portraitSide === "left" ? portraitX + portraitWidth + margin : margin;
  const fieldsRight = side === "back" ? W - margin : layout.portraitSide === "left" ? W - margin : portraitX - margin;
  const mrzTop = (kind === "td1" ? 0.705 : 0.79) * H;

  // Rosettes behind the fields and near the bottom corner; the waves above are the strictly periodic layer.
  const rosetteX = (fieldsLeft + fieldsRight) / 2;
  svg.push(`<path d="${rosettePath(rosetteX, 0.42 * H, 0.3 * H, random)}" fill="none" stroke="${layout.guilloche[0]}" stroke-width="${0.6 * u}" stroke-opacity="0.55"/>`);
  svg.push(`<path d="${rosettePath(layout.portraitSide === "left" ? 0.12 * W : 0.88 * W, mrzTop - 0.04 * H, 0.16 * H, random)}" fill="none" stroke="${layout.guilloche[0]}" stroke-width="${0.5 * u}" stroke-opacity="0.45"/>`);

  // Header band and microtext line.
  const title = kind === "td3" ? "PASSPORT · PASSEPORT" : side === "back" ? "" : "IDENTITY CARD · CARTE D'IDENTITÉ";
  svg.push(`<rect width="${W}" height="${headerHeight}" fill="${layout.accent}" fill-opacity="0.88"/>`);
  svg.push(`<text x="${margin}" y="${headerHeight * 0.66}" font-family="${fonts.text}" font-size="${headerHeight * 0.36}" fill="#fff">${escapeXml(title)}</text>`);
  svg.push(`<text x="${W - margin}" y="${headerHeight * 0.66}" font-family="${fonts.text}" font-size="${headerHeight * 0.3}" fill="#fff" text-anchor="end">${escapeXml(holder.stateName)}</text>`);
  const micro = `${holder.stateName.replace(/\s/g, "")}${holder.issuingState}`.repeat(60);
  svg.push(`<text x="0" y="${headerHeight + 0.018 * H}" font-family="DejaVu Sans Mono" font-size="${5 * u}" fill="${layout.accent}" fill-opacity="0.6">${escapeXml(micro)}</text>`);

  const sealRadius = (kind === "td1" ? 0.075 : 0.06) * W;
  const sealX = side === "back" ? W - margin - sealRadius : layout.portraitSide === "left" ? portraitX + portraitWidth : portraitX;
  const sealY = side === "back" ? headerHeight + 0.05 * H + sealRadius : portraitY + portraitHeight;
  svg.push(sealSvg(sealX, sealY, sealRadius, layout.accent, holder.issuingState, fonts.text));
  const seal = { x: Math.floor(sealX - sealRadius), y: Math.floor(sealY - sealRadius), width: Math.ceil(2 * sealRadius), height: Math.ceil(2 * sealRadius) };

  /** @type {Record<string, PrintedField>} */
  const fields = {};
  const rows = side === "back" ? ROWS.back : ROWS[kind][layout.fieldArrangement];
  const rowsTop = headerHeight + 0.045 * H;
  const rowsBottom = side === "back" ? headerHeight + 0.4 * H : mrzTop - 0.04 * H;
  const pitch = (rowsBottom - rowsTop) / rows.length;
  const labelSize = (kind === "td1" ? 13 : 11.5) * u;
  const valueSize = (kind === "td1" ? 24 : 22) * u;
  rows.forEach((row, r) => {
    const columnWidth = (fieldsRight - fieldsLeft) / row.length;
    row.forEach((name, c) => {
      const x = Math.round(fieldsLeft + c * columnWidth);
      const labelBaseline = rowsTop + r * pitch + labelSize;
      const baseline = Math.round(labelBaseline + valueSize * 1.2);
      const numeric = NUMERIC_FIELDS.has(name);
      const font = numeric ? fonts.numbers : fonts.text;
      const text = fieldText(holder, name, layout);
      const width = textWidth(numeric ? numberMetrics : textMetrics, text, valueSize);
      svg.push(`<text x="${x}" y="${labelBaseline.toFixed(1)}" font-family="${fonts.text}" font-size="${labelSize.toFixed(1)}" fill="${layout.accent}">${escapeXml(LABELS[/** @type {keyof typeof LABELS} */ (name)])}</text>`);
      svg.push(`<text x="${x}" y="${baseline}" font-family="${font}" font-size="${valueSize.toFixed(1)}" fill="${layout.ink}" xml:space="preserve">${escapeXml(text)}</text>`);
      fields[name] = { text, font, size: valueSize, x, baseline, color: layout.ink, box: textBox(x, baseline, width, valueSize) };
    });
  });

  // MRZ: OCR B sized so a line spans ~88% (TD1) / 92% (TD3) of the width (times the style's size scale).
  const mrz = kind === "td1" ? td1Lines(holder) : td3Lines(holder);
  const lineChars = mrz[0].length;
  const mrzSize = (mrzStyle.sizeScale * (kind === "td1" ? 0.87 : 0.92) * W) / textWidth(mrzMetrics, "<".repeat(lineChars), 1);
  const mrzPitch = mrzSize * (kind === "td1" ? 1.17 : 1.3);
  const spacing = mrzStyle.letterSpacing * mrzSize;
  const mrzLineWidth = (/** @type {string} */ line) => textWidth(mrzMetrics, line, mrzSize) + spacing * (line.length - 1);
  const mrzX = Math.round((W - mrzLineWidth(mrz[0])) / 2);
  svg.push(`<rect x="0" y="${mrzTop}" width="${W}" height="${H - mrzTop}" fill="#ffffff" fill-opacity="${mrzStyle.bandOpacity}"/>`);
  if (mrzStyle.pattern === "guilloche") svg.push(bandGuilloche(mrzTop, W, H - mrzTop, layout.guilloche[0], mrzStyle.patternOpacity, u, deriveSeed(seed, "mrz-pattern")));
  // Only non-default styles add attributes, so default documents stay byte-identical to those made before styles.
  const ink = mrzStyle.ink === DEFAULT_MRZ_STYLE.ink ? "#111111" : mrzStyle.ink;
  const extra = (spacing ? ` letter-spacing="${spacing.toFixed(2)}"` : "") + (mrzStyle.stroke ? ` stroke="${mrzStyle.ink}" stroke-width="${(mrzStyle.stroke * u).toFixed(2)}" stroke-linejoin="round"` : "");
  const mrzLines = mrz.map((line, i) => {
    const baseline = Math.round(mrzTop + 0.025 * H + mrzSize * 0.8 + i * mrzPitch);
    svg.push(`<text x="${mrzX}" y="${baseline}" font-family="${mrzStyle.font}" font-size="${mrzSize.toFixed(2)}" fill="${mrzStyle.ink}"${extra} xml:space="preserve">${escapeXml(line)}</text>`);
    return { text: line, font: mrzStyle.font, size: mrzSize, x: mrzX, baseline, color: ink, box: textBox(mrzX, baseline, mrzLineWidth(line), mrzSize) };
  });
  const first = mrzLines[0].box, last = mrzLines[mrzLines.length - 1].box;
  const mrzBox = { x: first.x, y: first.y, width: Math.max(...mrzLines.map((l) => l.box.width)), height: last.y + last.height - first.y };

  const document = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${svg.join("")}</svg>`;
  /** @type {import("sharp").OverlayOptions[]} */
  const layers = [];
  let portrait = null, ghost = null;
  if (side === "front") {
    // One decode of the (often large) face photo; the ghost is made from the printed portrait.
    const photo = await sharp(face).rotate().resize(Math.round(portraitWidth), portraitHeight, { fit: "cover", position: "north" }).modulate({ saturation: 0.85 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    layers.push({ input: photo.data, raw: photo.info, left: portraitX, top: portraitY });
    portrait = { x: portraitX, y: portraitY, width: Math.round(portraitWidth), height: portraitHeight };
    const ghostWidth = Math.round((kind === "td1" ? 0.1 : 0.08) * W), ghostHeight = Math.round(ghostWidth * 1.286);
    // TD1: at the far end of the field area, where the short fields leave room; TD3: under the portrait.
    const ghostX = Math.round(kind === "td1" ? fieldsRight - ghostWidth : layout.portraitSide === "left" ? portraitX + portraitWidth - ghostWidth : portraitX);
    const ghostY = Math.round(kind === "td1" ? mrzTop - ghostHeight - 0.02 * H : Math.max(portraitY + portraitHeight + 0.01 * H, mrzTop - ghostHeight - 0.02 * H));
    const ghostImage = await sharp(photo.data, { raw: photo.info }).resize(ghostWidth, ghostHeight, { fit: "fill" }).greyscale().linear(0.3, 178).toColourspace("srgb").removeAlpha().raw().toBuffer({ resolveWithObject: true });
    layers.push({ input: ghostImage.data, raw: ghostImage.info, left: ghostX, top: ghostY, blend: "multiply" });
    ghost = { x: ghostX, y: ghostY, width: ghostWidth, height: ghostHeight };
  }
  const rendered = await sharp(Buffer.from(document)).composite(layers).ensureAlpha().raw().toBuffer();
  // Composites drawn over the clipped corners would make them opaque; restore the card's rounded outline.
  const data = new Uint8Array(rendered.buffer, rendered.byteOffset, rendered.length);
  clearOutsideRoundedRect(data, W, H, radius);
  return {
    kind,
    side,
    layout: layout.id,
    width: W,
    height: H,
    channels: 4,
    data,
    boxes: { card: { x: 0, y: 0, width: W, height: H }, portrait, ghost, seal, mrz: mrzBox, fields, mrzLines },
    mrz,
    holder,
  };
}

/**
 * A security-print band behind the MRZ: two families of interlaced sine strands across the band (the look of the
 * guilloche real passports print under their MRZ), drawn under the text so a reader has to ignore it.
 * @param {number} top @param {number} width @param {number} height @param {string} color @param {number} opacity
 * @param {number} u px per 1/1000 of the document width @param {number} seed
 */
function bandGuilloche(top, width, height, color, opacity, u, seed) {
  const random = createRandom(seed);
  const strands = random.int(7, 11);
  const period = random.float(40, 90) * u;
  const amplitude = (height / strands) * random.float(0.6, 1.2);
  const steps = Math.ceil(width / (4 * u));
  let d = "";
  for (const family of [0, 1]) {
    const phaseStep = random.float(0.3, 0.9);
    for (let k = 0; k < strands; k++) {
      const centre = top + ((k + 0.5) * height) / strands;
      const phase = family * Math.PI + k * phaseStep;
      for (let i = 0; i <= steps; i++) {
        const x = (i / steps) * width;
        d += `${i ? "L" : "M"}${x.toFixed(1)} ${(centre + amplitude * Math.sin((2 * Math.PI * x) / period + phase)).toFixed(1)}`;
      }
    }
  }
  return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${(0.6 * u).toFixed(2)}" stroke-opacity="${opacity}"/>`;
}

/** Two phase-shifted sine strands per tile: a strictly periodic fine-line pattern. @param {number} period @param {number} height @param {string} color @param {number} u */
function wavePattern(period, height, color, u) {
  const strand = (/** @type {number} */ offset) => {
    let d = "";
    for (let i = 0; i <= 24; i++) {
      const x = (i / 24) * period;
      const y = offset + Math.sin((i / 24) * Math.PI * 2) * height * 0.22;
      d += `${i ? "L" : "M"}${x.toFixed(2)} ${y.toFixed(2)}`;
    }
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${(0.7 * u).toFixed(2)}"/>`;
  };
  return strand(height * 0.25) + strand(height * 0.75);
}

/** @param {Uint8Array} rgba @param {number} width @param {number} height @param {number} radius */
function clearOutsideRoundedRect(rgba, width, height, radius) {
  const r = Math.ceil(radius);
  for (let y = 0; y < r; y++) {
    for (let x = 0; x < r; x++) {
      const dx = r - x - 0.5, dy = r - y - 0.5;
      const outside = Math.sqrt(dx * dx + dy * dy) - radius;
      if (outside <= -1) continue;
      const alpha = outside >= 0 ? 0 : Math.round(-outside * 255);
      for (const [px, py] of [[x, y], [width - 1 - x, y], [x, height - 1 - y], [width - 1 - x, height - 1 - y]]) {
        const i = (py * width + px) * 4 + 3;
        rgba[i] = Math.min(rgba[i], alpha);
      }
    }
  }
}

/**
 * The flat document as a PNG, for looking at it.
 * @param {FlatDocument} flat
 * @returns {Promise<Uint8Array>}
 * @example
 * await writeFile("card.png", await flatToPng(flat));
 */
export async function flatToPng(flat) {
  return new Uint8Array(await sharp(flat.data, { raw: { width: flat.width, height: flat.height, channels: 4 } }).png().toBuffer());
}
