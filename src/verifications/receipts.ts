/**
 * Signed receipts: compact JWS (ES256, the key published at /.well-known/jwks.json) that a tenant can keep and
 * anyone can verify offline. The result receipt commits to the decision, the layer outcomes and the SHA-256 of
 * every image; the deletion receipt records what an erasure removed. Neither carries personal data.
 */
import { eq } from "drizzle-orm";
import type { Services } from "../services";
import { layerResults } from "../db/schema";
import { ApiError } from "../lib/errors";
import { listMedia } from "./media";
import type { VerificationRow } from "./service";

export async function resultReceipt(s: Services, v: VerificationRow) {
  if (!v.completedAt || !["verified", "not_verified", "manual_review", "error"].includes(v.status)) {
    throw new ApiError("CONFLICT", `No result to sign yet: the verification is ${v.status}`);
  }
  const layers = await s.db
    .select({ layer: layerResults.layer, status: layerResults.status, score: layerResults.score })
    .from(layerResults)
    .where(eq(layerResults.verificationId, v.id));
  const mediaRows = await listMedia(s, v.id);
  const payload = {
    typ: "verification_result",
    iss: s.config.JWT_ISSUER,
    iat: Math.floor(s.now() / 1000),
    verification_id: v.id,
    tenant_id: v.tenantId,
    mode: v.mode,
    status: v.status,
    decision: v.decision,
    risk_score: v.riskScore,
    reasons: v.reasons ?? [],
    settings_version: v.settingsVersion,
    decided_at: new Date(v.completedAt).toISOString(),
    layers: layers.sort((a, b) => a.layer.localeCompare(b.layer)),
    media: mediaRows.map((m) => ({ kind: m.kind, sha256: m.sha256 })),
  };
  return { receipt: await s.tokens.signJws(payload, "ekyc-receipt+jws"), payload, kid: s.tokens.kid };
}

export async function deletionReceipt(s: Services, v: VerificationRow, erased: { objects: number; fields: string[] }) {
  const payload = {
    typ: "deletion_receipt",
    iss: s.config.JWT_ISSUER,
    iat: Math.floor(s.now() / 1000),
    verification_id: v.id,
    tenant_id: v.tenantId,
    erased_at: new Date(v.erasedAt ?? s.now()).toISOString(),
    erased_fields: erased.fields,
    r2_objects_deleted: erased.objects,
  };
  return { receipt: await s.tokens.signJws(payload, "ekyc-deletion+jws"), payload, kid: s.tokens.kid };
}
