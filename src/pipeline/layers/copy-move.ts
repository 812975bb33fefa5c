/**
 * The `copy_move` layer: pixels copied from one place of the document to another (a digit, a stamp, a field), and a
 * portrait that does not belong to the card it sits on (photo substitution). Both work on the analysis-size image
 * from the run's memo. Clones are found by block matching with guards against the repeating patterns printed on
 * documents; the portrait is compared with a ring of card around it for sharpness, noise and a hard straight edge.
 */
import type { Rect } from "../../face/image";
import { findClones } from "../../imaging/copy-move";
import { portraitBoundary, portraitRegion } from "../../imaging/portrait-boundary";
import type { Finding, Layer, MediaInput } from "../types";
import { timed } from "../types";
import { documentImages, round3, sideLabel, verdict } from "./documents";

/** Where the printed portrait's face is on a document image (upright source pixels), or null. */
export type PortraitLocator = (media: MediaInput) => Promise<Rect | null>;

/**
 * Clone score from which a clone is reported (0..1). On the generator's tuning split copied fields scored 0.991–0.999
 * and genuine documents at most 0.983 (repeated printed words over a background that repeats at the same shift).
 */
export const CLONE_MIN_SCORE = 0.99;

/** The portrait boundary is only examined when the printed portrait covers at most this share of the image. */
export const MAX_PORTRAIT_SHARE = 0.35;

export function copyMoveLayer(portrait?: PortraitLocator): Layer {
  return {
    name: "copy_move",
    run: (inputs, ctx) =>
      timed("copy_move", ctx.clock, async () => {
        const documents = documentImages(inputs);
        if (!documents.length) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "No document image to examine" }] };
        const findings: Finding[] = [];
        for (const doc of documents) {
          const side = sideLabel(doc);
          const face = doc.kind === "document_front" && portrait ? await portrait(doc) : null;
          await ctx.images.use(doc, (img) => {
            if (!img) return;
            const k = 1 / img.scale;
            const toSource = (b: Rect) => ({ x: Math.round(b.x * k), y: Math.round(b.y * k), width: Math.round(b.width * k), height: Math.round(b.height * k) });
            const clones = findClones(img.image);
            const reported = clones.score >= CLONE_MIN_SCORE ? clones.regions : [];
            if (reported.length)
              findings.push({
                code: "DOC_TAMPER_SUSPECTED",
                severity: "critical",
                message: `A region of the ${side} is a copy of another part of it (copy-move)`,
                data: { kind: "clone", media: side, score: round3(clones.score), regions: reported.slice(0, 5).map((r) => ({ source: toSource(r.source), target: toSource(r.target), correlation: round3(r.correlation) })) },
              });
            else findings.push({ code: "NO_CLONE_FOUND", severity: "info", message: `No copied region found in the ${side}`, data: { media: side, score: round3(clones.score) } });
            const box = face ? { x: face.x * img.scale, y: face.y * img.scale, width: face.width * img.scale, height: face.height * img.scale } : null;
            const region = box ? portraitRegion(box, img.image.width, img.image.height) : null;
            // A portrait that fills most of the picture is a photo of a face, not a card with a printed portrait:
            // there is no card around it to compare with.
            if (box && region && (region.width * region.height) / (img.image.width * img.image.height) <= MAX_PORTRAIT_SHARE) {
              const boundary = portraitBoundary(img.image, box);
              const data = { media: side, score: round3(boundary.score), inside: boundary.inside, ring: boundary.ring, edge_strength: round3(boundary.edgeStrength), face_box: face };
              if (boundary.suspicious) findings.push({ code: "DOC_TAMPER_SUSPECTED", severity: "critical", message: `The portrait on the ${side} differs in sharpness or noise from the card around it (photo substitution?)`, data: { kind: "portrait_boundary", ...data } });
              else findings.push({ code: "PORTRAIT_BOUNDARY_CONSISTENT", severity: "info", message: `The portrait on the ${side} matches the card around it`, data });
            }
          });
        }
        // Below its reporting threshold the portrait-boundary score still counts a little (graded risk: genuine cards
        // score 0–0.2 there). The clone score does not: genuine cards' repeated print reaches 0.98 on it.
        const boundary = Math.max(0, ...findings.filter((f) => f.code === "PORTRAIT_BOUNDARY_CONSISTENT").map((f) => (typeof f.data?.score === "number" ? f.data.score : 0)));
        const result = verdict(findings, { DOC_TAMPER_SUSPECTED: 85 });
        return { ...result, score: result.score || Math.round(50 * boundary) };
      }),
  };
}
