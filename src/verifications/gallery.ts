/**
 * The D1 adapter of the duplicates layer's Gallery port: the tenant's earlier applicants of the same mode (test
 * verifications never meet live ones). Face embeddings are stored AES-GCM encrypted per tenant (face_embeddings,
 * written with the decision in src/verifications/processing.ts) for verified and in-review applicants and searched
 * only among verified ones; a match is a duplicate only when the earlier applicant declared another name or birth
 * date, which is read and decrypted for the matches only, not for every row searched. Document images' perceptual
 * hashes (document_images, encrypted the same way) are kept for every decided live verification and compared with all
 * of the tenant's others of the same mode. Brute force over the tenant's rows; README.md says how this moves to a
 * vector index at scale.
 */
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Services } from "../app/services";
import { documentImages, faceEmbeddings, verifications } from "../db/schema";
import { fromBase64Url } from "../lib/encoding";
import { embeddingFromBytes } from "../face/duplicates";
import type { Gallery } from "../pipeline/layers/biometrics";
import type { DeclaredData } from "../pipeline/types";
import type { VerificationRow } from "./repository";

const identityKey = (a: { first_name?: string; last_name?: string; date_of_birth?: string; firstName?: string; lastName?: string; dateOfBirth?: string }) =>
  [a.first_name ?? a.firstName, a.last_name ?? a.lastName, a.date_of_birth ?? a.dateOfBirth].map((s) => (s ?? "").normalize("NFKD").replace(/\p{M}/gu, "").trim().toLowerCase()).join("|");

export function d1Gallery(s: Services, v: VerificationRow, declared: DeclaredData): Gallery {
  const me = identityKey(declared);
  const sameApplicant = async (row: { tenantId: string; applicantEnc: string | null }) =>
    row.applicantEnc ? identityKey(await s.crypto.decryptJson<Record<string, string>>(row.tenantId, row.applicantEnc)) === me : false;
  const decrypt = (ciphertext: string) => s.crypto.decrypt(v.tenantId, ciphertext);

  return {
    async faces() {
      const rows = await s.db
        .select({ verificationId: faceEmbeddings.verificationId, embeddingEnc: faceEmbeddings.embeddingEnc })
        .from(faceEmbeddings)
        .innerJoin(verifications, eq(verifications.id, faceEmbeddings.verificationId))
        .where(and(eq(faceEmbeddings.tenantId, v.tenantId), eq(verifications.tenantId, v.tenantId), eq(verifications.mode, v.mode), eq(verifications.status, "verified"), ne(faceEmbeddings.verificationId, v.id), isNull(verifications.erasedAt)));
      return Promise.all(rows.map(async (r) => ({ verificationId: r.verificationId, embedding: embeddingFromBytes(fromBase64Url(await decrypt(r.embeddingEnc))) })));
    },
    async documentNumberReuse() {
      // Every row here is a match (same document number), so each one's declared identity is needed.
      if (!v.documentNumberHash) return [];
      const rows = await s.db
        .select({ id: verifications.id, tenantId: verifications.tenantId, applicantEnc: verifications.applicantEnc })
        .from(verifications)
        .where(and(eq(verifications.tenantId, v.tenantId), eq(verifications.mode, v.mode), eq(verifications.documentNumberHash, v.documentNumberHash), ne(verifications.id, v.id), isNull(verifications.erasedAt)))
        .limit(50);
      return Promise.all(rows.map(async (r) => ({ verificationId: r.id, sameApplicant: await sameApplicant(r) })));
    },
    async documentImages() {
      const rows = await s.db
        .select({ verificationId: documentImages.verificationId, phashEnc: documentImages.phashEnc })
        .from(documentImages)
        .innerJoin(verifications, eq(verifications.id, documentImages.verificationId))
        .where(and(eq(documentImages.tenantId, v.tenantId), eq(verifications.tenantId, v.tenantId), eq(verifications.mode, v.mode), ne(documentImages.verificationId, v.id), isNull(verifications.erasedAt)));
      return Promise.all(rows.map(async (r) => ({ verificationId: r.verificationId, hash: await decrypt(r.phashEnc) })));
    },
    async sameApplicant(ids) {
      const same = new Set<string>();
      // D1 binds at most 100 parameters per statement: ask in chunks (a face search asks about at most 5 matches; a
      // widely reused document image can have more).
      for (let i = 0; i < ids.length; i += 90) {
        const rows = await s.db
          .select({ id: verifications.id, tenantId: verifications.tenantId, applicantEnc: verifications.applicantEnc })
          .from(verifications)
          .where(and(eq(verifications.tenantId, v.tenantId), inArray(verifications.id, ids.slice(i, i + 90))));
        for (const r of rows) if (await sameApplicant(r)) same.add(r.id);
      }
      return same;
    },
  };
}
