/**
 * The {@link VisionModel} port over the Workers AI binding (`env.AI`). Each supported model family is asked the way
 * its catalogue schema says, and every way the call can go wrong — a binding error, a timeout, a refusal, a
 * malformed or off-schema answer — rejects with a {@link VisionError}, which the `vision` layer turns into `skipped`.
 *
 * What the Workers AI catalogue says (cloudflare/cloudflare-docs, src/content/workers-ai-models/*.json, read
 * 2026-12-03, and https://developers.cloudflare.com/workers-ai/json-mode/):
 * - `@cf/google/gemma-4-26b-a4b-it` (added 2026-04-02; vision, reasoning; context 256k): OpenAI chat-completions
 *   input — `messages` whose user `content` is an array of `{type:"text"}` and `{type:"image_url", image_url:{url}}`
 *   parts; `response_format: {type:"json_schema", json_schema:{name, schema, strict}}`; `max_completion_tokens`;
 *   `chat_template_kwargs.enable_thinking` defaults to TRUE, so it is turned off (thinking tokens would eat the
 *   budget and the time). Output is OpenAI-shaped: `choices[0].message.content` (string), or `.refusal`.
 *   Not yet in @cloudflare/workers-types 4.20260426's model list, so it goes through the untyped `run` overload.
 * - `@cf/meta/llama-4-scout-17b-16e-instruct` (context 131k): `messages` with `image_url.url` that MUST be a `data:`
 *   URI ("HTTP URL will not be accepted"); JSON mode as `response_format: {type:"json_schema", json_schema:<schema>}`
 *   (the schema itself, Workers AI's own convention); `max_tokens` defaults to 256. Output `{response}` — a string,
 *   or already an object in JSON mode.
 * - `@cf/google/gemma-3-12b-it`: the same messages and `image_url` data URI; constrained output through
 *   `guided_json: <schema>` (it has no `response_format`). Output `{response: string}`.
 * - `@cf/meta/llama-3.2-11b-vision-instruct`: the Meta licence must be accepted once per account by sending
 *   `{prompt: "agree"}` to the model (docs' note on the model page); we send it once per isolate and binding before
 *   the first reading. The image goes as `image: number[]` (bytes 0–255) next to string-content messages; no JSON
 *   mode, so the schema is in the prompt and the answer is parsed leniently. Output `{response: string}`.
 * - Input size: the catalogue gives no per-image limit for these models; we send a JPEG of at most 1024 px a side
 *   (≈ 100–250 KB, a third more as base64), well inside request limits and the models' own input resolutions.
 */
import type { VisionImage, VisionModel, VisionReading } from "../../reading/vision";
import { VISION_JSON_SCHEMA, VISION_SYSTEM_PROMPT, VISION_USER_PROMPT, VisionError, isVisionError, parseVisionAnswer } from "../../reading/vision";
import { toBase64Url } from "../../lib/encoding";

