/**
 * Who captured an upload, from the credential that sent it, and the applicant's network only when the applicant's own
 * device sent it through Cloudflare (never a tenant server's, never wrangler dev's stand-in `request.cf`).
 */
import { describe, expect, it } from "vitest";
import { API_UPLOAD, uploadProvenance } from "../../../src/verifications/media";
import type { Principal } from "../../../src/types";

const session = (credential: "client_secret" | "credential"): Principal => ({
  type: "session",
  tenantId: "ten_1",
  mode: "live",
  sessionId: "vss_1",
  verificationId: "ver_1",
  onBehalfOf: { type: "api_key", id: "key_1" },
  credential,
});
const apiKey: Principal = { type: "api_key", tenantId: "ten_1", keyId: "key_1", scopes: ["verifications:write"], mode: "live" };
const paris = { country: "FR", asn: 3215, city: "Paris" };

describe("uploadProvenance", () => {
  it("the hosted page's credential → hosted_capture with the device's country and ASN", () => {
    expect(uploadProvenance(session("credential"), paris, "production")).toEqual({ source: "hosted_capture", clientCountry: "FR", clientAsn: 3215 });
  });
  it("a session's client secret → applicant_app, Tor's T1 kept as the country", () => {
    expect(uploadProvenance(session("client_secret"), { country: "T1", asn: 60729 }, "production")).toEqual({ source: "applicant_app", clientCountry: "T1", clientAsn: 60729 });
  });
  it("an API key → api, with no network whatever request.cf says (it is the tenant's server)", () => {
    expect(uploadProvenance(apiKey, paris, "production")).toBe(API_UPLOAD);
  });
  it("under wrangler dev the stand-in request.cf is not recorded, the source still is", () => {
    expect(uploadProvenance(session("credential"), { country: "US", asn: 13335 }, "development")).toEqual({ source: "hosted_capture", clientCountry: null, clientAsn: null });
  });
  it("malformed cf values are dropped, not stored", () => {
    expect(uploadProvenance(session("credential"), { country: "france", asn: -1 }, "production")).toEqual({ source: "hosted_capture", clientCountry: null, clientAsn: null });
    expect(uploadProvenance(session("credential"), undefined, "production")).toEqual({ source: "hosted_capture", clientCountry: null, clientAsn: null });
  });
});
