/**
 * Facts a reviewer looks for first, picked out of a verification's layer findings: the face similarity and its
 * threshold, and the other cases that share this face or document. Pure over the API's verification view, so the
 * page stays a function of data.
 */
type FindingLike = { code: string; severity: string; message: string; data?: Record<string, unknown> };
type LayersLike = Record<string, { status: string; score: number | null; findings: FindingLike[] }>;

export interface FaceComparison {
  similarity: number;
  threshold: number;
  match: boolean;
}

/**
 * The face layer's similarity and threshold, when it compared two faces.
 *
 * @example
 * faceComparison({ face: { status: "passed", score: 3, findings: [{ code: "FACE_MATCH", severity: "info", message: "", data: { similarity: 0.71, threshold: 0.36 } }] } });
 * // { similarity: 0.71, threshold: 0.36, match: true }
 */
export function faceComparison(layers: LayersLike): FaceComparison | null {
  const finding = layers.face?.findings.find((f) => f.code === "FACE_MATCH" || f.code === "FACE_MISMATCH");
  const similarity = finding?.data?.similarity;
  const threshold = finding?.data?.threshold;
  if (typeof similarity !== "number" || typeof threshold !== "number") return null;
  return { similarity, threshold, match: finding?.code === "FACE_MATCH" };
}

export interface DuplicateLink {
  code: string;
  verificationId: string;
  similarity?: number;
}

/** Ids of other verifications named by duplicate findings (faces, document numbers, document images), de-duplicated. */
export function duplicateLinks(layers: LayersLike): DuplicateLink[] {
  const links: DuplicateLink[] = [];
  for (const layer of ["duplicates", "document_duplicates"]) {
    for (const f of layers[layer]?.findings ?? []) {
      if (!f.code.startsWith("DUPLICATE_") && f.code !== "RETURNING_APPLICANT") continue;
      const matches = Array.isArray(f.data?.matches) ? (f.data.matches as { verification_id?: unknown; similarity?: unknown }[]) : [];
      for (const m of matches) {
        if (typeof m.verification_id === "string") links.push({ code: f.code, verificationId: m.verification_id, similarity: typeof m.similarity === "number" ? m.similarity : undefined });
      }
      const ids = Array.isArray(f.data?.verification_ids) ? (f.data.verification_ids as unknown[]) : [];
      for (const id of ids) if (typeof id === "string") links.push({ code: f.code, verificationId: id });
    }
  }
  const seen = new Set<string>();
  return links.filter((l) => (seen.has(`${l.code}:${l.verificationId}`) ? false : (seen.add(`${l.code}:${l.verificationId}`), true)));
}

/**
 * A finding's data value in a few words for a table cell.
 *
 * @example
 * dataValue({ a: 1 }); // '{"a":1}'
 */
export function dataValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
