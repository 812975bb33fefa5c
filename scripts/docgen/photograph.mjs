/**
 * Turns a flat document into a phone photo: the card lying on a textured surface under a true homography (rotation,
 * keystone, small corner jitter), with a soft shadow, lens blur, white-balance shift, vignetting, optional glare and
 * sensor noise, then encoded ONCE with camera tables and camera EXIF (thumbnail of the same photo). The truth maps
 * every document box into photo pixels.
 */
import sharp from "sharp";
import { createRandom, deriveSeed } from "./random.mjs";
import { applyHomography, homographyFromPoints, invertHomography, mapBox } from "./geometry.mjs";
import { CAMERAS, exifSegment, thumbnailJpeg } from "./camera.mjs";
import { encodeJpeg } from "./jpeg-encode.mjs";
import { cameraTables } from "./quant-tables.mjs";

/**
 * @typedef {object} PhotoConditions every field optional; missing ones are drawn from the seed
 * @property {number} seed
 * @property {number} [width] frame width (default 2000 for the long side, 4:3)
 * @property {number} [height] frame height (default width × 3/4)
 * @property {number} [fill] card's long side over the frame's, 0.55–0.85
 * @property {number} [rotationDegrees] in-plane rotation, default ±5
 * @property {number} [tilt] keystone: one edge shortened by this fraction, default 0–0.05
 * @property {number} [blurSigma] lens blur σ in px at a 2000-px frame (scaled with the frame), default 0.5–1.5
 * @property {number} [noise] sensor noise σ in 8-bit units at mid-grey, default 1.5–4
 * @property {number} [vignette] corner darkening, default 0.1–0.3
 * @property {boolean} [glare] a soft bright ellipse, default with probability 0.35
 * @property {[number, number, number]} [whiteBalance] channel gains, default ±6%
 * @property {number} [quality] camera JPEG quality (IJG scale), default 90
 * @property {string} [tables] "ijg" | "vendor-flat" | "vendor-sharp-chroma", default "ijg"
 * @property {"4:2:0" | "4:4:4"} [subsampling] default "4:2:0"
 * @property {import("./camera.mjs").Camera} [camera]
 * @property {boolean} [gps] default with probability 0.5
 */

/** @typedef {{ quad: [number, number][], bbox: import("./geometry.mjs").Box }} MappedBox */

/**
 * @typedef {object} PhotoTruth
 * @property {"td1" | "td3"} kind
 * @property {"front" | "back"} side
 * @property {string} layout
 * @property {number} width
 * @property {number} height
 * @property {[number, number][]} corners card corners in the photo, clockwise from the flat top-left
 * @property {number[]} homography flat → photo, row-major 3×3
 * @property {{ portrait: MappedBox | null, ghost: MappedBox | null, seal: MappedBox, mrz: MappedBox, card: MappedBox, fields: Record<string, MappedBox & { text: string, flat: import("./render.mjs").PrintedField }> }} boxes
 * @property {{ make: string, model: string }} camera
 * @property {number} quality
 * @property {string} tables
 * @property {"4:2:0" | "4:4:4"} subsampling
 * @property {import("./camera.mjs").CaptureMetadata} exif
 * @property {Required<Omit<PhotoConditions, "seed" | "camera" | "width" | "height" | "quality" | "tables" | "subsampling" | "gps">> & { surface: string }} conditions
 * @property {string[]} mrz
 * @property {import("./holder.mjs").Holder} holder
 */

const SURFACES = [
  { name: "oak", base: [150, 108, 70], grain: 0.16, stripes: 0.18 },
  { name: "walnut", base: [92, 62, 42], grain: 0.14, stripes: 0.22 },
  { name: "grey-desk", base: [128, 130, 134], grain: 0.07, stripes: 0 },
  { name: "dark-fabric", base: [48, 52, 64], grain: 0.22, stripes: 0.05 },
  { name: "white-table", base: [208, 206, 200], grain: 0.04, stripes: 0 },
];

/**
 * Surface texture: a brightness field drawn at 1/8 resolution (grain, wood-like stripes, a lighting ramp), upsampled
 * bilinearly in JS and multiplied by the surface colour. One channel keeps it cheap at 12 MP.
 * @param {number} width @param {number} height @param {import("./random.mjs").Random} random
 */
