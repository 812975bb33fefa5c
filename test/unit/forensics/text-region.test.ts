/**
 * A re-typed field, the way a forger makes one (scripts/docgen: the printed value covered with background painted
 * across it, a new value typed in the same font, the photo saved once more by an editor): the `ela` layer must find
 * the band where the field was, call it `text_region` and give its box, while the untouched phone photo and the same
 * photo merely re-saved (double compression without an edit) report no region. Documents from the generator's
 * TUNING split (its layouts, fonts and editor tables), as the thresholds were tuned there.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { photograph, randomHolder, renderDocument, SPLITS, tamper, type Box, type Photo } from "../../../scripts/docgen/index.mjs";
import { analyseDoubleCompression } from "../../../src/imaging/jpeg/double-compression";
import { elaLayer } from "../../../src/pipeline/layers/ela";
import { JpegEvidence, MAX_GRADED_FINER_RISK, gradedFinerRisk, jpegLayer } from "../../../src/pipeline/layers/jpeg";
import { decodeOnce } from "../../../src/pipeline/images";
import type { Finding, LayerContext, PipelineInputs } from "../../../src/pipeline/types";

const root = path.resolve(__dirname, "../../..");
const demo = (n: number) => new Uint8Array(readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function inputsFor(bytes: Uint8Array): PipelineInputs {
  return {
    verificationId: "v",
    tenantId: "t",
    declared: { firstName: "A", lastName: "B", dateOfBirth: "1990-01-01", country: null, documentType: "id_card", documentNumber: null, documentIssuingCountry: null, documentExpiry: null, mrz: null },
    media: [{ kind: "document_front", bytes, contentType: "image/jpeg", sha256: `${bytes.length}:${bytes[bytes.length - 3]}` }],
    request: { country: null, ip: null },
  };
}

async function runLayers(bytes: Uint8Array) {
  const evidence = new JpegEvidence();
  const ctx: LayerContext = { clock: () => performance.now(), today: "2026-12-03", images: decodeOnce() };
  const inputs = inputsFor(bytes);
  const jpeg = await jpegLayer(evidence).run(inputs, ctx);
  const ela = await elaLayer(evidence).run(inputs, ctx);
  return { jpeg, ela };
}

const tamperFindings = (findings: Finding[]) => findings.filter((f) => f.code === "DOC_TAMPER_SUSPECTED");

describe("a re-typed field is localised as a text_region", () => {
  const photos: Photo[] = [];

  beforeAll(async () => {
    for (const [seed, quality] of [
      [21, 90],
      [22, 86],
    ] as const) {
      const flat = await renderDocument({ kind: "td1", holder: randomHolder(seed), face: demo(1), layout: seed % 2 ? "blue-left" : "rose-right", fonts: SPLITS.tuning.fonts, seed });
      photos.push(await photograph(flat, { seed, width: 1600, quality, tables: "ijg" }));
    }
  }, 60_000);

  it.each([0, 1])("tuning document %i: the editor-saved re-typed field is DOC_TAMPER_SUSPECTED (text_region) with a box on the field", async (i) => {
    const forged = await tamper(photos[i], { type: "alter_text", seed: 40 + i, split: "tuning", editorTable: "save-as-10", exifMode: "stripped" });
    const { ela } = await runLayers(forged.bytes);
    const found = tamperFindings(ela.findings);
    expect(found.map((f) => f.data?.kind)).toEqual(["text_region"]);
    expect(ela.status).toBe("failed");
    expect(ela.score).toBeGreaterThanOrEqual(85);
    const regions = found[0].data!.regions as (Box & { shape: string })[];
    expect(regions[0].shape).toBe("line");
    expect(overlaps(regions[0], forged.truth.box!)).toBe(true);
    // The reported box is the field's band, not half the card.
    expect(regions[0].width * regions[0].height).toBeLessThan(4 * forged.truth.box!.width * forged.truth.box!.height);
    expect(ela.artifacts?.map((a) => a.name)).toEqual(["ela"]);
  }, 60_000);

  it.each([0, 1])("tuning document %i untouched, and the same photo re-saved at quality 95 without an edit: no region, no tamper finding", async (i) => {
    const genuine = await runLayers(photos[i].bytes);
    expect(tamperFindings(genuine.ela.findings)).toEqual([]);
    expect(genuine.ela.score).toBe(0);
    const resaved = await tamper(photos[i], { type: "double_compression", seed: 60 + i, split: { ...SPLITS.tuning, resaveQualities: [95] } });
    const { ela, jpeg } = await runLayers(resaved.bytes);
    expect(tamperFindings(ela.findings)).toEqual([]);
    // The re-save itself is what the jpeg layer reports.
    expect(jpeg.findings.map((f) => f.code)).toContain("JPEG_DOUBLE_COMPRESSED");
  }, 60_000);

  it("regions carry their shape and score; the file's anomaly score is the best region's", async () => {
    const forged = await tamper(photos[0], { type: "alter_text", seed: 40, split: "tuning", editorTable: "save-as-10", exifMode: "stripped" });
    const result = analyseDoubleCompression(forged.bytes);
    expect(result.regions.length).toBeGreaterThan(0);
    expect(result.anomalyScore).toBe(Math.max(...result.regions.map((r) => r.score)));
    const line = result.regions.find((r) => r.shape === "line")!;
    expect(line.width).toBeGreaterThanOrEqual(2.5 * line.height);
  }, 60_000);
});

describe("gradedFinerRisk", () => {
  it("is 0 without a finer-first trace and rises with it, staying below a reported double compression's 40", () => {
    expect(gradedFinerRisk(0)).toBe(0);
    expect(gradedFinerRisk(Number.NaN)).toBe(0);
    expect(gradedFinerRisk(1)).toBeGreaterThan(0);
    expect(gradedFinerRisk(10)).toBeLessThan(gradedFinerRisk(30));
    expect(gradedFinerRisk(1e6)).toBe(MAX_GRADED_FINER_RISK);
    expect(MAX_GRADED_FINER_RISK).toBeLessThan(40);
  });
});
