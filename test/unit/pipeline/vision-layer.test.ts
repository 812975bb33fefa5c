/**
 * The `vision` layer in Node, over the Workers AI adapter and the binding stand-in (test/helpers/ai-stand-in.ts),
 * with the MRZ from the run's real MrzEvidence (client-sent lines: the ICAO 9303 specimen, Anna Maria Eriksson).
 */
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { workersAiVision } from "../../../src/adapters/ai/workers-ai-vision";
import { decodeBounded } from "../../../src/face/decode";
import { makeImage } from "../../../src/face/image";
import { fromBase64 } from "../../../src/lib/encoding";
import { decodeOnce } from "../../../src/pipeline/images";
import { MrzEvidence } from "../../../src/pipeline/layers/mrz";
import { VISION_MAX_SIDE, visionImage, visionLayer } from "../../../src/pipeline/layers/vision";
import type { DeclaredData, LayerResult, MediaInput, PipelineInputs } from "../../../src/pipeline/types";
import type { VisionReading } from "../../../src/reading/vision";
import { aiStandIn } from "../../helpers/ai-stand-in";
import type { StandInAnswer } from "../../helpers/ai-stand-in";

const MODEL = "@cf/meta/llama-4-scout-17b-16e-instruct";
const SPECIMEN_MRZ = ["P<NLDERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36NLD7408122F3204153<<<<<<<<<<<<<<04"];
const PRINTED: VisionReading = {
  document_type: "passport",
  issuing_country: "NLD",
  surname: "ERIKSSON",
  given_names: "ANNA MARIA",
  date_of_birth: "1974-08-12",
  document_number: "L898902C3",
  expiry_date: "2032-04-15",
  portrait_present: true,
  screen_or_photocopy: false,
};
const DECLARED: DeclaredData = {
  firstName: "Anna",
  lastName: "Eriksson",
  dateOfBirth: "1974-08-12",
  country: "NL",
  documentType: "passport",
  documentNumber: "L898902C3",
  documentIssuingCountry: "NL",
  documentExpiry: "2032-04-15",
  mrz: null,
};