function surface(width, height, random) {
  const kind = random.pick(SURFACES);
  const w = Math.max(8, Math.ceil(width / 8)), h = Math.max(8, Math.ceil(height / 8));
  const small = new Float32Array(w * h);
  const angle = random.float(-0.3, 0.3);
  const frequency = random.float(0.25, 0.6);
  const phase = random.float(0, 6.28);
  const shade = random.float(0.85, 1.1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const along = y * Math.cos(angle) + x * Math.sin(angle);
      const wobble = Math.sin(x * 0.05 + phase) * 3;
      const stripe = Math.sin((along + wobble) * frequency + phase) * Math.sin(along * frequency * 0.23);
      small[y * w + x] = shade * (1 + kind.stripes * stripe + kind.grain * (random.next() - 0.5)) * (0.92 + 0.16 * (x / w));
    }
  }
  const out = new Uint8Array(width * height * 3);
  const column = new Int32Array(width), columnWeight = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(w - 1.001, Math.max(0, ((x + 0.5) * w) / width - 0.5));
    column[x] = Math.floor(sx);
    columnWeight[x] = sx - column[x];
  }
  const [baseR, baseG, baseB] = kind.base;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(h - 1.001, Math.max(0, ((y + 0.5) * h) / height - 0.5));
    const y0 = Math.floor(sy), fy = sy - y0;
    const top = y0 * w, bottom = top + w;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const i = column[x], fx = columnWeight[x];
      const upper = small[top + i] + (small[top + i + 1] - small[top + i]) * fx;
      const lower = small[bottom + i] + (small[bottom + i + 1] - small[bottom + i]) * fx;
      const gain = upper + (lower - upper) * fy;
      out[o] = baseR * gain;
      out[o + 1] = baseG * gain;
      out[o + 2] = baseB * gain;
    }
  }
  return { name: kind.name, pixels: out };
}

/**
 * Composites the warped card over the surface in place (bilinear sampling, anti-aliased edges, soft drop shadow).
 * @param {Uint8Array} frame RGB, frameWidth × frameHeight, holds the surface on entry
 * @param {number} frameWidth @param {number} frameHeight
 * @param {import("./render.mjs").FlatDocument} flat
 * @param {number[]} inverse photo → flat homography
 * @param {[number, number][]} corners card corners in the photo
 * @param {number} shadowPx shadow softness in photo px
 */
