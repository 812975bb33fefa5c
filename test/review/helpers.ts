/** Sandbox cases for the review tests: test-mode verifications whose last name forces the outcome (REVIEW → manual_review). */
import { texturedJpeg } from "../helpers/images";
import { call } from "../helpers/http";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

/** Creates, uploads and submits a sandbox verification with `lastName`; waits for its final status. */
export async function sandboxCase(testKey: Record<string, string>, lastName = "REVIEW") {
  const { id } = await createVerification(testKey, createBody({ applicant: { first_name: "Test", last_name: lastName, date_of_birth: "1990-01-01", country: "GB" } }));
  for (const kind of ["document_front", "selfie"]) {
    const res = await upload(testKey, id, kind, texturedJpeg(320, 240, kind.length));
    if (res.status !== 201) throw new Error(`upload ${kind}: ${res.status} ${res.text}`);
  }
  const submitted = await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: testKey });
  if (submitted.status !== 202) throw new Error(`submit: ${submitted.status} ${submitted.text}`);
  return waitForFinal(testKey, id);
}
