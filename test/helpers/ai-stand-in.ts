/**
 * A stand-in for the Workers AI binding (`env.AI`) in tests: it implements `run(model, inputs, options)` the way the
 * binding answers the vision models (src/adapters/ai/workers-ai-vision.ts lists the shapes and their sources) and
 * records every call. No Node APIs: usable in Node unit tests and inside workerd.
 *
 * - an object answer is what a model in JSON mode produces: `{response: <object>}` for Workers AI's own shape,
 *   `choices[0].message.content` = its JSON text for OpenAI-shaped models (Gemma 4);
 * - a string answer is the model's raw text (fenced JSON, prose, a refusal…), wrapped the same way;
 * - an Error makes `run` reject with it (a binding failure);
 * - a function is asked per call (`(inputs, model) => answer`), for answers that depend on the request.
 * The Llama 3.2 licence call (`{prompt: "agree"}`) is answered with a thank-you, as the service does.
 */
export type StandInAnswer = object | string | Error | ((inputs: Record<string, unknown>, model: string) => unknown);

export interface AiCall {
  model: string;
  inputs: Record<string, unknown>;
  signal: AbortSignal | undefined;
}

export interface AiStandInOptions {
  /** Answer after this many ms (Infinity: never, until the caller's signal aborts). */
  delayMs?: number;
  /**
   * Force an output shape; by default OpenAI's for `@cf/google/gemma-4…`, else Workers AI's `{response}`. `raw`
   * returns the answer as the binding's whole output (e.g. {@link openAiRefusal}).
   */
  shape?: "response" | "openai" | "raw";
}

export interface AiStandIn {
  run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>;
  /** Every call, in order (licence agreements included). */
  readonly calls: AiCall[];
}

/**
 * @example
 * const ai = aiStandIn({ document_type: "passport", surname: "DOE", ... });
 * const vision = workersAiVision(ai, "@cf/meta/llama-4-scout-17b-16e-instruct");
 * await vision.read(image); ai.calls.length // 1
 */
export function aiStandIn(answer: StandInAnswer, options: AiStandInOptions = {}): AiStandIn {
  const calls: AiCall[] = [];
  return {
    calls,
    async run(model, inputs, runOptions) {
      calls.push({ model, inputs, signal: runOptions?.signal });
      await wait(options.delayMs ?? 0, runOptions?.signal);
      if (inputs.prompt === "agree") return { response: "Thank you for agreeing to the Meta Llama 3.2 Community License." };
      const value = typeof answer === "function" && !(answer instanceof Error) ? await (answer as (i: Record<string, unknown>, m: string) => unknown)(inputs, model) : answer;
      if (value instanceof Error) throw value;
      const shape = options.shape ?? (model.startsWith("@cf/google/gemma-4") ? "openai" : "response");
      if (shape === "raw") return value;
      if (shape === "response") return { response: value, usage: { prompt_tokens: 1200, completion_tokens: 120, total_tokens: 1320 } };
      const content = typeof value === "string" ? value : JSON.stringify(value);
      return {
        id: `chatcmpl-${calls.length}`,
        object: "chat.completion",
        created: 1_764_720_000,
        model,
        choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, finish_reason: "stop", logprobs: null }],
        usage: { prompt_tokens: 1200, completion_tokens: 120, total_tokens: 1320 },
      };
    },
  };
}

/** An OpenAI-shaped refusal (`message.refusal`, no content), as strict JSON-schema mode reports one. */
export function openAiRefusal(text = "I can't help with identifying people from documents."): object {
  return { id: "chatcmpl-refusal", object: "chat.completion", created: 1_764_720_000, model: "@cf/google/gemma-4-26b-a4b-it", choices: [{ index: 0, message: { role: "assistant", content: null, refusal: text }, finish_reason: "stop", logprobs: null }] };
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined;
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("The operation was aborted", "AbortError"));
    });
  });
}