function warpCard(frame, frameWidth, frameHeight, flat, inverse, corners, shadowPx) {
  const { width: w, height: h, data } = flat;
  const xs = corners.map((p) => p[0]), ys = corners.map((p) => p[1]);
  const pad = Math.ceil(shadowPx * 3);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)) - pad), x1 = Math.min(frameWidth - 1, Math.ceil(Math.max(...xs)) + pad);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)) - pad), y1 = Math.min(frameHeight - 1, Math.ceil(Math.max(...ys)) + pad);
  const [a, b, c, d, e, f, g, hh, i] = inverse;
  // Flat px per photo px, to express the shadow fall-off in flat units.
  const flatPerPhoto = Math.hypot(a, d);
  const shadowFlat = shadowPx * flatPerPhoto;
  const shadowShift = shadowFlat * 0.6;
  for (let y = y0; y <= y1; y++) {
    let nu = a * x0 + b * y + c, nv = d * x0 + e * y + f, den = g * x0 + hh * y + i;
    for (let x = x0; x <= x1; x++, nu += a, nv += d, den += g) {
      const inv = 1 / den;
      const u = nu * inv - 0.5, v = nv * inv - 0.5;
      const o = (y * frameWidth + x) * 3;
      if (u >= 0 && v >= 0 && u < w - 1 && v < h - 1) {
        // Fast path, well inside the card: plain bilinear unless a rounded corner's transparency is involved.
        const ux = u | 0, vy = v | 0;
        const fx = u - ux, fy = v - vy;
        const p00 = (vy * w + ux) * 4, p01 = p00 + w * 4;
        if ((data[p00 + 3] & data[p00 + 7] & data[p01 + 3] & data[p01 + 7]) === 255) {
          const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
          frame[o] = data[p00] * w00 + data[p00 + 4] * w10 + data[p01] * w01 + data[p01 + 4] * w11;
          frame[o + 1] = data[p00 + 1] * w00 + data[p00 + 5] * w10 + data[p01 + 1] * w01 + data[p01 + 5] * w11;
          frame[o + 2] = data[p00 + 2] * w00 + data[p00 + 6] * w10 + data[p01 + 2] * w01 + data[p01 + 6] * w11;
          continue;
        }
      }
      // Shadow: distance outside the card rectangle shifted down-right, with exponential fall-off.
      const su = u - shadowShift, sv = v - shadowShift;
      const du = su < 0 ? -su : su > w ? su - w : 0, dv = sv < 0 ? -sv : sv > h ? sv - h : 0;
      const shadow = 1 - 0.45 * Math.exp(-Math.sqrt(du * du + dv * dv) / shadowFlat);
      if (u <= -1 || v <= -1 || u >= w || v >= h) {
        if (shadow < 0.995) {
          frame[o] *= shadow;
          frame[o + 1] *= shadow;
          frame[o + 2] *= shadow;
        }
        continue;
      }
      const ux = Math.floor(u), vy = Math.floor(v);
      const fx = u - ux, fy = v - vy;
      const xa = ux < 0 ? 0 : ux, xb = ux + 1 >= w ? w - 1 : ux + 1;
      const ya = vy < 0 ? 0 : vy, yb = vy + 1 >= h ? h - 1 : vy + 1;
      const p00 = (ya * w + xa) * 4, p10 = (ya * w + xb) * 4, p01 = (yb * w + xa) * 4, p11 = (yb * w + xb) * 4;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      // Edge coverage: pixels straddling the card outline blend with the surface.
      const edge = Math.min(u + 1, v + 1, w - u, h - v, 1);
      const alpha = ((data[p00 + 3] * w00 + data[p10 + 3] * w10 + data[p01 + 3] * w01 + data[p11 + 3] * w11) / 255) * edge;
      const under = shadow;
      for (let ch = 0; ch < 3; ch++) {
        const card = data[p00 + ch] * w00 + data[p10 + ch] * w10 + data[p01 + ch] * w01 + data[p11 + ch] * w11;
        frame[o + ch] = card * alpha + frame[o + ch] * under * (1 - alpha);
      }
    }
  }
}

/**
 * Light and sensor in one pass: white balance, vignetting and a shading ramp (separable), glare (separable
 * Gaussian ellipse), then luminance-dependent noise from a seeded table.
 * @param {Uint8Array} pixels RGB, modified in place
 * @param {number} width @param {number} height
 * @param {{ whiteBalance: number[], vignette: number, glare: boolean, noise: number }} conditions
 * @param {import("./random.mjs").Random} random
 */