/** The part of the `Ai` binding used here (the real binding fits it through its untyped `run` overload). */
export interface AiRunner {
  run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

type Family = "openai" | "llama4" | "guided" | "llama32";

/** The models this adapter knows how to ask, and how. */
export const VISION_MODEL_FAMILIES: Record<string, Family> = {
  "@cf/google/gemma-4-26b-a4b-it": "openai",
  "@cf/meta/llama-4-scout-17b-16e-instruct": "llama4",
  "@cf/google/gemma-3-12b-it": "guided",
  "@cf/meta/llama-3.2-11b-vision-instruct": "llama32",
};

/** A reading takes 2–8 s on these models; past this the verification goes on without it. */
export const VISION_TIMEOUT_MS = 15_000;

/** The answer is ~150 tokens; room for a model that adds a sentence around it, not for an essay. */
const MAX_ANSWER_TOKENS = 512;

export interface WorkersAiVisionOptions {
  timeoutMs?: number;
}

/**
 * A VisionModel over Workers AI. Never throws here: an unknown model id rejects each `read` with
 * `unsupported_model`, so a mistyped setting skips the layer instead of failing verifications.
 *
 * @example
 * const vision = workersAiVision(env.AI, settings.vision_model);
 * const reading = await vision.read({ bytes: jpeg, contentType: "image/jpeg" }); // rejects with VisionError
 */
export function workersAiVision(ai: AiRunner, model: string, options: WorkersAiVisionOptions = {}): VisionModel {
  const timeoutMs = options.timeoutMs ?? VISION_TIMEOUT_MS;
  return {
    model,
    async read(image: VisionImage): Promise<VisionReading> {
      const family = VISION_MODEL_FAMILIES[model];
      if (!family) throw new VisionError("unsupported_model", `no request format known for model ${model}`);
      try {
        return await withTimeout(timeoutMs, async (signal) => {
          if (family === "llama32") await acceptLlamaLicence(ai, model, signal);
          const output = await ai.run(model, request(family, image), { signal });
          return parseVisionAnswer(answerOf(output));
        });
      } catch (err) {
        if (isVisionError(err)) throw err;
        throw new VisionError("upstream", `Workers AI call failed: ${describe(err)}`, { cause: err });
      }
    },
  };
}

/**
 * The request body for a model family.
 *
 * @example
 * request("llama4", { bytes, contentType: "image/jpeg" }).response_format // { type: "json_schema", json_schema: {...} }
 */
export function request(family: Family, image: VisionImage): Record<string, unknown> {
  const system = { role: "system", content: VISION_SYSTEM_PROMPT };
  if (family === "llama32") {
    return {
      messages: [system, { role: "user", content: `${VISION_USER_PROMPT}\nThe JSON Schema of the answer: ${JSON.stringify(VISION_JSON_SCHEMA)}` }],
      image: Array.from(image.bytes),
      max_tokens: MAX_ANSWER_TOKENS,
      temperature: 0,
    };
  }
  const user = {
    role: "user",
    content: [
      { type: "text", text: VISION_USER_PROMPT },
      { type: "image_url", image_url: { url: dataUri(image) } },
    ],
  };
  const messages = [system, user];
  if (family === "openai") {
    return {
      messages,
      response_format: { type: "json_schema", json_schema: { name: "document_reading", schema: VISION_JSON_SCHEMA, strict: true } },
      chat_template_kwargs: { enable_thinking: false },
      max_completion_tokens: MAX_ANSWER_TOKENS,
      temperature: 0,
    };
  }
  if (family === "guided") return { messages, guided_json: VISION_JSON_SCHEMA, max_tokens: MAX_ANSWER_TOKENS, temperature: 0 };
  return { messages, response_format: { type: "json_schema", json_schema: VISION_JSON_SCHEMA }, max_tokens: MAX_ANSWER_TOKENS, temperature: 0 };
}

/** `data:<type>;base64,<standard base64 with padding>` (the helper in lib/encoding writes the URL-safe alphabet). */
export function dataUri(image: VisionImage): string {
  const url = toBase64Url(image.bytes);
  const b64 = url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (url.length % 4)) % 4);
  return `data:${image.contentType};base64,${b64}`;
}

/**
 * The model's answer out of any output shape the binding returns: `{response: string | object}` (Workers AI's
 * own), OpenAI's `{choices: [{message: {content | refusal}}]}`, or a bare string. Throws VisionError.
 */
export function answerOf(output: unknown): unknown {
  if (typeof output === "string") return output;
  if (typeof output !== "object" || output === null) throw new VisionError("malformed", "Workers AI returned no answer");
  const o = output as { response?: unknown; choices?: { message?: { content?: unknown; refusal?: unknown } }[] };
  if (o.response !== undefined && o.response !== null) return o.response;
  const message = Array.isArray(o.choices) ? o.choices[0]?.message : undefined;
  if (message) {
    if (typeof message.refusal === "string" && message.refusal.trim()) throw new VisionError("refused", "the model declined to read the document");
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) return message.content.map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : "")).join("");
  }
  throw new VisionError("malformed", "Workers AI returned no answer text");
}

/** Per binding (one per isolate in a Worker): the licence agreement, sent once. */
const licences = new WeakMap<object, Promise<void>>();

async function acceptLlamaLicence(ai: AiRunner, model: string, signal: AbortSignal): Promise<void> {
  let pending = licences.get(ai);
  if (!pending) {
    pending = ai.run(model, { prompt: "agree" }, { signal }).then(() => undefined);
    licences.set(ai, pending);
    // A failed agreement is not remembered: the next reading tries again.
    pending.catch(() => licences.delete(ai));
  }
  try {
    await pending;
  } catch (err) {
    throw new VisionError("upstream", `the Llama 3.2 licence agreement failed: ${describe(err)}`, { cause: err });
  }
}

/**
 * Runs `body` with an AbortSignal and rejects with VisionError `timeout` after `ms`, whether or not the binding
 * honours the signal.
 */
async function withTimeout<T>(ms: number, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new VisionError("timeout", `no answer from the model within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([body(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error's message, shortened for a stored reason (Workers AI errors read like `5016: …`). */
const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);
