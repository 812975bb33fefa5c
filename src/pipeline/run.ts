/**
 * Runs the layers in order over the same inputs and returns their results. A layer that throws makes the
 * whole run throw: the queue consumer retries the job, and a job that keeps failing dead-letters to review.
 */
import type { Layer, LayerContext, LayerResult, PipelineInputs } from "./types";

export async function runPipeline(layers: Layer[], inputs: PipelineInputs, ctx: LayerContext): Promise<LayerResult[]> {
  const results: LayerResult[] = [];
  for (const layer of layers) results.push(await layer.run(inputs, ctx));
  return results;
}
