/**
 * Derives a smaller MRZ recogniser from the PP-OCR model: the CTC head (a 120 × 6,625 MatMul and its bias, 3.2 MB of
 * the 10.8 MB) keeps only the classes an MRZ reading uses (blank, `<`, 0-9, A-Z, their look-alikes, space), so the
 * model that reaches onnxruntime-web is 7.7 MB and its per-frame output 69 floats instead of 6,625. The Worker's
 * isolate has 128 MB for everything: creating the original session alone raised onnxruntime-web's memory to 50 MB.
 *
 * A minimal protobuf rewrite of the ONNX file (no ONNX library runs here): the head's weights come from `Constant`
 * nodes (PaddleOCR's converter stores every weight that way); the Constant tensors named by `weight` and `bias` are
 * cut to the kept columns, and the graph output's last dimension is set to their number. Everything else is copied
 * byte for byte. Deterministic: the same input gives the same bytes (models/ocr_rec.json records both hashes).
 *
 *   node scripts/onnx-prune.mjs in.onnx out.onnx      # with the classes of models/ocr_rec.json
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** @param {Uint8Array} b @param {number} o @returns {[bigint, number]} */
function varint(b, o) {
  let r = 0n;
  let s = 0n;
  for (;;) {
    const x = b[o++];
    r |= BigInt(x & 0x7f) << s;
    s += 7n;
    if (!(x & 0x80)) return [r, o];
  }
}

/** @param {bigint} n */
function encodeVarint(n) {
  const out = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    out.push(byte);
  } while (n > 0n);
  return Uint8Array.from(out);
}

/** @typedef {{ f: number, w: number, v: bigint | Uint8Array }} Field */

/** @param {Uint8Array} b @returns {Field[]} */
function decode(b) {
  const out = [];
  let o = 0;
  while (o < b.length) {
    const [key, o1] = varint(b, o);
    const f = Number(key >> 3n);
    const w = Number(key & 7n);
    if (w === 0) {
      const [v, o2] = varint(b, o1);
      out.push({ f, w, v });
      o = o2;
    } else if (w === 2) {
      const [len, o2] = varint(b, o1);
      out.push({ f, w, v: b.subarray(o2, o2 + Number(len)) });
      o = o2 + Number(len);
    } else if (w === 5 || w === 1) {
      const n = w === 5 ? 4 : 8;
      out.push({ f, w, v: b.subarray(o1, o1 + n) });
      o = o1 + n;
    } else throw new Error(`unsupported protobuf wire type ${w}`);
  }
  return out;
}

