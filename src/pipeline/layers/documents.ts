/**
 * What the document-forensics layers (exif, jpeg, ela, copy_move) share: which uploads are document images, how a
 * finding names the side, and how findings become a layer's status and risk.
 */
import type { Finding, LayerResult, MediaInput, PipelineInputs } from "../types";

export const documentImages = (inputs: PipelineInputs): MediaInput[] => inputs.media.filter((m) => m.kind === "document_front" || m.kind === "document_back");
export const sideLabel = (m: MediaInput) => (m.kind === "document_back" ? "document back" : "document front");

/** Three decimals: enough for scores and distances shown to reviewers. */
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Whether our own hosted page captured the file: it draws the camera frame (or the picked file) on a canvas and
 * encodes it itself, so the traces of that encoding (no camera EXIF, a second compression) are ours, reported with
 * `data.not_counted` and left out of the verdict. Every other trace still counts: the page never writes those.
 */
export const ownCapture = (media: MediaInput) => media.source === "hosted_capture";

/**
 * Status and score from findings: the highest risk any counted finding carries (`risk` per code; otherwise critical
 * 90, warning 40, info 0). Findings marked `data.not_counted` (our own capture's traces) are kept but weigh nothing.
 */
export function verdict(findings: Finding[], risk: Partial<Record<Finding["code"], number>>): Omit<LayerResult, "layer" | "ms"> {
  const counted = findings.filter((f) => f.data?.not_counted === undefined);
  const score = Math.max(0, ...counted.map((f) => risk[f.code] ?? (f.severity === "critical" ? 90 : f.severity === "warning" ? 40 : 0)));
  const status = counted.some((f) => f.severity === "critical") ? "failed" : counted.some((f) => f.severity === "warning") ? "warning" : "passed";
  return { status, score, findings };
}
