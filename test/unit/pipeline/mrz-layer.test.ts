/**
 * The `mrz` layer's decisions, driven by a stand-in reader that returns fixed readings (the OCR itself is tested
 * with its own reader; the API tests use the real one). Zones come from the documents generator.
 */
import { describe, expect, it } from "vitest";
import { MrzEvidence, mrzLayer } from "../../../src/pipeline/layers/mrz";
import type { MrzImageReader } from "../../../src/pipeline/layers/mrz";
import type { DeclaredData, LayerContext, MediaInput, PipelineInputs } from "../../../src/pipeline/types";
import type { MrzFormat, MrzReading } from "../../../src/reading/types";
import { checkDigit, td1Lines, td3Lines } from "../../../scripts/docgen/index.mjs";
import type { Holder } from "../../../scripts/docgen/index.mjs";

const today = "2026-12-03";
const holder: Holder = {
  surname: "Eriksson",
  givenNames: "Anna Maria",
  nationality: "NLD",
  issuingState: "NLD",
  stateName: "Netherlands",
  sex: "F",
  birthDate: "1984-08-12",
  issueDate: "2022-01-10",
  expiryDate: "2032-01-09",
  documentNumber: "NXR4K1P07",
  placeOfBirth: "Utrecht",
};
const PASSPORT = td3Lines(holder);
const ID_CARD = td1Lines(holder);

const declaredFor = (over: Partial<DeclaredData> = {}): DeclaredData => ({
  firstName: "Anna",
  lastName: "Eriksson",
  dateOfBirth: "1984-08-12",
  country: "NL",
  documentType: "passport",
  documentNumber: "NXR4K1P07",
  documentIssuingCountry: "NL",
  documentExpiry: "2032-01-09",
  mrz: null,
  ...over,
});

const media = (kind: MediaInput["kind"]): MediaInput => ({ kind, bytes: new Uint8Array([0xff, 0xd8]), contentType: "image/jpeg", sha256: kind });
const inputs = (declared: DeclaredData, kinds: MediaInput["kind"][] = ["document_front", "selfie"]): PipelineInputs => ({
  verificationId: "ver_test",
  tenantId: "ten_test",
  declared,
  media: kinds.map(media),
  request: { country: null, ip: null },
});
const ctx: LayerContext = { clock: () => 0, today, images: { use: async (_m, fn) => fn(null) } };

const reading = (lines: string[]): MrzReading => ({
  format: ({ 30: "TD1", 36: "TD2", 44: "TD3" } as Record<number, MrzFormat>)[lines[0].length],
  lines,
  confidence: lines.map(() => 0.97),
  band: { x: 10, y: 400, width: 600, height: 60 },
  ms: { locate: 0, recognise: 0, total: 0 },
});

/** A stand-in reader: fixed readings per upload, recording which uploads it was asked about. */
function readerOf(bySide: Partial<Record<MediaInput["kind"], string[] | Error>>) {
  const asked: MediaInput["kind"][] = [];
  const reader: MrzImageReader = async (m) => {
    asked.push(m.kind);
    const lines = bySide[m.kind];
    if (lines instanceof Error) throw lines;
    return lines ? reading(lines) : null;
  };
  return { reader, asked };
}

async function run(reader: MrzImageReader | null, declared: DeclaredData, kinds?: MediaInput["kind"][], minimumAge: number | null = null) {
  return mrzLayer(new MrzEvidence(reader), { minimumAge }).run(inputs(declared, kinds), ctx);
}
const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);
const finding = (r: { findings: { code: string; data?: Record<string, unknown> }[] }, code: string) => r.findings.find((f) => f.code === code);
/** Replaces one character of one line. */
const edit = (lines: string[], line: number, at: number, char: string) => lines.map((l, i) => (i === line ? l.slice(0, at) + char + l.slice(at + 1) : l));
const wrongDigit = (digit: string) => String((Number(digit) + 1) % 10);