function applyLightAndSensor(pixels, width, height, conditions, random) {
  const column = new Float32Array(width), row = new Float32Array(height);
  const glareColumn = new Float32Array(width), glareRow = new Float32Array(height);
  const radius2 = (width * width + height * height) / 4;
  const shadeSlope = random.float(-0.08, 0.08);
  for (let x = 0; x < width; x++) column[x] = ((x - width / 2) ** 2 / radius2) * conditions.vignette - shadeSlope * (x / width - 0.5);
  for (let y = 0; y < height; y++) row[y] = ((y - height / 2) ** 2 / radius2) * conditions.vignette;
  const glareStrength = conditions.glare ? random.float(0.35, 0.7) : 0;
  const gx = random.float(0.25, 0.75) * width, gy = random.float(0.25, 0.75) * height;
  const ax = random.float(0.06, 0.14) * width, ay = random.float(0.04, 0.1) * height;
  for (let x = 0; x < width; x++) glareColumn[x] = Math.exp(-(((x - gx) / ax) ** 2));
  for (let y = 0; y < height; y++) glareRow[y] = glareStrength * Math.exp(-(((y - gy) / ay) ** 2));
  const table = new Float32Array(4096);
  for (let k = 0; k < table.length; k++) table[k] = random.normal();
  let state = (random.next() * 0xffffffff) >>> 0 || 1;
  const [wr, wg, wb] = conditions.whiteBalance;
  // Noise grows with the square root of the signal (shot noise); tabulated by r+g+b.
  const noiseLevel = new Float32Array(766 * 2);
  for (let k = 0; k < noiseLevel.length; k++) noiseLevel[k] = conditions.noise * Math.sqrt(Math.min(765, k) / 765 + 0.15);
  for (let y = 0; y < height; y++) {
    const ry = row[y], gly = glareRow[y];
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const light = 1 - ry - column[x];
      const glare = gly * glareColumn[x];
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const luma = table[state & 4095], chromaR = table[(state >>> 12) & 4095], chromaB = table[(state >>> 20) & 4095];
      let r = pixels[o] * wr * light, gch = pixels[o + 1] * wg * light, b = pixels[o + 2] * wb * light;
      r += (255 - r) * glare;
      gch += (255 - gch) * glare;
      b += (255 - b) * glare;
      const level = noiseLevel[(r + gch + b) | 0];
      r += level * (luma + 0.35 * chromaR);
      gch += level * luma;
      b += level * (luma + 0.35 * chromaB);
      pixels[o] = r < 0 ? 0 : r > 255 ? 255 : r + 0.5;
      pixels[o + 1] = gch < 0 ? 0 : gch > 255 ? 255 : gch + 0.5;
      pixels[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b + 0.5;
    }
  }
}

/** @param {import("./random.mjs").Random} random */
function captureDate(random) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  // Captured in the past (before December 2026, when the benches ran): a genuine photo is never dated in the future.
  const year = random.int(2024, 2026);
  return `${year}:${pad(random.int(1, year === 2026 ? 11 : 12))}:${pad(random.int(1, 28))} ${pad(random.int(7, 21))}:${pad(random.int(0, 59))}:${pad(random.int(0, 59))}`;
}

/**
 * Photographs a flat document.
 * @param {import("./render.mjs").FlatDocument} flat
 * @param {PhotoConditions} options
 * @returns {Promise<{ bytes: Uint8Array, truth: PhotoTruth }>}
 * @example
 * const { bytes, truth } = await photograph(flat, { seed: 3, quality: 92 });
 */
