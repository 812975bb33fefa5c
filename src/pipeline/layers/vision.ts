/**
 * The `vision` layer: a vision model reads the printed side of the document (type, issuing country, names, dates,
 * number, whether a portrait is there, whether the picture shows a screen or a copy), and the printed fields are
 * compared with the declared data and with the MRZ when its check digits hold.
 *
 * A vision model misreads, so this layer only ever warns (a reviewer decides), and a model answer never outweighs
 * a valid MRZ: where the model disagrees with the MRZ and the declared data agrees with it, that is the model's
 * misreading, recorded as info. Without a model, or when the model fails, times out, refuses or answers off-schema,
 * the layer is `skipped` with the reason and the verification goes on: nothing here is the applicant's fault.
 *
 * What the model read is kept in the first finding's `data.read` (the result is encrypted at rest with the other
 * reading layers'); finding messages and `data.fields` name fields, never values.
 */
import { PhotonImage } from "@cf-wasm/photon";
import { parseCountry } from "../../lib/countries";
import type { BoundedImage } from "../../face/decode";
import { releaseBuffer } from "../../face/image";
import { imageOrientation } from "../../media/orientation";
import { detectType } from "../../media/sniff";
import type { ParsedMrz } from "../../reading/mrz";
import { compareDocumentType, compareFields, isVisionError } from "../../reading/vision";
import type { FieldComparison, FieldValues, VisionImage, VisionModel, VisionReading } from "../../reading/vision";
import type { Finding, Layer, LayerContext, MediaInput, PipelineInputs } from "../types";
import { timed } from "../types";
import { verdict } from "./documents";

/** The run's MRZ memo as this layer needs it (the mrz layer's MrzEvidence fits this shape). */
export interface MrzSource {
  of(inputs: PipelineInputs, ctx: LayerContext): Promise<{ parsed: Pick<ParsedMrz, "valid" | "fields" | "format" | "lines"> | null }>;
}

/** Longest side of the picture sent: the printed text stays legible and the request small (≈ 100–250 KB JPEG). */
export const VISION_MAX_SIDE = 1024;
export const VISION_JPEG_QUALITY = 85;
/** An upload this small, already upright and no larger than VISION_MAX_SIDE, goes as it is. */
export const ORIGINAL_MAX_BYTES = 512 * 1024;

const RISK = { VISION_FIELD_MISMATCH: 50, DOC_TYPE_MISMATCH: 40, DOC_SCREEN_OR_COPY: 50 } as const;

/**
 * @example
 * const layer = visionLayer(env.AI ? workersAiVision(env.AI, settings.vision_model) : null, mrzEvidence);
 */
