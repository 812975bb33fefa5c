/**
 * The `jpeg` layer: what the file's own structure says about its history, read from the bytes without decoding a
 * pixel. The quantisation tables give the last save's quality and often the program that wrote it (cameras and
 * libjpeg scale the standard tables; Adobe Photoshop writes its own); the DCT coefficients show whether the picture
 * was JPEG-compressed before that save (double compression, with the first quality estimated); the segment order
 * shows what no camera writes. The coefficient analysis is shared with the `ela` layer through {@link JpegEvidence}.
 */
import { FINER_THRESHOLD, analyseDoubleCompression } from "../../imaging/jpeg/double-compression";
import type { DoubleCompression } from "../../imaging/jpeg/double-compression";
import { JpegFormatError, readJpegStructure } from "../../imaging/jpeg/structure";
import type { JpegStructure } from "../../imaging/jpeg/structure";
import { identifyEncoder } from "../../imaging/jpeg/tables";
import type { Finding, Layer, MediaInput } from "../types";
import { timed } from "../types";
import { documentImages, ownCapture, round3, sideLabel, verdict } from "./documents";

export interface JpegReport {
  structure: JpegStructure;
  encoder: ReturnType<typeof identifyEncoder>;
  /** null when the coefficients could not be read (an unsupported coding: arithmetic, 12-bit). */
  compression: DoubleCompression | null;
  unreadable: string | null;
}

/** Per-run memo: each document file's structure and coefficient analysis, computed once for `jpeg` and `ela`. */
export class JpegEvidence {
  private readonly cache = new Map<string, JpegReport | null>();

  /** null when the upload is not a JPEG (or its markers are broken beyond reading). */
  of(media: MediaInput): JpegReport | null {
    if (this.cache.has(media.sha256)) return this.cache.get(media.sha256)!;
    const report = examine(media.bytes);
    this.cache.set(media.sha256, report);
    return report;
  }
}

function examine(bytes: Uint8Array): JpegReport | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let structure: JpegStructure;
  try {
    structure = readJpegStructure(bytes);
  } catch (err) {
    if (err instanceof JpegFormatError) return null;
    throw err;
  }
  const encoder = identifyEncoder(structure.qtables);
  try {
    return { structure, encoder, compression: analyseDoubleCompression(bytes), unreadable: null };
  } catch (err) {
    if (err instanceof JpegFormatError) return { structure, encoder, compression: null, unreadable: err.message };
    throw err;
  }
}

/**
 * Segment-order anomalies that weigh as evidence. Bytes after the end marker are not among them: phones append
 * motion-photo videos and maker data there.
 */
const weighty = (anomaly: string) => !/after EOI|trailing/i.test(anomaly);

export function jpegLayer(evidence: JpegEvidence): Layer {
  return {
    name: "jpeg",
    run: (inputs, ctx) =>
      timed("jpeg", ctx.clock, async () => {
        const documents = documentImages(inputs);
        const findings: Finding[] = [];
        let examined = 0;
        for (const doc of documents) {
          const side = sideLabel(doc);
          const report = evidence.of(doc);
          if (!report) {
            findings.push({ code: "NOT_A_JPEG", severity: "info", message: `The ${side} is not a JPEG: no compression history to examine`, data: { media: side } });
            continue;
          }
          examined++;
          const { structure, encoder, compression } = report;
          if (encoder.family === "photoshop")
            findings.push({ code: "JPEG_EDITOR_TABLES", severity: "warning", message: `The ${side} was last saved with ${encoder.label}'s quantisation tables`, data: { media: side, encoder: encoder.label, quality: encoder.quality } });
          if (compression?.doubleCompressed) {
            const data = { media: side, evidence: round3(compression.evidence), primary_quantisation: compression.primary.slice(0, 8) };
            findings.push(
              ownCapture(doc)
                ? { code: "JPEG_DOUBLE_COMPRESSED", severity: "info", message: `The ${side} was JPEG-compressed at least twice; not counted: our capture page encodes every image itself`, data: { ...data, not_counted: "hosted_capture" } }
                : { code: "JPEG_DOUBLE_COMPRESSED", severity: "warning", message: `The ${side} was JPEG-compressed at least twice`, data },
            );
          }
          const anomalies = structure.anomalies.filter(weighty);
          if (anomalies.length) findings.push({ code: "JPEG_STRUCTURE_ANOMALY", severity: "warning", message: `The ${side}'s segments are in an order no camera writes`, data: { media: side, anomalies } });
          findings.push({
            code: "JPEG_MEASURES",
            severity: "info",
            message: `Compression of the ${side}`,
            data: {
              media: side,
              width: structure.width,
              height: structure.height,
              progressive: structure.progressive,
              encoder: encoder.label,
              quality: encoder.quality,
              segments: structure.segments.length,
              trailing_bytes: structure.trailingBytes,
              anomalies: structure.anomalies,
              coefficients_read: compression !== null,
              ...(compression ? { finer_first_statistic: round3(compression.finerStatistic) } : {}),
              ...(report.unreadable ? { unreadable: report.unreadable } : {}),
            },
          });
        }
        if (!examined) return { status: "skipped", score: 0, findings: findings.length ? findings : [{ code: "INPUT_MISSING", severity: "info", message: "No document image to examine" }] };
        const result = verdict(findings, { JPEG_EDITOR_TABLES: 60, JPEG_DOUBLE_COMPRESSED: 40, JPEG_STRUCTURE_ANOMALY: 30 });
        const statistic = Math.max(0, ...documents.filter((doc) => !ownCapture(doc)).map((doc) => evidence.of(doc)?.compression?.finerStatistic ?? 0));
        return { ...result, score: Math.max(result.score, gradedFinerRisk(statistic)) };
      }),
  };
}

/** Risk from a finer-first-save trace too weak to report: at most this, below `JPEG_DOUBLE_COMPRESSED`'s 40. */
export const MAX_GRADED_FINER_RISK = 25;

/**
 * A finer first save (a high-quality photo saved again at a lower quality) leaves only a faint periodic ripple in
 * the coefficient histograms, and below the reporting bar of `analyseDoubleCompression` it is graded rather than
 * dropped: on the generator's tuning split nine in ten genuine phone photos score exactly 0 there, while most
 * re-saves that stay below the bar score above 0. The risk stays under the 40 of a reported double compression (and
 * adds no finding), so it moves a document up the reviewers' ranking without flagging it by itself.
 *
 * @example
 * gradedFinerRisk(0);  // 0
 * gradedFinerRisk(20); // 15
 * gradedFinerRisk(80); // 25
 */
export function gradedFinerRisk(statistic: number): number {
  if (!(statistic > 0)) return 0;
  return Math.round(5 + (MAX_GRADED_FINER_RISK - 5) * Math.min(1, statistic / FINER_THRESHOLD));
}
