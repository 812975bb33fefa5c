/**
 * The `registry` layer's decision, with records given directly through the in-memory twin of the lookup port and
 * MRZ readings given as parsed fields: what a tenant's register confirms, contradicts or does not know.
 */
import { describe, expect, it } from "vitest";
import { decide } from "../../../src/pipeline/decision";
import { decodeOnce } from "../../../src/pipeline/images";
import type { MrzSource, MrzView, RegistryRecord } from "../../../src/pipeline/layers/registry";
import { registryLayer, sameName } from "../../../src/pipeline/layers/registry";
import { DEFAULT_SETTINGS } from "../../../src/pipeline/settings";
import type { DeclaredData, LayerResult, PipelineInputs } from "../../../src/pipeline/types";
import { memoryRegistryLookup } from "../../../src/registry/lookup";

const ctx = { clock: () => 0, today: "2026-12-03", images: decodeOnce() };

const erika: RegistryRecord = {
  id: "reg_0001",
  documentType: "id_card",
  issuingCountry: "DE",
  holder: { firstName: "Erika", lastName: "Mustermann", dateOfBirth: "1984-08-12" },
  issueDate: "2021-03-01",
  expiryDate: "2031-02-28",
  status: "valid",
};

const declared = (over: Partial<DeclaredData> = {}): DeclaredData => ({
  firstName: "Erika",
  lastName: "Mustermann",
  dateOfBirth: "1984-08-12",
  country: "DE",
  documentType: "id_card",
  documentNumber: "C01X00T47",
  documentIssuingCountry: "DE",
  documentExpiry: "2031-02-28",
  mrz: null,
  ...over,
});

const inputs = (d: DeclaredData): PipelineInputs => ({ verificationId: "ver_1", tenantId: "ten_1", declared: d, media: [], request: { country: null, ip: null } });

const noMrz: MrzSource = { of: async () => ({ parsed: null, declaredParsed: null }) };
const mrzOf = (parsed: MrzView): MrzSource => ({ of: async () => ({ parsed, declaredParsed: null }) });
const validMrz = (fields: NonNullable<MrzView["fields"]>): MrzView => ({ valid: true, fields });

const register = (...records: { documentNumber: string; record: RegistryRecord }[]) => memoryRegistryLookup(records);
const erikaRegistered = () => register({ documentNumber: "C01X00T47", record: erika });

async function run(d: DeclaredData, opts: { lookup?: ReturnType<typeof register> | null; mrz?: MrzSource } = {}): Promise<LayerResult> {
  return registryLayer(opts.lookup === undefined ? erikaRegistered() : opts.lookup, opts.mrz ?? noMrz).run(inputs(d), ctx);
}

const codes = (r: LayerResult) => r.findings.map((f) => f.code);