export function visionLayer(model: VisionModel | null, mrz: MrzSource): Layer {
  return {
    name: "vision",
    run: (inputs, ctx) =>
      timed("vision", ctx.clock, async () => {
        if (!model) return unavailable("no AI binding", null);
        const document = inputs.media.find((m) => m.kind === "document_front") ?? inputs.media.find((m) => m.kind === "document_back");
        if (!document) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "No document image to read" }] };
        const image = await ctx.images.use(document, (img) => (img ? visionImage(document, img) : null));
        if (!image) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "The document image could not be decoded" }] };
        let reading: VisionReading;
        try {
          reading = await model.read(image);
        } catch (err) {
          // Every failure of the model is ours, never the applicant's: skip, with the reason for the record.
          return unavailable(isVisionError(err) ? err.message : `vision model failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 240), model.model, isVisionError(err) ? err.kind : "upstream");
        }
        const parsed = (await mrz.of(inputs, ctx)).parsed;
        return verdict(assess(reading, inputs, parsed?.valid ? parsed : null, model.model), RISK);
      }),
  };
}

function unavailable(reason: string, model: string | null, kind?: string) {
  const finding: Finding = { code: "VISION_UNAVAILABLE", severity: "info", message: `The document was not read by a vision model: ${reason}`, data: { reason, ...(kind ? { kind } : {}), ...(model ? { model } : {}) } };
  return { status: "skipped" as const, score: 0, findings: [finding] };
}

/** The declared data as comparable values (countries normalised like the MRZ's and the model's). */
function declaredValues(inputs: PipelineInputs): FieldValues {
  const d = inputs.declared;
  return {
    surname: d.lastName || null,
    given_names: d.firstName || null,
    date_of_birth: d.dateOfBirth || null,
    document_number: d.documentNumber,
    expiry_date: d.documentExpiry,
    issuing_country: countryCode(d.documentIssuingCountry),
  };
}

function mrzValues(parsed: Pick<ParsedMrz, "fields">): FieldValues {
  const f = parsed.fields;
  return {
    surname: f.surname,
    given_names: f.givenNames,
    date_of_birth: f.birthDate,
    document_number: f.documentNumber,
    expiry_date: f.expiryDate,
    issuing_country: countryCode(f.issuingState),
  };
}

function printedValues(r: VisionReading): FieldValues {
  return {
    surname: r.surname,
    given_names: r.given_names,
    date_of_birth: r.date_of_birth,
    document_number: r.document_number,
    expiry_date: r.expiry_date,
    // A code that names no country is an unreadable field, not a disagreement.
    issuing_country: r.issuing_country ? (parseCountry(r.issuing_country)?.code ?? null) : null,
  };
}

/** Alpha-2 where the country has one (`D`, `DEU`, `DE` → `DE`), else the ICAO code as written. */
const countryCode = (code: string | null): string | null => (code ? (parseCountry(code)?.code ?? code.trim().toUpperCase()) : null);

/** The MRZ's name field is filled to its last character, so the issuer may have cut the names short. */
function mrzNamesTruncated(parsed: Pick<ParsedMrz, "format" | "lines">): boolean {
  const line = parsed.format === "TD1" ? parsed.lines[2] : parsed.lines[0];
  return line !== undefined && !line.endsWith("<");
}

const LABEL: Record<FieldComparison["field"], string> = {
  surname: "surname",
  given_names: "given names",
  date_of_birth: "date of birth",
  document_number: "document number",
  expiry_date: "expiry date",
  issuing_country: "issuing country",
};

/**
 * Findings from a reading: field and type disagreements (warnings), a screen or copy (warning), or VISION_CONSISTENT.
 * The first finding carries what the model read and what it misread.
 */
export function assess(reading: VisionReading, inputs: PipelineInputs, validMrz: Pick<ParsedMrz, "fields" | "format" | "lines"> | null, model: string): Finding[] {
  const fields = compareFields(printedValues(reading), declaredValues(inputs), validMrz ? mrzValues(validMrz) : null, { mrzNamesTruncated: validMrz ? mrzNamesTruncated(validMrz) : false });
  const type = compareDocumentType(reading.document_type, inputs.declared.documentType, validMrz?.fields.documentCode ?? null);
  const mismatched = fields.filter((f) => f.outcome === "mismatch");
  const misread: string[] = fields.filter((f) => f.outcome === "model_misread").map((f) => f.field);
  if (type === "model_misread") misread.push("document_type");
  const findings: Finding[] = [];
  if (mismatched.length) {
    const names = mismatched.map((f) => LABEL[f.field]).join(", ");
    const sources = new Set(mismatched.flatMap((f) => f.against));
    const against = [sources.has("declared") ? "the declared data" : null, sources.has("mrz") ? "the machine-readable zone" : null].filter(Boolean).join(" and ");
    findings.push({
      code: "VISION_FIELD_MISMATCH",
      severity: "warning",
      message: `The printed ${names} differ${mismatched.length === 1 ? "s" : ""} from ${against}`,
      data: { fields: mismatched.map((f) => f.field), against: Object.fromEntries(mismatched.map((f) => [f.field, f.against])) },
    });
  }
  if (type === "mismatch")
    findings.push({ code: "DOC_TYPE_MISMATCH", severity: "warning", message: `The document looks like ${article(reading.document_type!)}, not the declared ${inputs.declared.documentType.replace(/_/g, " ")}`, data: { read_type: reading.document_type, declared_type: inputs.declared.documentType } });
  if (reading.screen_or_photocopy === true) findings.push({ code: "DOC_SCREEN_OR_COPY", severity: "warning", message: "The picture shows the document on a screen or a paper copy, not the document itself" });
  if (!findings.length) findings.push({ code: "VISION_CONSISTENT", severity: "info", message: misread.length ? "The printed fields agree with the declared data; where the model disagreed with the valid machine-readable zone, the zone was trusted" : "The printed fields agree with the declared data" });
  findings[0].data = {
    ...findings[0].data,
    model,
    mrz_anchor: validMrz !== null,
    agreed: fields.filter((f) => f.outcome === "agrees").map((f) => f.field),
    model_misread: misread,
    unchecked: fields.filter((f) => f.outcome === "unchecked").map((f) => f.field),
    read: reading,
  };
  return findings;
}

const article = (type: string) => {
  const words = type.replace(/_/g, " ").replace("id card", "ID card");
  return `${/^[aeiouAEIOU]/.test(words) && !words.startsWith("ID") ? "an" : "a"} ${words}`;
};

/**
 * The picture to send: the upload itself when it is a small upright JPEG or PNG within VISION_MAX_SIDE, else the
 * decoded pixels shrunk to VISION_MAX_SIDE in JavaScript (so photon's WebAssembly memory only ever holds the small
 * copy: ≤ 1024×768×4 ≈ 3 MB) and encoded as JPEG.
 *
 * @example
 * const image = await ctx.images.use(front, (img) => img && visionImage(front, img));
 */
export function visionImage(media: MediaInput, bounded: BoundedImage): VisionImage {
  const type = detectType(media.bytes);
  const small = bounded.scale === 1 && Math.max(bounded.sourceWidth, bounded.sourceHeight) <= VISION_MAX_SIDE && media.bytes.byteLength <= ORIGINAL_MAX_BYTES;
  if (small && (type === "image/jpeg" || type === "image/png") && imageOrientation(media.bytes) <= 1) return { bytes: media.bytes, contentType: type };
  const shrunk = shrinkRgba(bounded.image, VISION_MAX_SIDE);
  const photon = new PhotonImage(shrunk.data, shrunk.width, shrunk.height);
  // Photon copied the pixels into its own memory; the JavaScript copy goes now rather than at the next collection.
  releaseBuffer(shrunk.data);
  try {
    return { bytes: photon.get_bytes_jpeg(VISION_JPEG_QUALITY), contentType: "image/jpeg" };
  } finally {
    photon.free();
  }
}

/**
 * RGBA shrunk so its longer side is at most `maxSide`, each output pixel the mean of the source pixels it covers
 * (a box filter: text stays legible, no aliasing). Returns a copy even when no shrinking is needed, since photon
 * takes ownership of what it is given.
 */
export function shrinkRgba(src: BoundedImage["image"], maxSide: number): { width: number; height: number; data: Uint8Array } {
  const scale = Math.min(1, maxSide / Math.max(src.width, src.height));
  const width = Math.max(1, Math.round(src.width * scale));
  const height = Math.max(1, Math.round(src.height * scale));
  const out = new Uint8Array(width * height * 4);
  if (width === src.width && height === src.height) {
    out.set(src.data);
    return { width, height, data: out };
  }
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.min(src.height, Math.floor((y + 1) * sy)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.min(src.width, Math.floor((x + 1) * sx)));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * src.width + x0) * 4;
        for (let xx = x0; xx < x1; xx++, i += 4) {
          r += src.data[i];
          g += src.data[i + 1];
          b += src.data[i + 2];
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      out[o] = (r / n + 0.5) | 0;
      out[o + 1] = (g / n + 0.5) | 0;
      out[o + 2] = (b / n + 0.5) | 0;
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}
