/**
 * documentHash on ID-card-like documents photographed on a desk, made with sharp from face-api's demo photos:
 * 22 portraits cut from sample1–6, each card with its own seeded "text" (rows of word-sized blocks).
 * The same photo re-encoded or resized must stay close; another card of the same layout must not.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import type { RgbaImage } from "../../../src/face/image";
import { documentHash, gridMeans, hammingDistance, locateDocument } from "../../../src/imaging/phash";

const root = path.resolve(__dirname, "../../..");
const demo = (n: number) => readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`));

/** Face centres (sample, x, y) in face-api's demo photos, one portrait each. */
const FACES: [number, number, number][] = [
  [1, 496, 427], [1, 937, 534], [1, 1579, 338], [2, 466, 285], [2, 1017, 247], [2, 1385, 209], [3, 680, 413], [3, 1194, 338],
  [3, 1598, 357], [4, 349, 206], [4, 753, 185], [4, 1157, 286], [4, 1359, 206], [5, 870, 140], [5, 1183, 354], [5, 1605, 548],
  [5, 466, 1015], [5, 687, 490], [6, 312, 517], [6, 808, 411], [6, 1230, 411], [6, 1598, 346],
];

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function portrait(face: number, height: number): Promise<Buffer> {
  const [n, cx, cy] = FACES[face];
  const { width = 0, height: h = 0 } = await sharp(demo(n)).metadata();
  const left = Math.max(0, Math.min(width - 360, cx - 180));
  const top = Math.max(0, Math.min(h - 440, cy - 170));
  return sharp(demo(n)).extract({ left, top, width: 360, height: 440 }).resize({ height }).toBuffer();
}

interface Shot {
  face: number;
  text: number;
  /** Card width as a fraction of the photo's, and its centre offset in photo widths. */
  scale?: number;
  shift?: [number, number];
}

const grains = new Map<string, Promise<Buffer>>();

/** Sensor-like noise, one fixed field per size (made once: encoding it costs more than the card). */
function grain(w: number, h: number): Promise<Buffer> {
  const key = `${w}x${h}`;
  if (!grains.has(key)) {
    const noise = Buffer.alloc(w * h);
    const next = random(7);
    for (let i = 0; i < noise.length; i++) noise[i] = 116 + Math.floor(next() * 25);
    grains.set(key, sharp(noise, { raw: { width: w, height: h, channels: 1 } }).toColourspace("srgb").png({ compressionLevel: 1 }).toBuffer());
  }
  return grains.get(key)!;
}

/** A phone photo (800×600 unless given) of an ID-1 card: blue header, portrait left, seeded text rows right, on a grainy desk. */
async function documentPhoto({ face, text, scale = 0.78, shift = [0, 0] }: Shot, [w, h] = [800, 600]): Promise<Buffer> {
  const cardW = Math.round(w * scale);
  const cardH = Math.round(cardW / 1.586);
  // Card drawn in raw RGB: hundreds of word blocks as sharp overlays would take seconds.
  const card = Buffer.alloc(cardW * cardH * 3);
  const fill = (x0: number, y0: number, width: number, height: number, [r, g, b]: number[]) => {
    for (let y = y0; y < Math.min(cardH, y0 + height); y++) {
      for (let x = x0; x < Math.min(cardW, x0 + width); x++) card.set([r, g, b], (y * cardW + x) * 3);
    }
  };
  fill(0, 0, cardW, cardH, [0xdf, 0xe7, 0xef]);
  fill(0, 0, cardW, Math.round(cardH * 0.14), [0x2f, 0x5d, 0x8a]);
  const next = random(1000 + text);
  const lineH = Math.max(3, Math.round(cardH * 0.035));
  for (let row = 0; row < 7; row++) {
    let x = Math.round(cardW * 0.4);
    const end = Math.round(cardW * (0.7 + 0.25 * next()));
    while (x < end) {
      const word = Math.round(cardW * (0.02 + 0.07 * next()));
      fill(x, Math.round(cardH * (0.22 + 0.1 * row)), Math.min(word, end - x), lineH, row % 3 === 0 ? [0x1d, 0x27, 0x33] : [0x4a, 0x55, 0x66]);
      x += word + Math.round(cardW * 0.015);
    }
  }
  const cardPng = await sharp(card, { raw: { width: cardW, height: cardH, channels: 3 } })
    .composite([{ input: await portrait(face, Math.round(cardH * 0.62)), left: Math.round(cardW * 0.05), top: Math.round(cardH * 0.24) }])
    .png()
    .toBuffer();
  return sharp({ create: { width: w, height: h, channels: 3, background: "#6b5a48" } })
    .composite([
      { input: cardPng, left: Math.round((w - cardW) / 2 + shift[0] * w), top: Math.round((h - cardH) / 2 + shift[1] * w) },
      { input: await grain(w, h), blend: "soft-light" },
    ])
    .jpeg({ quality: 92 })
    .toBuffer();
}