export async function photograph(flat, options) {
  const random = createRandom(deriveSeed(options.seed, "photograph"));
  const frameWidth = options.width ?? 2000;
  const frameHeight = options.height ?? Math.round((frameWidth * 3) / 4);
  const scaleToReference = Math.max(frameWidth, frameHeight) / 2000;
  const conditions = {
    fill: options.fill ?? random.float(0.55, 0.85),
    rotationDegrees: options.rotationDegrees ?? random.float(-5, 5),
    tilt: options.tilt ?? random.float(0, 0.05),
    blurSigma: options.blurSigma ?? random.float(0.5, 1.5),
    noise: options.noise ?? random.float(1.5, 4),
    vignette: options.vignette ?? random.float(0.1, 0.3),
    glare: options.glare ?? random.chance(0.35),
    whiteBalance: options.whiteBalance ?? /** @type {[number, number, number]} */ ([random.float(0.94, 1.06), 1, random.float(0.94, 1.06)]),
  };
  const camera = options.camera ?? random.pick(CAMERAS);
  const quality = options.quality ?? 90;
  const tableFamily = options.tables ?? "ijg";
  const subsampling = options.subsampling ?? "4:2:0";

  // Where the card lands: scaled to the fill, rotated, keystoned on one random edge, corners jittered.
  const { width: w, height: h } = flat;
  const scale = Math.min((conditions.fill * frameWidth) / w, (0.92 * frameHeight) / h);
  const angle = (conditions.rotationDegrees * Math.PI) / 180;
  const slackX = Math.max(0, (frameWidth - w * scale) / 2 - 0.03 * frameWidth), slackY = Math.max(0, (frameHeight - h * scale) / 2 - 0.03 * frameHeight);
  const cx = frameWidth / 2 + random.float(-0.5, 0.5) * slackX, cy = frameHeight / 2 + random.float(-0.5, 0.5) * slackY;
  /** @type {[number, number][]} */
  const local = [[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]].map(([x, y]) => [x * scale, y * scale]);
  const edge = random.int(0, 3);
  const a = local[edge], b = local[(edge + 1) % 4];
  const shrink = conditions.tilt / 2;
  const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  local[edge] = [a[0] + (mid[0] - a[0]) * shrink * 2, a[1] + (mid[1] - a[1]) * shrink * 2];
  local[(edge + 1) % 4] = [b[0] + (mid[0] - b[0]) * shrink * 2, b[1] + (mid[1] - b[1]) * shrink * 2];
  const jitter = 0.004 * w * scale;
  /** @type {[number, number][]} */
  const corners = local.map(([x, y]) => {
    const jx = x + random.float(-jitter, jitter), jy = y + random.float(-jitter, jitter);
    return [cx + jx * Math.cos(angle) - jy * Math.sin(angle), cy + jx * Math.sin(angle) + jy * Math.cos(angle)];
  });
  const homography = homographyFromPoints([[0, 0], [w, 0], [w, h], [0, h]], corners);
  const inverse = invertHomography(homography);

  const ground = surface(frameWidth, frameHeight, random);
  const frame = ground.pixels;
  warpCard(frame, frameWidth, frameHeight, flat, inverse, corners, 0.012 * frameWidth);
  const sigma = Math.max(0.3, conditions.blurSigma * scaleToReference);
  const blurred = await sharp(frame, { raw: { width: frameWidth, height: frameHeight, channels: 3 } }).blur(sigma).raw().toBuffer();
  const pixels = new Uint8Array(blurred.buffer, blurred.byteOffset, blurred.length);
  applyLightAndSensor(pixels, frameWidth, frameHeight, conditions, random);

  /** @type {import("./camera.mjs").CaptureMetadata} */
  const exif = {
    make: camera.make,
    model: camera.model,
    dateTime: captureDate(random),
    exposureDenominator: random.pick([30, 50, 60, 100, 120, 250]),
    fNumber: camera.fNumber,
    iso: random.pick([50, 100, 160, 200, 320, 400, 640]),
    focalLength: camera.focalLength,
    gps: (options.gps ?? random.chance(0.5)) ? { latitude: Math.round(random.float(36, 60) * 1e5) / 1e5, longitude: Math.round(random.float(-9, 24) * 1e5) / 1e5 } : null,
  };
  const thumbnail = await thumbnailJpeg(pixels, frameWidth, frameHeight);
  const tables = cameraTables(tableFamily, quality);
  const bytes = encodeJpeg(
    { width: frameWidth, height: frameHeight, channels: 3, data: pixels },
    { luma: tables.luma, chroma: tables.chroma, subsampling, segments: [exifSegment(exif, { width: frameWidth, height: frameHeight, thumbnail })] },
  );

  /** @type {Record<string, MappedBox & { text: string, flat: import("./render.mjs").PrintedField }>} */
  const fields = {};
  for (const [name, field] of Object.entries(flat.boxes.fields)) fields[name] = { text: field.text, flat: field, ...mapBox(homography, field.box) };
  flat.boxes.mrzLines.forEach((line, index) => (fields[`mrz${index + 1}`] = { text: line.text, flat: line, ...mapBox(homography, line.box) }));
  return {
    bytes,
    truth: {
      kind: flat.kind,
      side: flat.side,
      layout: flat.layout,
      width: frameWidth,
      height: frameHeight,
      corners: corners.map((p) => /** @type {[number, number]} */ (p.map((v) => Math.round(v * 10) / 10))),
      homography,
      boxes: {
        card: mapBox(homography, flat.boxes.card),
        portrait: flat.boxes.portrait && mapBox(homography, flat.boxes.portrait),
        ghost: flat.boxes.ghost && mapBox(homography, flat.boxes.ghost),
        seal: mapBox(homography, flat.boxes.seal),
        mrz: mapBox(homography, flat.boxes.mrz),
        fields,
      },
      camera: { make: camera.make, model: camera.model },
      quality,
      tables: tables.name,
      subsampling,
      exif,
      conditions: { ...conditions, surface: ground.name },
      mrz: flat.mrz,
      holder: flat.holder,
    },
  };
}

export { applyHomography };
