/**
 * Webhooks carry no personal data. This file sends a verification with distinctive personal data through every
 * event a verification has (created, submitted, processing, manual_review, reviewed, deleted; completed by a second
 * one) to an endpoint of every type, then scans every body the receiver got during the test run so far — this file's
 * and the other webhook tests' — for the applicants' names, birth dates, document numbers and any email address.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { texturedJpeg } from "../helpers/images";
import { call } from "../helpers/http";
import { received, until } from "../helpers/webhooks";
import { APPLICANT, DOCUMENT, createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";

const PERSON = { first_name: "Zebulon", last_name: "REVIEW", date_of_birth: "1977-03-14", country: "DE", email: "zebulon.quist@example.org" };
const PASSPORT = { ...DOCUMENT, number: "X9Q7W3P18" };
/** Every personal value any webhook test declares (this file's and test/helpers/verifications.ts's defaults). */
const PERSONAL = [PERSON.first_name, PERSON.email, PERSON.date_of_birth, "19770314", "770314", PASSPORT.number, APPLICANT.first_name, APPLICANT.last_name, APPLICANT.date_of_birth, "840812", DOCUMENT.number];
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

let tenant: TenantFixture;
let testKey: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
});

async function submitted(body: unknown) {
  const { id } = await createVerification(testKey, body);
  await upload(testKey, id, "document_front", texturedJpeg(400, 300, 3));
  await upload(testKey, id, "selfie", texturedJpeg(300, 300, 4));
  await call(`/v1/verifications/${id}/submit`, { method: "POST", headers: testKey });
  await waitForFinal(testKey, id);
  return id;
}

describe("webhook payloads carry no personal data", () => {
  it("every event type reaches the receiver, and no body sent in this run holds a name, birth date, document number or email", async () => {
    const inbox = `scan-${Date.now().toString(36)}`;
    const created = await call("/v1/webhook-endpoints", { method: "POST", headers: testKey, json: { url: `${env.RECEIVER_ORIGIN}/r/${inbox}`, events: ["*"] } });
    expect(created.status).toBe(201);

    const reviewed = await submitted(createBody({ applicant: PERSON, document: PASSPORT, external_ref: "crm-customer-4711" }));
    const review = await call(`/v1/verifications/${reviewed}/review`, { method: "POST", headers: bearer(tenant.accessToken), json: { decision: "approve", reason: `Checked ${PERSON.first_name}'s passport by hand` } });
    expect(review.status).toBe(200);
    expect((await call(`/v1/verifications/${reviewed}`, { method: "DELETE", headers: testKey })).status).toBe(200);
    await submitted(createBody({ applicant: { ...PERSON, last_name: "VERIFIED" }, document: PASSPORT }));
    await call(`/v1/webhook-endpoints/${created.data.id}/test`, { method: "POST", headers: testKey });

    const expected = ["verification.created", "verification.submitted", "verification.processing", "verification.manual_review", "verification.reviewed", "verification.deleted", "verification.completed", "webhook_endpoint.test"];
    const mine = await until(
      () => received(inbox),
      (r) => expected.every((type) => r.some((x) => JSON.parse(x.body).type === type)),
    );
    expect(mine.length).toBeGreaterThanOrEqual(expected.length);

    const all: string[] = await (await env.RECEIVER.fetch("http://receiver/all")).json();
    expect(all.length).toBeGreaterThanOrEqual(mine.length);
    for (const body of all) {
      for (const value of PERSONAL) expect(body, `a webhook body holds "${value}"`).not.toContain(value);
      expect(body).not.toMatch(EMAIL);
      expect(body).not.toContain("crm-customer-4711");
      expect(body).not.toMatch(/Checked/);
    }
  });
});