async function rgba(input: Buffer | sharp.Sharp): Promise<RgbaImage> {
  const img = Buffer.isBuffer(input) ? sharp(input) : input;
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const hashOf = async (input: Buffer | sharp.Sharp) => documentHash(await rgba(input));
const summary = (d: number[]) => {
  const s = [...d].sort((a, b) => a - b);
  return `n=${s.length} min=${s[0]} p10=${s[Math.floor(s.length * 0.1)]} median=${s[s.length >> 1]} max=${s[s.length - 1]}`;
};

describe("documentHash", () => {
  const documents = 12;
  const originals: Buffer[] = [];
  const hashes: string[] = [];
  beforeAll(async () => {
    for (let i = 0; i < documents; i++) {
      originals.push(await documentPhoto({ face: i * 2 - (i >= 11 ? 21 : 0), text: i }));
      hashes.push(await hashOf(originals[i]));
    }
  }, 30_000);

  it("is 16 hex digits, and the same pixels always give the same hash", async () => {
    expect(hashes[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashOf(originals[0])).toBe(hashes[0]);
  });

  it("stays within 6 bits when the photo is re-encoded at another quality or resized", async () => {
    const distances: number[] = [];
    for (let i = 0; i < documents; i++) {
      const variants = [
        sharp(originals[i]).jpeg({ quality: 40 }),
        sharp(originals[i]).resize(400).jpeg({ quality: 85 }),
        sharp(originals[i]).resize(1200).webp({ quality: 70 }),
      ];
      for (const v of variants) distances.push(hammingDistance(hashes[i], await hashOf(await v.toBuffer())));
    }
    console.info(`same photo re-encoded/resized: ${summary(distances)}`);
    expect(Math.max(...distances)).toBeLessThanOrEqual(6);
  });

  it("separates other cards of the same layout (other face and other text) by 12 bits or more, typically", async () => {
    const distances: number[] = [];
    for (let i = 0; i < documents; i++) for (let j = i + 1; j < documents; j++) distances.push(hammingDistance(hashes[i], hashes[j]));
    console.info(`other face and text, same layout: ${summary(distances)}`);
    const sorted = distances.sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length * 0.1)]).toBeGreaterThanOrEqual(12);
    expect(sorted[0]).toBeGreaterThan(6);
  });

  it("moves by 12 bits or more, typically, when only the portrait is swapped (other text alone moves it less)", async () => {
    const portraitOnly: number[] = [];
    const textOnly: number[] = [];
    for (let i = 0; i < 6; i++) {
      const base = { face: 2 * i, text: i };
      portraitOnly.push(hammingDistance(hashes[i], await hashOf(await documentPhoto({ ...base, face: 2 * i + 1 }))));
      if (i < 4) textOnly.push(hammingDistance(hashes[i], await hashOf(await documentPhoto({ ...base, text: 50 + i }))));
    }
    console.info(`other portrait, same text: ${summary(portraitOnly)}; other text, same portrait: ${summary(textOnly)}`);
    expect(portraitOnly.sort((a, b) => a - b)[portraitOnly.length >> 1]).toBeGreaterThanOrEqual(12);
    // Not every swap: a portrait of similar tones can stay within re-encoding distance (measured min 6).
  });

  it("finds the card on the desk, so moving or zooming the camera changes little", async () => {
    const shot = { face: 3, text: 3 };
    const image = await rgba(await documentPhoto(shot));
    const found = locateDocument(image);
    // The card is 0.78 × 800 = 624 px wide and 393 px high, centred at (400, 300).
    expect(found).not.toBeNull();
    expect(Math.abs(found!.width - 624)).toBeLessThan(16);
    expect(Math.abs(found!.height - 393)).toBeLessThan(16);
    expect(Math.abs(found!.x - 88)).toBeLessThan(10);
    expect(Math.abs(found!.y - 103)).toBeLessThan(10);
    const moved = await hashOf(await documentPhoto({ ...shot, scale: 0.6, shift: [0.08, -0.03] }));
    const distance = hammingDistance(documentHash(image), moved);
    console.info(`same card, camera moved and zoomed out: ${distance}`);
    expect(distance).toBeLessThanOrEqual(6);
  });

  it("hashes the whole frame when the border is not one colour", async () => {
    const photo = await rgba(sharp(demo(2)).resize(800));
    expect(locateDocument(photo)).toBeNull();
    const flat: RgbaImage = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 4).fill(200) };
    expect(locateDocument(flat)).toBeNull();
    expect(documentHash(flat)).toBe("0000000000000000");
  });
});

describe("gridMeans", () => {
  it("averages each cell's pixels, and takes the centre pixel when the grid is finer than the image", () => {
    // 4×2 image: left half black, right half white.
    const data = new Uint8Array(4 * 2 * 4);
    for (let i = 0; i < 8; i++) data.fill(i % 4 >= 2 ? 255 : 0, i * 4, i * 4 + 4);
    const image = { width: 4, height: 2, data };
    expect(Array.from(gridMeans(image, { x: 0, y: 0, width: 4, height: 2 }, 2, 1, 1)).map(Math.round)).toEqual([0, 255]);
    expect(Array.from(gridMeans(image, { x: 1, y: 0, width: 2, height: 2 }, 1, 1, 1)).map(Math.round)).toEqual([128]);
    expect(Array.from(gridMeans(image, { x: 0, y: 0, width: 4, height: 2 }, 8, 2, 1)).map(Math.round)).toEqual([0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  });
});

describe("hammingDistance", () => {
  it("counts differing bits and rejects what is not a hash", () => {
    expect(hammingDistance("0000000000000000", "000000000000000f")).toBe(4);
    expect(hammingDistance("ffffffffffffffff", "0000000000000000")).toBe(64);
    expect(hammingDistance("8a3c0f0e9b71c2d4", "8A3C0F0E9B71C2D4")).toBe(0);
    expect(() => hammingDistance("xyz", "0000000000000000")).toThrow(RangeError);
  });
});
