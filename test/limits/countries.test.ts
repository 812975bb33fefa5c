/**
 * Country codes as passports and vendors write them: ISO 3166-1 alpha-2 and alpha-3 and ICAO document codes are
 * accepted for `applicant.country` and `document.issuing_country`, normalised once (alpha-2 where there is one),
 * and the code as sent is kept.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ISO_COUNTRY_COUNT, parseCountry } from "../../src/lib/countries";
import { call, expectErrorShape } from "../helpers/http";
import { apiKeyHeader, createApiKey, registerTenant } from "../helpers/identity";
import { APPLICANT, DOCUMENT, createBody } from "../helpers/verifications";

describe("parseCountry", () => {
  it("knows every ISO 3166-1 code (249, plus Kosovo's XK)", () => {
    expect(ISO_COUNTRY_COUNT).toBe(250);
  });

  it.each([
    ["DE", "DE", "DEU"],
    ["de", "DE", "DEU"],
    ["DEU", "DE", "DEU"],
    ["D", "DE", "DEU"],
    ["GBR", "GB", "GBR"],
    ["GBN", "GB", "GBR"],
    ["RKS", "XK", "XKX"],
    ["USA", "US", "USA"],
    [" fra ", "FR", "FRA"],
  ])("%s → %s (%s)", (sent, code, alpha3) => {
    expect(parseCountry(sent)).toEqual({ code, alpha2: code, alpha3, sent });
  });

  it("ICAO codes without a country keep their own code", () => {
    for (const code of ["UTO", "XXA", "XXB", "XXC", "XXX", "EUE", "UNO", "XOM", "XPO"]) {
      expect(parseCountry(code)).toEqual({ code, alpha2: null, alpha3: code, sent: code });
    }
  });

  it("refuses what is no code", () => {
    for (const bad of ["", "X", "ZZ", "UK", "ZZZ", "GERMANY", "D1", "12"]) expect(parseCountry(bad), bad).toBeNull();
  });
});

describe("POST /v1/verifications with country codes", () => {
  let key: Record<string, string>;
  beforeAll(async () => {
    const tenant = await registerTenant({ tenantName: "Countries" });
    key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
  });

  it("accepts issuing_country GBR and country DEU, stores GB and DE, and keeps the codes as sent", async () => {
    const body = createBody({ applicant: { ...APPLICANT, country: "DEU" }, document: { ...DOCUMENT, type: "passport", issuing_country: "GBR" } });
    const created = await call("/v1/verifications", { method: "POST", headers: key, json: body });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    const read = await call(`/v1/verifications/${created.data.id}`, { headers: key });
    expect(read.data.document.issuing_country).toBe("GB");
    expect(read.data.applicant).toMatchObject({ country: "DE", country_as_sent: "DEU", issuing_country_as_sent: "GBR" });
  });

  it("accepts ICAO codes: D, GBN, UTO", async () => {
    for (const [sent, stored] of [["D", "DE"], ["GBN", "GB"], ["UTO", "UTO"]]) {
      const body = createBody({ document: { ...DOCUMENT, type: "passport", issuing_country: sent } });
      const created = await call("/v1/verifications", { method: "POST", headers: key, json: body });
      expect(created.status, sent).toBe(201);
      const read = await call(`/v1/verifications/${created.data.id}`, { headers: key });
      expect(read.data.document.issuing_country, sent).toBe(stored);
    }
  });

  it("the multipart create normalises the same way", async () => {
    const form = new FormData();
    form.set("data", JSON.stringify(createBody({ document: { ...DOCUMENT, issuing_country: "deu" } })));
    const created = await call("/v1/verifications", { method: "POST", headers: key, body: form });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    const read = await call(`/v1/verifications/${created.data.id}`, { headers: key });
    expect(read.data.document.issuing_country).toBe("DE");
  });

  it("refuses an unknown code with 400 naming the field", async () => {
    const res = await call("/v1/verifications", { method: "POST", headers: key, json: createBody({ document: { ...DOCUMENT, issuing_country: "ZZZ" } }) });
    const error = expectErrorShape(res, 400, "VALIDATION_ERROR");
    expect(error.details.fields["document.issuing_country"][0]).toMatch(/alpha-3|ICAO/);
  });
});