describe("registry layer", () => {
  it("confirms a registered document whose holder, birth date, type and expiry agree: REGISTRY_MATCH, risk 0", async () => {
    const result = await run(declared());
    expect(result).toMatchObject({ layer: "registry", status: "passed", score: 0 });
    expect(codes(result)).toEqual(["REGISTRY_MATCH"]);
    expect(result.findings[0].data).toMatchObject({ record_id: "reg_0001", number_source: "declared" });
  });

  it("finds the record whatever the number's spacing, hyphens or case", async () => {
    expect(codes(await run(declared({ documentNumber: "c01x-00t 47" })))).toEqual(["REGISTRY_MATCH"]);
  });

  it("rejects a registered number presented with another holder name, naming the field but never a value", async () => {
    const result = await run(declared({ lastName: "Schmidt" }));
    expect(result).toMatchObject({ status: "failed", score: 90 });
    expect(codes(result)).toEqual(["REGISTRY_MISMATCH"]);
    const f = result.findings[0];
    expect(f.severity).toBe("critical");
    expect(f.data).toMatchObject({ fields: ["last_name"], sources: { last_name: ["declared"] } });
    expect(JSON.stringify(result)).not.toMatch(/Schmidt|Mustermann|Erika|1984/i);
    expect(decide([result], DEFAULT_SETTINGS).decision).toBe("not_verified");
  });

  it("names each contradicted field: birth date, document type, expiry", async () => {
    const cases: [Partial<DeclaredData>, string][] = [
      [{ dateOfBirth: "1984-08-13" }, "date_of_birth"],
      [{ documentType: "passport" }, "document_type"],
      [{ documentExpiry: "2032-02-28" }, "expiry_date"],
      [{ firstName: "Anna" }, "first_name"],
    ];
    for (const [change, field] of cases) {
      const result = await run(declared(change));
      expect(codes(result), field).toEqual(["REGISTRY_MISMATCH"]);
      expect(result.findings[0].data?.fields, field).toEqual([field]);
    }
  });

  it("reports a revoked document as REGISTRY_REVOKED (critical, certain risk), even when everything agrees", async () => {
    const result = await run(declared(), { lookup: register({ documentNumber: "C01X00T47", record: { ...erika, status: "revoked" } }) });
    expect(result).toMatchObject({ status: "failed", score: 100 });
    expect(codes(result)).toEqual(["REGISTRY_REVOKED"]);
    expect(decide([result], DEFAULT_SETTINGS).decision).toBe("not_verified");
  });

  it("a number the register does not hold is skipped with REGISTRY_NOT_FOUND and leaves the total untouched", async () => {
    const result = await run(declared({ documentNumber: "X99999999" }));
    expect(result).toMatchObject({ status: "skipped", score: 0 });
    expect(codes(result)).toEqual(["REGISTRY_NOT_FOUND"]);
    expect(result.findings[0].severity).toBe("info");
    const face = { layer: "face" as const, status: "warning" as const, score: 45, findings: [] };
    expect(decide([face, result], DEFAULT_SETTINGS)).toEqual(decide([face], DEFAULT_SETTINGS));
    // …whereas a match lowers it.
    const match = await run(declared());
    expect(decide([face, match], DEFAULT_SETTINGS).risk_score).toBeLessThan(decide([face], DEFAULT_SETTINGS).risk_score);
  });

  it("a number registered only for another issuing country is another document: not found", async () => {
    const result = await run(declared(), { lookup: register({ documentNumber: "C01X00T47", record: { ...erika, issuingCountry: "FR" } }) });
    expect(codes(result)).toEqual(["REGISTRY_NOT_FOUND"]);
    expect(result.findings[0].data).toMatchObject({ other_issuing_country: true });
  });

  it("looks up the MRZ's number when its check digits hold, and the declared one when they do not", async () => {
    const asked: string[] = [];
    const lookup = async (n: string) => {
      asked.push(n);
      return [];
    };
    const mrzFields = { documentNumber: "L01X00T47", documentCode: "ID", issuingState: "D", surname: "MUSTERMANN", givenNames: "ERIKA", birthDate: "1984-08-12", expiryDate: "2031-02-28" };
    await registryLayer(lookup, mrzOf(validMrz(mrzFields))).run(inputs(declared()), ctx);
    await registryLayer(lookup, mrzOf({ valid: false, fields: mrzFields })).run(inputs(declared()), ctx);
    expect(asked).toEqual(["L01X00T47", "C01X00T47"]);
  });

  it("compares the valid MRZ too: a genuine MRZ that agrees does not excuse a declared name that does not", async () => {
    const mrz = mrzOf(validMrz({ documentNumber: "C01X00T47", documentCode: "ID", issuingState: "D", surname: "MUSTERMANN", givenNames: "ERIKA", birthDate: "1984-08-12", expiryDate: "2031-02-28" }));
    expect(codes(await run(declared(), { mrz }))).toEqual(["REGISTRY_MATCH"]);
    const result = await run(declared({ lastName: "Schmidt" }), { mrz });
    expect(result.findings[0].data).toMatchObject({ fields: ["last_name"], sources: { last_name: ["declared"] }, number_source: "mrz" });
  });

  it("catches an MRZ that contradicts the record (a passport code on a registered ID card, another birth date)", async () => {
    const mrz = mrzOf(validMrz({ documentNumber: "C01X00T47", documentCode: "P", issuingState: "DEU", surname: "MUSTERMANN", givenNames: "ERIKA", birthDate: "1985-08-12", expiryDate: "2031-02-28" }));
    const result = await run(declared(), { mrz });
    expect(result.findings[0].data).toMatchObject({ fields: ["date_of_birth", "document_type"], sources: { date_of_birth: ["mrz"], document_type: ["mrz"] } });
  });

  it("reads names as an MRZ writes them: transliterated, middle names left out, cut at the field's end", () => {
    expect(sameName("Müller", "MUELLER", "mrz")).toBe(true);
    expect(sameName("Müller", "MULLER", "mrz")).toBe(true);
    expect(sameName("Müller", "Müller", "declared")).toBe(true);
    expect(sameName("Erika Maria", "Erika", "declared")).toBe(true);
    expect(sameName("Anna-Lena", "ANNA LENA", "mrz")).toBe(true);
    expect(sameName("Bartholomew", "BARTHOLOM", "mrz")).toBe(true);
    expect(sameName("Bartholomew", "Bartholom", "declared")).toBe(false);
    expect(sameName("Erika", "Erika Maria", "declared")).toBe(false);
    expect(sameName("Mustermann", "Musterfrau", "declared")).toBe(false);
    expect(sameName("Müller", "", "declared")).toBe(false);
  });

  it("picks, among a number's records, the one of the presented type rather than reporting a mismatch", async () => {
    const passport: RegistryRecord = { ...erika, id: "reg_passport", documentType: "passport" };
    const result = await run(declared({ documentType: "passport" }), { lookup: register({ documentNumber: "C01X00T47", record: erika }, { documentNumber: "C01X00T47", record: passport }) });
    expect(codes(result)).toEqual(["REGISTRY_MATCH"]);
    expect(result.findings[0].data?.record_id).toBe("reg_passport");
  });

  it("is skipped without a number or without a register to ask", async () => {
    const none = await run(declared({ documentNumber: null }));
    expect(none).toMatchObject({ status: "skipped", score: 0 });
    expect(codes(none)).toEqual(["INPUT_MISSING"]);
    const unwired = await run(declared(), { lookup: null });
    expect(unwired.status).toBe("skipped");
  });
});
