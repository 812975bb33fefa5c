/**
 * The `document_duplicates` layer: the same document image already used by another applicant of the tenant (same
 * mode). A perceptual hash of the front image survives re-encoding and resizing, so a forger who submits one
 * picture of a document under several names is found even when the bytes differ. The hash is kept (encrypted)
 * with the decision for the next applicants' searches; the Gallery port never looks beyond the tenant and mode.
 */
import { documentHash, hammingDistance } from "../../imaging/phash";
import type { Gallery } from "./biometrics";
import type { Finding, Layer } from "../types";
import { timed } from "../types";

/**
 * Hashes at most this many bits apart are the same image. Measured (test/unit/forensics/phash.test.ts): the same
 * photo re-encoded or resized 0–2, the same card photographed again 4; another card of the same layout ≥ 8 (median 18).
 */
export const SAME_IMAGE_MAX_DISTANCE = 5;

export interface DocumentDuplicatesLayer extends Layer {
  /** The front image's hash once the layer has run (null: no decodable front image). */
  hash(): string | null;
}

export function documentDuplicatesLayer(gallery: Gallery): DocumentDuplicatesLayer {
  let hash: string | null = null;
  return {
    name: "document_duplicates",
    hash: () => hash,
    run: (inputs, ctx) =>
      timed("document_duplicates", ctx.clock, async () => {
        const front = inputs.media.find((m) => m.kind === "document_front");
        hash = front ? await ctx.images.use(front, (img) => (img ? documentHash(img.image) : null)) : null;
        if (!hash) return { status: "skipped", score: 0, findings: [{ code: "INPUT_MISSING", severity: "info", message: "No decodable document image to compare" }] };
        const mine = hash;
        const stored = await gallery.documentImages();
        const earlier = stored.map((e) => ({ ...e, distance: hammingDistance(mine, e.hash) })).filter((e) => e.distance <= SAME_IMAGE_MAX_DISTANCE);
        const sameIds = earlier.length ? await gallery.sameApplicant(earlier.map((e) => e.verificationId)) : new Set<string>();
        const others = earlier.filter((e) => !sameIds.has(e.verificationId)).sort((a, b) => a.distance - b.distance);
        const findings: Finding[] = [];
        if (others.length)
          findings.push({
            code: "DUPLICATE_DOCUMENT_IMAGE",
            severity: "critical",
            message: `The same document image was submitted before under another applicant (${others.length} verification${others.length > 1 ? "s" : ""})`,
            data: { verification_ids: others.slice(0, 10).map((e) => e.verificationId), distances: others.slice(0, 10).map((e) => e.distance), max_distance: SAME_IMAGE_MAX_DISTANCE },
          });
        const same = earlier.filter((e) => sameIds.has(e.verificationId));
        if (same.length) findings.push({ code: "RETURNING_APPLICANT", severity: "info", message: "The same applicant submitted this document image before", data: { verification_ids: same.slice(0, 10).map((e) => e.verificationId) } });
        if (!findings.length) findings.push({ code: "NO_DUPLICATE_DOCUMENT_IMAGE", severity: "info", message: "This document image was not seen before in this tenant", data: { compared: stored.length } });
        return { status: others.length ? "failed" : "passed", score: others.length ? 90 : 0, findings };
      }),
  };
}