/** @param {Field[]} fields @returns {Uint8Array} */
function encode(fields) {
  const parts = [];
  for (const { f, w, v } of fields) {
    parts.push(encodeVarint((BigInt(f) << 3n) | BigInt(w)));
    if (w === 0) parts.push(encodeVarint(/** @type {bigint} */ (v)));
    else if (w === 2) parts.push(encodeVarint(BigInt(/** @type {Uint8Array} */ (v).length)), /** @type {Uint8Array} */ (v));
    else parts.push(/** @type {Uint8Array} */ (v));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const text = (v) => new TextDecoder().decode(/** @type {Uint8Array} */ (v));
const dimsOf = (tensor) => tensor.filter((x) => x.f === 1).flatMap((d) => (d.w === 0 ? [Number(d.v)] : [...packed(/** @type {Uint8Array} */ (d.v))]));
function* packed(b) {
  let o = 0;
  while (o < b.length) {
    const [n, o2] = varint(b, o);
    yield Number(n);
    o = o2;
  }
}

/** A float tensor cut to the kept entries of its last axis (raw_data little-endian float32). */
function cutTensor(tensor, keep) {
  const dims = dimsOf(tensor);
  const raw = tensor.find((x) => x.f === 9);
  if (!raw || Number(tensor.find((x) => x.f === 2)?.v) !== 1) throw new Error("expected a float32 tensor with raw_data");
  const last = dims[dims.length - 1];
  const rows = dims.slice(0, -1).reduce((a, b) => a * b, 1);
  const src = /** @type {Uint8Array} */ (raw.v);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new Uint8Array(rows * keep.length * 4);
  const dst = new DataView(out.buffer);
  for (let r = 0; r < rows; r++) for (let k = 0; k < keep.length; k++) dst.setFloat32((r * keep.length + k) * 4, view.getFloat32((r * last + keep[k]) * 4, true), true);
  const newDims = [...dims.slice(0, -1), keep.length];
  return [...newDims.map((d) => ({ f: 1, w: 0, v: BigInt(d) })), ...tensor.filter((x) => x.f !== 1 && x.f !== 9), { f: 9, w: 2, v: out }];
}

/** A ValueInfoProto whose tensor shape's last dimension becomes `n`. */
function setLastDim(valueInfo, n) {
  return valueInfo.map((x) => {
    if (x.f !== 2) return x;
    const type = decode(/** @type {Uint8Array} */ (x.v)).map((t) => {
      if (t.f !== 1) return t;
      const tensorType = decode(/** @type {Uint8Array} */ (t.v)).map((s) => {
        if (s.f !== 2) return s;
        const dims = decode(/** @type {Uint8Array} */ (s.v));
        const lastIndex = dims.map((d) => d.f).lastIndexOf(1);
        return { ...s, v: encode(dims.map((d, i) => (i === lastIndex ? { f: 1, w: 2, v: encode([{ f: 1, w: 0, v: BigInt(n) }]) } : d))) };
      });
      return { ...t, v: encode(tensorType) };
    });
    return { ...x, v: encode(type) };
  });
}

/**
 * @param {Uint8Array} model the ONNX file
 * @param {{ weight: string, bias: string, keep: number[] }} head Constant outputs of the head and the classes to keep (ascending)
 * @returns {Uint8Array}
 */
export function pruneHead(model, head) {
  let cut = 0;
  const modelFields = decode(model).map((m) => {
    if (m.f !== 7) return m;
    const graph = decode(/** @type {Uint8Array} */ (m.v)).map((g) => {
      if (g.f === 12) return { ...g, v: encode(setLastDim(decode(/** @type {Uint8Array} */ (g.v)), head.keep.length)) };
      if (g.f !== 1) return g;
      const node = decode(/** @type {Uint8Array} */ (g.v));
      const output = node.find((x) => x.f === 2);
      if (text(node.find((x) => x.f === 4)?.v ?? new Uint8Array()) !== "Constant" || !output || ![head.weight, head.bias].includes(text(output.v))) return g;
      cut++;
      return {
        ...g,
        v: encode(node.map((x) => (x.f !== 5 ? x : { ...x, v: encode(decode(/** @type {Uint8Array} */ (x.v)).map((a) => (a.f === 5 ? { ...a, v: encode(cutTensor(decode(/** @type {Uint8Array} */ (a.v)), head.keep)) } : a))) }))),
      };
    });
    return { ...m, v: encode(graph) };
  });
  if (cut !== 2) throw new Error(`expected the head's two Constant tensors (${head.weight}, ${head.bias}), found ${cut}`);
  return encode(modelFields);
}

/** The classes the manifest's table names, ascending: blank, every MRZ symbol, their look-alikes, space. */
export function keptClasses(classes) {
  const all = new Set([classes.blank, classes.space, ...Object.values(classes.mrz), ...Object.values(classes.aliases).flatMap((a) => Object.values(a))]);
  return [...all].sort((a, b) => a - b);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  const manifest = JSON.parse(readFileSync(new URL("../models/ocr_rec.json", import.meta.url), "utf8"));
  const keep = keptClasses(manifest.classes);
  const pruned = pruneHead(new Uint8Array(readFileSync(input)), { weight: "linear_85.w_0", bias: "linear_85.b_0", keep });
  writeFileSync(output, pruned);
  console.log(`${output}: ${pruned.length} bytes, ${keep.length} classes`);
}
