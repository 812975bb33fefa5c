/**
 * The geo layer: the applicant's network against the declared and the document's country, and velocity. A tenant
 * server's own location never counts (only observations about the applicant do), and re-running gives one answer.
 */
import { describe, expect, it } from "vitest";
import { geoLayer, networkFindings, velocityFinding } from "../../../src/pipeline/layers/geo";
import type { VelocityCounts } from "../../../src/pipeline/layers/geo";
import { decodeOnce } from "../../../src/pipeline/images";
import { DEFAULT_SETTINGS } from "../../../src/pipeline/settings";
import type { NetworkObservation, PipelineInputs } from "../../../src/pipeline/types";

const seen = (o: Partial<NetworkObservation>): NetworkObservation => ({ source: "tenant", ip: null, country: null, asn: null, anonymous: false, ...o });
const codes = (fs: { code: string }[]) => fs.map((f) => f.code);
const limits = DEFAULT_SETTINGS.velocity;

function inputs(network: NetworkObservation[], over: Partial<PipelineInputs["declared"]> = {}): PipelineInputs {
  return {
    verificationId: "ver_1",
    tenantId: "ten_1",
    declared: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1984-08-12", country: "DE", documentType: "id_card", documentNumber: "T22000129", documentIssuingCountry: "DE", documentExpiry: null, mrz: null, ...over },
    media: [],
    // The tenant's server called from a US data centre: must not count as the applicant's network.
    request: { country: "US", ip: "198.51.100.1" },
    network,
  };
}
const ctx = { clock: () => 0, today: "2026-12-03", images: decodeOnce() };

describe("networkFindings", () => {
  it("accepts a network in the declared country, or in the document's (an expatriate)", () => {
    expect(codes(networkFindings([seen({ country: "DE" })], "DE", "DE").findings)).toEqual(["GEO_CONSISTENT"]);
    expect(codes(networkFindings([seen({ country: "FR" })], "FR", "DE").findings)).toEqual(["GEO_CONSISTENT"]);
  });

  it("flags a network in neither country as a risk, naming the countries", () => {
    const { findings, score } = networkFindings([seen({ country: "NG", asn: 29465 })], "DE", "DE");
    expect(codes(findings)).toEqual(["GEO_MISMATCH"]);
    expect(findings[0]?.severity).toBe("warning");
    expect(findings[0]?.data).toMatchObject({ network_countries: ["NG"], expected_countries: ["DE"] });
    expect(score).toBeGreaterThan(0);
  });

  it("compares alpha-3 and ICAO codes as countries", () => {
    expect(codes(networkFindings([seen({ country: "DE" })], "DEU", "D").findings)).toEqual(["GEO_CONSISTENT"]);
  });

  it("flags Tor (T1) and networks marked anonymous, without calling Tor a country", () => {
    expect(codes(networkFindings([seen({ country: "T1" })], "DE", "DE").findings)).toEqual(["ANONYMOUS_NETWORK"]);
    expect(codes(networkFindings([seen({ country: "DE", anonymous: true })], "DE", "DE").findings)).toEqual(["ANONYMOUS_NETWORK"]);
  });

  it("says nothing is known when there is no observation", () => {
    expect(codes(networkFindings([], "DE", "DE").findings)).toEqual(["NETWORK_UNKNOWN"]);
  });
});

describe("velocityFinding", () => {
  const calm: VelocityCounts = { key_per_hour: 10, tenant_per_hour: 10, document_per_day: 0 };
  it("is silent below every limit and fires at a limit, naming it", () => {
    expect(velocityFinding(calm, limits)).toBeNull();
    const busy = velocityFinding({ ...calm, document_per_day: limits.document_per_day }, limits);
    expect(busy?.code).toBe("VELOCITY_HIGH");
    expect(busy?.data).toMatchObject({ exceeded: ["document_per_day"] });
  });
  it("ignores counts that do not apply (no key, no number)", () => {
    expect(velocityFinding({ key_per_hour: null, tenant_per_hour: 1, document_per_day: null }, { ...limits, document_per_day: 1, key_per_hour: 1 })).toBeNull();
  });
});

describe("geoLayer", () => {
  it("is skipped without observations or a counter, and never uses the tenant server's request country", async () => {
    const r = await geoLayer(null, limits, null).run(inputs([]), ctx);
    expect(r.status).toBe("skipped");
    expect(codes(r.findings)).toEqual(["NETWORK_UNKNOWN"]);
  });

  it("counts by the declared document number and warns at the limit", async () => {
    const asked: (string | null)[] = [];
    const counter = async (n: string | null) => (asked.push(n), { key_per_hour: 1, tenant_per_hour: 1, document_per_day: limits.document_per_day });
    const r = await geoLayer(counter, limits, null).run(inputs([seen({ country: "DE" })]), ctx);
    expect(asked).toEqual(["T22000129"]);
    expect(r.status).toBe("warning");
    expect(codes(r.findings)).toEqual(["GEO_CONSISTENT", "VELOCITY_HIGH"]);
  });
});
