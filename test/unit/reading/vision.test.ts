/**
 * Reading the printed side with a vision model, in Node: how answers are accepted or refused (src/reading/vision.ts)
 * and how the Workers AI adapter asks each model family and survives its failures, driven through the stand-in of
 * the binding's `run()` contract (test/helpers/ai-stand-in.ts).
 */
import { describe, expect, it } from "vitest";
import { answerOf, dataUri, workersAiVision } from "../../../src/adapters/ai/workers-ai-vision";
import { VISION_JSON_SCHEMA, VisionError, compareDocumentType, compareFields, extractJsonObject, isIsoDate, parseVisionAnswer, sameDocumentNumber, sameName, visionReadingSchema } from "../../../src/reading/vision";
import type { FieldValues, VisionReading } from "../../../src/reading/vision";
import { fromBase64 } from "../../../src/lib/encoding";
import { aiStandIn, openAiRefusal } from "../../helpers/ai-stand-in";

const ANNA: VisionReading = {
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
const IMAGE = { bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 250, 251, 0xff, 0xd9]), contentType: "image/jpeg" };
const SCOUT = "@cf/meta/llama-4-scout-17b-16e-instruct";
const GEMMA4 = "@cf/google/gemma-4-26b-a4b-it";
const GEMMA3 = "@cf/google/gemma-3-12b-it";
const LLAMA32 = "@cf/meta/llama-3.2-11b-vision-instruct";

async function rejection(promise: Promise<unknown>): Promise<VisionError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VisionError);
  return err as VisionError;
}

describe("accepting a model's answer", () => {
  it("takes a well-formed JSON answer as it is", () => {
    expect(parseVisionAnswer(JSON.stringify(ANNA))).toEqual(ANNA);
  });

  it("finds the JSON inside code fences and around prose", () => {
    const fenced = `Sure! Here is what the document says:\n\`\`\`json\n${JSON.stringify(ANNA, null, 2)}\n\`\`\`\nLet me know if you need more.`;
    expect(parseVisionAnswer(fenced)).toEqual(ANNA);
    expect(parseVisionAnswer(`The reading: ${JSON.stringify({ ...ANNA, surname: "O'BRIEN {JR}" })} — done.`).surname).toBe("O'BRIEN {JR}");
  });

  it("takes an object the binding already parsed (JSON mode), with omitted keys and blanks as null", () => {
    const reading = parseVisionAnswer({ document_type: "Passport", surname: "ERIKSSON", date_of_birth: "unknown", expiry_date: "", extra: 1 });
    expect(reading).toEqual({ ...Object.fromEntries(Object.keys(ANNA).map((k) => [k, null])), document_type: "passport", surname: "ERIKSSON" });
  });

  it("folds the type spellings models use", () => {
    expect(parseVisionAnswer({ document_type: "Driver's License" }).document_type).toBe("driving_licence");
    expect(parseVisionAnswer({ document_type: "identity card" }).document_type).toBe("id_card");
  });

  it("rejects malformed JSON as malformed, never as a reading", async () => {
    expect(() => parseVisionAnswer('{"surname": "ERIKSSON", "given_names": ')).toThrow(VisionError);
    for (const answer of ['{"surname": "ERIKSSON", "given_names": }', "The holder is Anna Maria Eriksson.", 42, ["passport"]]) {
      try {
        parseVisionAnswer(answer);
        expect.unreachable();
      } catch (err) {
        expect((err as VisionError).kind).toBe("malformed");
      }
    }
  });

  it("recognises a refusal", () => {
    try {
      parseVisionAnswer("I'm sorry, but I can't help with reading personal identity documents.");
      expect.unreachable();
    } catch (err) {
      expect((err as VisionError).kind).toBe("refused");
    }
  });

  it("rejects an answer off the schema and names the fields, not the values", () => {
    try {
      parseVisionAnswer({ ...ANNA, date_of_birth: "12.08.1974", document_type: "spaceship", portrait_present: "yes" });
      expect.unreachable();
    } catch (err) {
      const e = err as VisionError;
      expect(e.kind).toBe("schema");
      expect(e.message).toContain("date_of_birth");
      expect(e.message).toContain("document_type");
      expect(e.message).toContain("portrait_present");
      expect(e.message).not.toContain("12.08.1974");
    }
    expect(() => parseVisionAnswer({ ...ANNA, expiry_date: "2031-02-30" })).toThrow(/expiry_date/);
    expect(() => parseVisionAnswer({ error: "no document" })).toThrow(VisionError);
  });

  it("asks for exactly the keys it checks", () => {
    expect([...VISION_JSON_SCHEMA.required].sort()).toEqual(Object.keys(visionReadingSchema.parse({ surname: "X" })).sort());
  });

  it("knows calendar dates", () => {
    expect(["2024-02-29", "1974-08-12", "2000-02-29"].map(isIsoDate)).toEqual([true, true, true]);
    expect(["2023-02-29", "1900-02-29", "1974-13-01", "1974-8-12", "12.08.1974"].map(isIsoDate)).toEqual([false, false, false, false, false]);
  });

  it("extracts only the first balanced object", () => {
    expect(extractJsonObject('a {"x": "}"} b {"y": 1}')).toBe('{"x": "}"}');
    expect(extractJsonObject("no json here")).toBeNull();
  });
});

