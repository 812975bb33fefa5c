/**
 * The `exif` layer: what the document photo's metadata says about its history. An editor's name in the metadata,
 * dates that disagree (saved again long after capture, dates in the future), or an embedded thumbnail that shows
 * another picture than the image itself are signs the photo was edited after the camera took it. Missing EXIF is
 * reported for the reviewer but is no risk by itself: many upload paths (messengers, browsers) strip it.
 */
import { decodeImage } from "../../face/decode";
import { releasePixels } from "../../face/image";
import { compareThumbnail, examineExif } from "../../imaging/exif";
import type { Finding, Layer } from "../types";
import { timed } from "../types";
import { documentImages, ownCapture, round3, sideLabel, verdict } from "./documents";

/** Risk each finding adds (the layer's score is the highest). */
const RISK: Partial<Record<Finding["code"], number>> = { EXIF_THUMBNAIL_MISMATCH: 80, EXIF_EDITED: 60, EXIF_DATE_MISMATCH: 35 };

export const exifLayer: Layer = {
  name: "exif",
  run: (inputs, ctx) =>
    timed("exif", ctx.clock, async () => {
      const documents = documentImages(inputs);
      if (!documents.length) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "No document image to examine" }] };
      const findings: Finding[] = [];
      for (const doc of documents) {
        let thumbnailDistance: number | null = null;
        const side = sideLabel(doc);
        const exam = examineExif(doc.bytes, { today: ctx.today, documentIssueDate: null, declaredCountry: inputs.declared.documentIssuingCountry ?? inputs.declared.country });
        for (const f of exam.findings) {
          // Our hosted page encodes every capture on a canvas, which writes no EXIF: expected, and said so.
          const ours = f.code === "EXIF_MISSING" && ownCapture(doc);
          findings.push((ours ? { ...f, message: "No EXIF: captured by our hosted page, whose canvas encoding writes none", data: { ...f.data, media: side, not_counted: "hosted_capture" } } : { ...f, data: { ...f.data, media: side } }) as Finding);
        }
        if (exam.thumbnail) {
          const thumbnail = decodeThumbnail(exam.thumbnail);
          if (thumbnail) {
            try {
              const compared = await ctx.images.use(doc, (main) => (main ? compareThumbnail(thumbnail, main.image) : null));
              if (compared) thumbnailDistance = round3(compared.distance);
              if (compared?.mismatch)
                findings.push({ code: "EXIF_THUMBNAIL_MISMATCH", severity: "warning", message: `The ${side}'s embedded thumbnail shows a different picture than the image`, data: { media: side, distance: round3(compared.distance) } });
            } finally {
              releasePixels(thumbnail);
            }
          }
        }
        const s = exam.summary;
        findings.push({
          code: "EXIF_CONSISTENT",
          severity: "info",
          message: `Metadata of the ${side}`,
          data: { media: side, make: s.make, model: s.model, software: s.software, creator_tool: s.creatorTool, dates: s.dates, thumbnail: s.hasThumbnail, thumbnail_distance: thumbnailDistance, gps_present: s.gps !== null, gps_country_mismatch: s.gpsCountryMismatch, photoshop_irb: s.photoshopIrb },
        });
      }
      return verdict(findings, RISK);
    }),
};

function decodeThumbnail(bytes: Uint8Array) {
  try {
    return decodeImage(bytes);
  } catch {
    return null; // a thumbnail no decoder reads is no evidence either way
  }
}