describe("mrz layer", () => {
  it("passes a valid passport MRZ that agrees with the declared data, and shows what was read", async () => {
    const r = await run(readerOf({ document_front: PASSPORT }).reader, declaredFor());
    expect(r).toMatchObject({ layer: "mrz", status: "passed", score: 0 });
    expect(codes(r)).toEqual(["MRZ_VALID"]);
    expect(finding(r, "MRZ_VALID")?.data).toMatchObject({
      source: "image",
      read: { side: "document_front", format: "TD3", lines: PASSPORT, confidence: [0.97, 0.97], fields: { documentNumber: "NXR4K1P07", birthDate: "1984-08-12" } },
    });
    expect((finding(r, "MRZ_VALID")?.data?.read as { checks: { valid: boolean }[] }).checks.every((c) => c.valid)).toBe(true);
  });

  it("catches a printed birth date edited while the MRZ keeps the original", async () => {
    const r = await run(readerOf({ document_front: PASSPORT }).reader, declaredFor({ dateOfBirth: "1990-08-12" }));
    expect(r.status).toBe("failed");
    expect(r.score).toBeGreaterThanOrEqual(80);
    expect(r.findings.find((f) => f.code === "MRZ_MISMATCH")).toMatchObject({ severity: "critical", data: { fields: ["date_of_birth"], compared: "mrz_and_declared", source: "image" } });
  });

  it("catches a declared document number the image's MRZ does not carry", async () => {
    const r = await run(readerOf({ document_front: PASSPORT }).reader, declaredFor({ documentNumber: "NXR4K1P08" }));
    expect(r.status).toBe("failed");
    expect(finding(r, "MRZ_MISMATCH")?.data?.fields).toEqual(["document_number"]);
  });

  it("fails client-sent lines with a wrong check digit, naming the check digit", async () => {
    const sent = edit(PASSPORT, 1, 9, wrongDigit(PASSPORT[1][9]));
    const r = await run(null, declaredFor({ mrz: sent }));
    expect(r.status).toBe("failed");
    expect(r.score).toBeGreaterThanOrEqual(80);
    expect(finding(r, "MRZ_CHECKSUM_FAILED")).toMatchObject({ severity: "critical", data: { source: "sent", checks: ["document_number", "composite"] } });
  });

  it("passes valid client-sent lines when no reader is available", async () => {
    const r = await run(null, declaredFor({ mrz: PASSPORT }));
    expect(r.status).toBe("passed");
    expect(finding(r, "MRZ_VALID")?.data).toMatchObject({ source: "sent" });
  });

  it("finds the image's MRZ and the client's lines disagreeing", async () => {
    const other = td3Lines({ ...holder, documentNumber: "NXR4K1P99" });
    const r = await run(readerOf({ document_front: PASSPORT }).reader, declaredFor({ mrz: other }));
    expect(r.status).toBe("failed");
    expect(r.findings.filter((f) => f.code === "MRZ_MISMATCH").map((f) => f.data)).toEqual([{ fields: ["document_number"], compared: "image_and_sent_lines" }]);
  });

  it("fails an image MRZ whose check digit was not recomputed by a forger", async () => {
    // The birth year edited in the zone (84 → 94), the check digits left as they were.
    const forged = edit(PASSPORT, 1, 13, "9");
    const r = await run(readerOf({ document_front: forged }).reader, declaredFor({ dateOfBirth: "1994-08-12" }));
    expect(r.status).toBe("failed");
    expect(finding(r, "MRZ_CHECKSUM_FAILED")?.data).toMatchObject({ source: "image", checks: ["date_of_birth", "composite"], read: { lines: forged } });
  });

  it("rejects an expired document and an underage applicant", async () => {
    const expired = td3Lines({ ...holder, expiryDate: "2025-06-30" });
    const r = await run(readerOf({ document_front: expired }).reader, declaredFor({ documentExpiry: "2025-06-30" }));
    expect(r.status).toBe("failed");
    expect(finding(r, "DOCUMENT_EXPIRED")).toMatchObject({ severity: "critical", data: { source: "mrz" } });

    const minor = td3Lines({ ...holder, birthDate: "2010-05-01" });
    const young = await run(readerOf({ document_front: minor }).reader, declaredFor({ dateOfBirth: "2010-05-01" }), undefined, 18);
    expect(young.status).toBe("failed");
    expect(finding(young, "UNDERAGE")).toMatchObject({ severity: "critical", data: { minimum_age: 18, source: "mrz" } });
    const noLimit = await run(readerOf({ document_front: minor }).reader, declaredFor({ dateOfBirth: "2010-05-01" }), undefined, null);
    expect(noLimit.status).toBe("passed");
  });

  it("warns, never rejects, when no MRZ can be read and none was sent", async () => {
    const { reader, asked } = readerOf({});
    const r = await run(reader, declaredFor({ documentType: "id_card" }), ["document_front", "document_back", "selfie"]);
    expect(asked).toEqual(["document_back", "document_front"]);
    expect(r.status).toBe("warning");
    expect(r.score).toBeGreaterThan(0);
    expect(r.score).toBeLessThanOrEqual(20);
    expect(r.findings).toEqual([expect.objectContaining({ code: "MRZ_UNREADABLE", severity: "warning" })]);
  });

  it("is skipped with the reason when there is no reader and no lines were sent", async () => {
    const r = await run(null, declaredFor());
    expect(r).toMatchObject({ status: "skipped", score: 0 });
    expect(r.findings).toEqual([expect.objectContaining({ code: "MRZ_UNREADABLE", severity: "info", data: { reason: "no_reader" } })]);
    const failing = await run(readerOf({ document_front: new Error("model file missing") }).reader, declaredFor());
    expect(failing).toMatchObject({ status: "skipped", findings: [{ code: "MRZ_UNREADABLE", data: { reason: "error", error: "model file missing" } }] });
  });

  it("still rejects a declared expiry in the past when the MRZ could not be read", async () => {
    const r = await run(null, declaredFor({ documentExpiry: "2026-12-02" }));
    expect(r.status).toBe("failed");
    expect(codes(r)).toEqual(["DOCUMENT_EXPIRED", "MRZ_UNREADABLE"]);
    expect(finding(r, "DOCUMENT_EXPIRED")?.data).toEqual({ source: "declared" });
  });

  it("reads a TD1 card's MRZ on the back without reading the front", async () => {
    const { reader, asked } = readerOf({ document_back: ID_CARD, document_front: PASSPORT });
    const r = await run(reader, declaredFor({ documentType: "id_card" }), ["document_front", "document_back", "selfie"]);
    expect(asked).toEqual(["document_back"]);
    expect(r.status).toBe("passed");
    expect(finding(r, "MRZ_VALID")?.data).toMatchObject({ read: { side: "document_back", format: "TD1" } });
  });

  it("falls back to the front when the back's reading does not hold", async () => {
    const smudged = edit(ID_CARD, 1, 6, wrongDigit(ID_CARD[1][6]));
    const { reader, asked } = readerOf({ document_back: smudged, document_front: PASSPORT });
    const r = await run(reader, declaredFor(), ["document_front", "document_back"]);
    expect(asked).toEqual(["document_back", "document_front"]);
    expect(r.status).toBe("passed");
    expect(finding(r, "MRZ_VALID")?.data).toMatchObject({ read: { side: "document_front", format: "TD3" } });
  });

  it("reads a TD2 zone", async () => {
    const top = `I<NLD${"ERIKSSON<<ANNA<MARIA".padEnd(31, "<")}`;
    const body = `NXR4K1P07${checkDigit("NXR4K1P07")}NLD840812${checkDigit("840812")}F320109${checkDigit("320109")}<<<<<<<`;
    const composite = checkDigit(body.slice(0, 10) + body.slice(13, 20) + body.slice(21, 35));
    const r = await run(readerOf({ document_front: [top, body + composite] }).reader, declaredFor({ documentType: "id_card" }));
    expect(r.status).toBe("passed");
    expect(finding(r, "MRZ_VALID")?.data).toMatchObject({ read: { format: "TD2" } });
  });

  it("reads the image once per run for every layer that asks", async () => {
    const { reader, asked } = readerOf({ document_front: PASSPORT });
    const evidence = new MrzEvidence(reader);
    const first = await evidence.of(inputs(declaredFor()), ctx);
    const second = await evidence.of(inputs(declaredFor()), ctx);
    await mrzLayer(evidence).run(inputs(declaredFor()), ctx);
    expect(asked).toEqual(["document_front"]);
    expect(second).toBe(first);
    expect(first).toMatchObject({ source: "image", parsed: { valid: true, fields: { documentNumber: "NXR4K1P07" } }, declaredParsed: null });
  });
});