describe("the Workers AI adapter", () => {
  it("asks Llama 4 Scout with a data: URI image and Workers AI's JSON mode, and reads {response: object}", async () => {
    const ai = aiStandIn(ANNA);
    expect(await workersAiVision(ai, SCOUT).read(IMAGE)).toEqual(ANNA);
    expect(ai.calls).toHaveLength(1);
    const inputs = ai.calls[0].inputs as { messages: { role: string; content: unknown }[]; response_format: { type: string; json_schema: unknown }; max_tokens: number };
    expect(ai.calls[0].model).toBe(SCOUT);
    expect(inputs.response_format).toEqual({ type: "json_schema", json_schema: VISION_JSON_SCHEMA });
    expect(inputs.max_tokens).toBeGreaterThan(256);
    const user = inputs.messages.find((m) => m.role === "user")!.content as { type: string; image_url?: { url: string } }[];
    const url = user.find((p) => p.type === "image_url")!.image_url!.url;
    expect(url.startsWith("data:image/jpeg;base64,")).toBe(true);
    expect(fromBase64(url.slice("data:image/jpeg;base64,".length))).toEqual(IMAGE.bytes);
    expect(ai.calls[0].signal).toBeInstanceOf(AbortSignal);
  });

  it("asks Gemma 4 OpenAI-style with a strict json_schema and thinking off, and reads choices[0].message.content", async () => {
    const ai = aiStandIn("```json\n" + JSON.stringify(ANNA) + "\n```");
    expect(await workersAiVision(ai, GEMMA4).read(IMAGE)).toEqual(ANNA);
    const inputs = ai.calls[0].inputs as Record<string, unknown>;
    expect(inputs.response_format).toEqual({ type: "json_schema", json_schema: { name: "document_reading", schema: VISION_JSON_SCHEMA, strict: true } });
    expect(inputs.chat_template_kwargs).toEqual({ enable_thinking: false });
  });

  it("asks Gemma 3 with guided_json", async () => {
    const ai = aiStandIn(JSON.stringify(ANNA));
    expect(await workersAiVision(ai, GEMMA3).read(IMAGE)).toEqual(ANNA);
    expect((ai.calls[0].inputs as Record<string, unknown>).guided_json).toEqual(VISION_JSON_SCHEMA);
  });

  it("agrees to the Llama 3.2 licence once per binding before reading, and sends the image bytes", async () => {
    const ai = aiStandIn(`Here is the JSON: ${JSON.stringify(ANNA)}`);
    const vision = workersAiVision(ai, LLAMA32);
    await vision.read(IMAGE);
    await vision.read(IMAGE);
    await workersAiVision(ai, LLAMA32).read(IMAGE);
    expect(ai.calls.map((c) => (c.inputs.prompt === "agree" ? "agree" : "read"))).toEqual(["agree", "read", "read", "read"]);
    expect(ai.calls[1].inputs.image).toEqual(Array.from(IMAGE.bytes));
    expect(JSON.stringify(ai.calls[1].inputs.messages)).toContain("JSON Schema");
  });

  it("tries the licence again after it failed", async () => {
    let first = true;
    const ai = aiStandIn(ANNA);
    const flaky = {
      calls: ai.calls,
      run: (model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }) => {
        if (inputs.prompt === "agree" && first) {
          first = false;
          return Promise.reject(new Error("5016: network"));
        }
        return ai.run(model, inputs, options);
      },
    };
    const vision = workersAiVision(flaky, LLAMA32);
    expect((await rejection(vision.read(IMAGE))).message).toMatch(/licence/);
    expect(await vision.read(IMAGE)).toEqual(ANNA);
  });

  it("turns a binding failure into an upstream error", async () => {
    const err = await rejection(workersAiVision(aiStandIn(new Error("3040: Capacity temporarily exceeded")), SCOUT).read(IMAGE));
    expect(err.kind).toBe("upstream");
    expect(err.message).toContain("3040");
  });

  it("times out and aborts the call", async () => {
    const ai = aiStandIn(ANNA, { delayMs: Number.POSITIVE_INFINITY });
    const started = performance.now();
    const err = await rejection(workersAiVision(ai, SCOUT, { timeoutMs: 50 }).read(IMAGE));
    expect(err.kind).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(ai.calls[0].signal?.aborted).toBe(true);
  });

  it("times out even when the binding ignores the signal", async () => {
    const deaf = { run: () => new Promise<unknown>(() => {}) };
    expect((await rejection(workersAiVision(deaf, SCOUT, { timeoutMs: 30 }).read(IMAGE))).kind).toBe("timeout");
  });

  it("reports refusals, in text and in OpenAI's refusal field", async () => {
    expect((await rejection(workersAiVision(aiStandIn("I cannot assist with identifying individuals from ID documents."), SCOUT).read(IMAGE))).kind).toBe("refused");
    expect((await rejection(workersAiVision(aiStandIn(openAiRefusal(), { shape: "raw" }), GEMMA4).read(IMAGE))).kind).toBe("refused");
  });

  it("reports a malformed or schema-violating answer", async () => {
    expect((await rejection(workersAiVision(aiStandIn('{"surname": "ERIKSSON",'), SCOUT).read(IMAGE))).kind).toBe("malformed");
    expect((await rejection(workersAiVision(aiStandIn({ ...ANNA, issuing_country: 49 }), GEMMA4).read(IMAGE))).kind).toBe("schema");
    expect((await rejection(workersAiVision(aiStandIn({ nothing: true }, { shape: "raw" }), SCOUT).read(IMAGE))).kind).toBe("malformed");
  });

  it("rejects a model it does not know how to ask without calling it", async () => {
    const ai = aiStandIn(ANNA);
    expect((await rejection(workersAiVision(ai, "@cf/unknown/model").read(IMAGE))).kind).toBe("unsupported_model");
    expect(ai.calls).toHaveLength(0);
  });

  it("reads every output shape the binding returns", () => {
    expect(answerOf("{}")).toBe("{}");
    expect(answerOf({ response: { a: 1 } })).toEqual({ a: 1 });
    expect(answerOf({ choices: [{ message: { content: [{ type: "text", text: "{" }, { type: "text", text: "}" }] } }] })).toBe("{}");
  });

  it("writes standard base64 with padding", () => {
    expect(dataUri({ bytes: new Uint8Array([0xfb, 0xff]), contentType: "image/png" })).toBe("data:image/png;base64,+/8=");
  });
});

