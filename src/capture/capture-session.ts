/**
 * What the capture page may know about a session before anyone has authenticated: whether it can still be used, its
 * locale, the documents it allows, whether a challenge is required, where to return, and the tenant's display name.
 * Never the applicant's data, a secret or a hash; a session nobody can use any more reads as `ended`, whatever the
 * reason. Read-only: the effective status is computed (src/sessions/sessions.ts `effectiveStatus`), not persisted —
 * the API's own reads persist it.
 */
import { eq } from "drizzle-orm";
import type { Services } from "../app/services";
import { tenants, verificationSessions, verifications } from "../db/schema";
import { ENDED, effectiveStatus } from "../sessions/sessions";

export interface CaptureSession {
  id: string;
  /** `usable`: open or in use; `submitted`: the page shows its final screen; `ended`: completed, canceled or expired. */
  state: "usable" | "submitted" | "ended";
  locale: string;
  allowedDocumentTypes: string[];
  challengeRequired: boolean;
  returnUrl: string | null;
  tenantName: string;
}

/** Session ids as newId makes them; anything else is not looked up at all. */
const SESSION_ID = /^vss_[A-Za-z0-9]{1,60}$/;

/**
 * The session behind a capture link, or null when there is none.
 *
 * @example
 * const found = await captureSession(s, "vss_0191…");
 * if (!found) return notFoundPage();
 */
export async function captureSession(s: Services, id: string): Promise<CaptureSession | null> {
  if (!SESSION_ID.test(id)) return null;
  const [found] = await s.db
    .select({ session: verificationSessions, verificationStatus: verifications.status, erasedAt: verifications.erasedAt, tenantName: tenants.name })
    .from(verificationSessions)
    .innerJoin(tenants, eq(tenants.id, verificationSessions.tenantId))
    .leftJoin(verifications, eq(verifications.id, verificationSessions.verificationId))
    .where(eq(verificationSessions.id, id))
    .limit(1);
  if (!found) return null;
  const status = effectiveStatus(found.session, found.erasedAt === null ? found.verificationStatus : null, s.now());
  const options = found.session.options;
  return {
    id: found.session.id,
    state: ENDED.includes(status) ? "ended" : status === "submitted" ? "submitted" : "usable",
    locale: typeof options.locale === "string" ? options.locale : "en",
    allowedDocumentTypes: Array.isArray(options.allowed_document_types) ? options.allowed_document_types.filter((t): t is string => typeof t === "string") : [],
    challengeRequired: Boolean(options.challenge_required),
    returnUrl: typeof options.return_url === "string" ? options.return_url : null,
    tenantName: found.tenantName,
  };
}
