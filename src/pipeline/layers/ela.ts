/**
 * The `ela` layer: error-level analysis at the file's native resolution, computed on its DCT coefficients (so a
 * 12 MP photo costs a few bytes per 8×8 block instead of 48 MB of pixels). Each block's coefficients are
 * re-quantised with the tables of the document's own first save (estimated by the `jpeg` analysis): a genuine area,
 * compressed twice, lands back on that grid with a low error; an area pasted or re-typed before the last save does
 * not, and glows in the heatmap. A region departing from the document's own distribution is `DOC_TAMPER_SUSPECTED`
 * with its boxes: `kind: text_region` for a band the height of a printed line away from the portrait (a re-typed
 * field), `error_level` for anything else (a pasted portrait, a patched stamp). The amplified map is the evidence
 * file `ela` (`ela_back` for the back side). Without an earlier compression the map shows the classic error level at
 * quality 90 and no region is reported.
 */
import type { Rect } from "../../face/image";
import { applyOrientation, encodePng, releasePixels } from "../../face/image";
import { heatmapImage } from "../../imaging/jpeg/heatmap";
import { imageOrientation } from "../../media/orientation";
import type { Artifact, Finding, Layer } from "../types";
import { timed } from "../types";
import type { PortraitLocator } from "./copy-move";
import { documentImages, round3, sideLabel, verdict } from "./documents";
import type { JpegEvidence } from "./jpeg";

/** anomalyScore (0..1) from which a region is reported. */
export const ELA_MIN_ANOMALY = 0.5;

export function elaLayer(evidence: JpegEvidence, portrait?: PortraitLocator): Layer {
  return {
    name: "ela",
    run: (inputs, ctx) =>
      timed("ela", ctx.clock, async () => {
        const findings: Finding[] = [];
        const artifacts: Artifact[] = [];
        let examined = 0;
        for (const doc of documentImages(inputs)) {
          const side = sideLabel(doc);
          const report = evidence.of(doc);
          if (!report?.compression) {
            findings.push({ code: "NOT_A_JPEG", severity: "info", message: `No error levels for the ${side}: ${report ? `its coefficients cannot be read (${report.unreadable})` : "not a JPEG"}`, data: { media: side } });
            continue;
          }
          examined++;
          const dc = report.compression;
          const orientation = imageOrientation(doc.bytes);
          const { width, height } = report.structure;
          const upright = (r: Rect) => orientRect(r, orientation, width, height);
          const stored = heatmapImage(dc.heat, dc.blocksWide, dc.blocksHigh);
          const heat = applyOrientation(stored, orientation);
          artifacts.push({ name: doc.kind === "document_back" ? "ela_back" : "ela", contentType: "image/png", bytes: encodePng(heat) });
          // Only the PNG is kept: the RGBA maps (~1 MB at 12 MP) go now, not at V8's next collection.
          releasePixels(heat);
          if (stored !== heat) releasePixels(stored);
          const face = doc.kind === "document_front" && portrait ? await portrait(doc) : null;
          const regions = dc.regions.map((r) => {
            const box = upright(r);
            return { ...box, blocks: r.blocks, mean_heat: round3(r.meanHeat), score: round3(r.score), shape: r.shape, overlaps_portrait: face ? overlaps(box, face) : null };
          });
          const stats = { media: side, anomaly_score: round3(dc.anomalyScore), double_compressed: dc.doubleCompressed, heatmap: doc.kind === "document_back" ? "ela_back" : "ela", blocks: dc.blocksWide * dc.blocksHigh };
          const reported = regions.filter((r) => r.score >= ELA_MIN_ANOMALY);
          // A band the height of a printed line away from the portrait is a re-typed field; anything else (a pasted
          // portrait, a patched stamp) keeps the general kind.
          const typed = reported.filter((r) => r.shape === "line" && r.overlaps_portrait !== true);
          const patches = reported.filter((r) => !typed.includes(r));
          if (patches.length)
            findings.push({
              code: "DOC_TAMPER_SUSPECTED",
              severity: "critical",
              message: `A region of the ${side} has another compression history than the rest (pasted or re-typed?)`,
              data: { kind: "error_level", ...stats, regions: patches.slice(0, 5) },
            });
          if (typed.length)
            findings.push({
              code: "DOC_TAMPER_SUSPECTED",
              severity: "critical",
              message: `A line of print on the ${side} was saved fewer times than the rest of it (a re-typed field?)`,
              data: { kind: "text_region", ...stats, regions: typed.slice(0, 5) },
            });
          if (!reported.length) findings.push({ code: "ELA_MEASURES", severity: "info", message: `Error levels of the ${side} are consistent`, data: { ...stats, regions: regions.slice(0, 5) } });
        }
        if (!examined) return { status: "skipped", score: 0, findings: findings.length ? findings : [{ code: "INPUT_MISSING", severity: "info", message: "No document image to examine" }] };
        // Below the reporting threshold the anomaly still counts a little, so the risk is graded rather than 0 or 85.
        const anomaly = Math.max(0, ...findings.map((f) => (typeof f.data?.anomaly_score === "number" ? f.data.anomaly_score : 0)));
        const result = verdict(findings, { DOC_TAMPER_SUSPECTED: Math.round(85 + 15 * anomaly) });
        return { ...result, score: result.score || Math.round(50 * anomaly), artifacts };
      }),
  };
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** A box in stored pixels → the same box in upright pixels, for an EXIF orientation (1–8) of a `w`×`h` file. */
export function orientRect(r: Rect, orientation: number, w: number, h: number): Rect {
  const map = (x: number, y: number): [number, number] => {
    switch (orientation) {
      case 2: return [w - x, y];
      case 3: return [w - x, h - y];
      case 4: return [x, h - y];
      case 5: return [y, x];
      case 6: return [h - y, x];
      case 7: return [h - y, w - x];
      case 8: return [y, w - x];
      default: return [x, y];
    }
  };
  const [ax, ay] = map(r.x, r.y);
  const [bx, by] = map(r.x + r.width, r.y + r.height);
  return { x: Math.min(ax, bx), y: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) };
}