describe("comparing names, numbers and fields", () => {
  it("matches names across accents, case, transliteration and the order of given names", () => {
    expect(sameName("Müller", "MUELLER")).toBe(true);
    expect(sameName("Muller", "MUELLER")).toBe(true);
    expect(sameName("Strauß", "STRAUSS")).toBe(true);
    expect(sameName("José María", "MARIA JOSE")).toBe(true);
    expect(sameName("Anna", "ANNA MARIA")).toBe(true);
    expect(sameName("van der Berg", "VANDERBERG")).toBe(true);
    expect(sameName("Erika", "ERIK")).toBe(false);
    expect(sameName("Anna Maria", "ANNA LUISA")).toBe(false);
    expect(sameName("Mustermann", "MUSTERFRAU")).toBe(false);
  });

  it("matches document numbers across separators and O/0 confusion, not other digits", () => {
    expect(sameDocumentNumber("L 8989 02C3", "L898902C3")).toBe(true);
    expect(sameDocumentNumber("C01X00T47", "CO1XOOT47")).toBe(true);
    expect(sameDocumentNumber("C01X00T47", "C01X00T48")).toBe(false);
  });

  const values = (v: Partial<FieldValues>): FieldValues => ({ surname: null, given_names: null, date_of_birth: null, document_number: null, expiry_date: null, issuing_country: null, ...v });
  const outcome = (printed: Partial<FieldValues>, declared: Partial<FieldValues>, mrz: Partial<FieldValues> | null) => compareFields(values(printed), values(declared), mrz && values(mrz)).find((c) => c.outcome !== "unchecked") ?? null;

  it("never lets the model outweigh a valid MRZ that the declared data agrees with", () => {
    expect(outcome({ date_of_birth: "1974-08-18" }, { date_of_birth: "1974-08-12" }, { date_of_birth: "1974-08-12" })).toEqual({ field: "date_of_birth", outcome: "model_misread", against: [] });
    expect(outcome({ document_number: "L898902C8" }, {}, { document_number: "L898902C3" })?.outcome).toBe("model_misread");
  });

  it("reports a printed field edited away from the MRZ, as the declared data repeats it", () => {
    expect(outcome({ date_of_birth: "1979-08-12" }, { date_of_birth: "1979-08-12" }, { date_of_birth: "1974-08-12" })).toEqual({ field: "date_of_birth", outcome: "mismatch", against: ["mrz"] });
  });

  it("reports a document that says another name than the declared one, with or without an MRZ", () => {
    expect(outcome({ surname: "ERIKSSON" }, { surname: "Andersson" }, { surname: "ERIKSSON" })).toEqual({ field: "surname", outcome: "mismatch", against: ["declared"] });
    expect(outcome({ surname: "ERIKSSON" }, { surname: "Andersson" }, null)).toEqual({ field: "surname", outcome: "mismatch", against: ["declared"] });
    expect(outcome({ surname: "ERIKSSON" }, { surname: "Eriksson" }, null)?.outcome).toBe("agrees");
  });

  it("lets a full MRZ name field cut the names short", () => {
    const printed = values({ given_names: "MARIA ALEXANDRA KONSTANTINA" });
    const mrz = values({ given_names: "MARIA ALEXANDRA KONST" });
    expect(compareFields(printed, values({}), mrz, { mrzNamesTruncated: true })[1].outcome).toBe("agrees");
    // Without the truncation allowance the longer printed names would contradict the MRZ (no check digit covers names).
    expect(compareFields(printed, values({}), mrz)[1].outcome).toBe("mismatch");
  });

  it("reports a printed name that differs from a valid MRZ even when the declared name agrees with the MRZ: no check digit covers names", () => {
    expect(outcome({ surname: "OTHERNAME" }, { surname: "Eriksson" }, { surname: "ERIKSSON" })).toEqual({ field: "surname", outcome: "mismatch", against: ["mrz", "declared"] });
  });

  it("compares the document type with the declared one, trusting a valid MRZ's document code", () => {
    expect(compareDocumentType("passport", "passport", null)).toBe("agrees");
    expect(compareDocumentType("id_card", "passport", null)).toBe("mismatch");
    expect(compareDocumentType("id_card", "passport", "P")).toBe("model_misread");
    expect(compareDocumentType("driving_licence", "passport", "ID")).toBe("mismatch");
    expect(compareDocumentType(null, "passport", null)).toBe("unchecked");
  });
});