/** A synthetic document photo (a gradient with stripes, so the JPEG is not trivially small). */
function jpeg(width: number, height: number, quality = 90): Uint8Array {
  const img = makeImage(width, height, (x, y) => [(x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256]);
  const photon = new PhotonImage(new Uint8Array(img.data.buffer), width, height);
  try {
    return photon.get_bytes_jpeg(quality);
  } finally {
    photon.free();
  }
}

const FRONT = jpeg(1600, 1000);
const media = (bytes: Uint8Array): MediaInput => ({ kind: "document_front", bytes, contentType: "image/jpeg", sha256: `sha-${bytes.byteLength}` });
const inputs = (declared: Partial<DeclaredData> = {}, front: Uint8Array | null = FRONT): PipelineInputs => ({
  verificationId: "ver_vision",
  tenantId: "ten_1",
  declared: { ...DECLARED, ...declared },
  media: front ? [media(front)] : [],
  request: { country: null, ip: null },
});
const ctx = () => ({ clock: () => performance.now(), today: "2026-12-03", images: decodeOnce() });

async function run(answer: StandInAnswer | null, input: PipelineInputs, timeoutMs?: number): Promise<LayerResult & { ai: ReturnType<typeof aiStandIn> | null }> {
  const ai = answer === null ? null : aiStandIn(answer, timeoutMs ? { delayMs: Number.POSITIVE_INFINITY } : {});
  const layer = visionLayer(ai ? workersAiVision(ai, MODEL, { timeoutMs }) : null, new MrzEvidence(null));
  return { ...(await layer.run(input, ctx())), ai };
}

const codes = (r: LayerResult) => r.findings.map((f) => f.code);

describe("vision layer", () => {
  it("without an AI binding is skipped with the reason, and the run goes on", async () => {
    const r = await run(null, inputs());
    expect(r.status).toBe("skipped");
    expect(r.findings).toEqual([expect.objectContaining({ code: "VISION_UNAVAILABLE", severity: "info", data: { reason: "no AI binding" } })]);
  });

  it("finds the printed fields consistent when they agree with the declared data", async () => {
    const r = await run(PRINTED, inputs());
    expect(r.status).toBe("passed");
    expect(codes(r)).toEqual(["VISION_CONSISTENT"]);
    expect(r.findings[0].data).toMatchObject({ model: MODEL, agreed: ["surname", "given_names", "date_of_birth", "document_number", "expiry_date", "issuing_country"], read: PRINTED });
  });

  it("reports a printed name that differs from the declared one, naming the field and never the values", async () => {
    const r = await run({ ...PRINTED, surname: "ANDERSSON" }, inputs());
    expect(r.status).toBe("warning");
    expect(r.score).toBeGreaterThan(0);
    const mismatch = r.findings.find((f) => f.code === "VISION_FIELD_MISMATCH")!;
    expect(mismatch.severity).toBe("warning");
    expect(mismatch.data).toMatchObject({ fields: ["surname"], against: { surname: ["declared"] } });
    expect(mismatch.message).not.toMatch(/ANDERSSON|ERIKSSON/i);
    expect(JSON.stringify({ ...mismatch.data, read: undefined })).not.toMatch(/ANDERSSON|ERIKSSON/i);
  });

  it("trusts a valid MRZ over a model that misreads the birth date, when the declared data agrees with the MRZ", async () => {
    const r = await run({ ...PRINTED, date_of_birth: "1974-06-12" }, inputs({ mrz: SPECIMEN_MRZ }));
    expect(r.status).toBe("passed");
    expect(codes(r)).toEqual(["VISION_CONSISTENT"]);
    expect(r.findings[0].data).toMatchObject({ mrz_anchor: true, model_misread: ["date_of_birth"] });
  });

  it("without the MRZ the same misreading is a mismatch (the MRZ is what makes it a misreading)", async () => {
    const r = await run({ ...PRINTED, date_of_birth: "1974-06-12" }, inputs());
    expect(codes(r)).toContain("VISION_FIELD_MISMATCH");
  });

  it("reports a printed birth date edited away from the MRZ while the declared data repeats the edit", async () => {
    const r = await run({ ...PRINTED, date_of_birth: "1979-08-12" }, inputs({ mrz: SPECIMEN_MRZ, dateOfBirth: "1979-08-12" }));
    const mismatch = r.findings.find((f) => f.code === "VISION_FIELD_MISMATCH")!;
    expect(mismatch.data).toMatchObject({ fields: ["date_of_birth"], against: { date_of_birth: ["mrz"] } });
    expect(mismatch.message).toContain("machine-readable zone");
  });

  it("reports a document type other than the declared one", async () => {
    const r = await run({ ...PRINTED, document_type: "driving_licence" }, inputs());
    expect(codes(r)).toEqual(["DOC_TYPE_MISMATCH"]);
    expect(r.status).toBe("warning");
  });

  it("reports a picture of a screen or a photocopy", async () => {
    const r = await run({ ...PRINTED, screen_or_photocopy: true }, inputs());
    expect(codes(r)).toEqual(["DOC_SCREEN_OR_COPY"]);
    expect(r.findings[0].severity).toBe("warning");
    expect(r.findings[0].data).toMatchObject({ read: { screen_or_photocopy: true } });
  });

  it("is skipped with the reason on a malformed answer, a refusal or a timeout — never failed", async () => {
    for (const [answer, reason, timeout] of [
      ['{"surname": "ERIKSSON", "given', /no JSON object|not valid JSON/, undefined],
      ["I'm sorry, I can't help with that.", /declined/, undefined],
      [{ ...PRINTED, date_of_birth: "12/08/1974" }, /date_of_birth/, undefined],
      [PRINTED, /within 40 ms/, 40],
      [new Error("3040: Capacity temporarily exceeded"), /3040/, undefined],
    ] as const) {
      const r = await run(answer, inputs(), timeout);
      expect(r.status, String(reason)).toBe("skipped");
      expect(r.score).toBe(0);
      expect(codes(r)).toEqual(["VISION_UNAVAILABLE"]);
      expect(String(r.findings[0].data?.reason)).toMatch(reason);
    }
  });

  it("without a document image is skipped, and the model is not asked", async () => {
    const r = await run(PRINTED, inputs({}, null));
    expect(r.status).toBe("skipped");
    expect(r.ai?.calls).toHaveLength(0);
  });

  it("sends a large photo as a JPEG of at most 1024 px a side", async () => {
    const r = await run(PRINTED, inputs());
    const parts = (r.ai!.calls[0].inputs.messages as { content: unknown }[])[1].content as { type: string; image_url?: { url: string } }[];
    const url = parts.find((p) => p.type === "image_url")!.image_url!.url;
    expect(url.startsWith("data:image/jpeg;base64,")).toBe(true);
    const sent = decodeBounded(fromBase64(url.split(",")[1]), 10_000, 1e9);
    expect([sent.image.width, sent.image.height]).toEqual([VISION_MAX_SIDE, 640]);
  });
});

describe("the picture sent", () => {
  it("is the upload itself when it is a small upright JPEG", () => {
    const small = jpeg(800, 500);
    const image = visionImage(media(small), decodeBounded(small));
    expect(image.bytes).toBe(small);
  });

  it("is shrunk and re-encoded when large, small enough for a request", () => {
    const big = jpeg(1600, 1200, 95);
    const started = performance.now();
    const image = visionImage(media(big), decodeBounded(big));
    const ms = performance.now() - started;
    const sent = decodeBounded(image.bytes, 10_000, 1e9);
    expect(image.contentType).toBe("image/jpeg");
    expect(Math.max(sent.image.width, sent.image.height)).toBe(VISION_MAX_SIDE);
    expect(image.bytes.byteLength).toBeLessThan(big.byteLength);
    console.info(`vision image: 1600×1200 → ${sent.image.width}×${sent.image.height}, ${image.bytes.byteLength} bytes, ${ms.toFixed(1)} ms`);
  });
});
