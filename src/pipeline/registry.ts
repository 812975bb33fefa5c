/**
 * The layer registry: which layers a live verification runs, in order. Engines that need bindings (the face
 * models in R2, Workers AI) are built by the caller and passed in, so every layer stays a pure function.
 */
import { intakeLayer } from "./layers/intake";
import type { Layer } from "./types";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LayerDeps {}

export function liveLayers(_deps: LayerDeps = {}): Layer[] {
  return [intakeLayer];
}

/** Names of the live layers, for progress reporting before any result exists. */
export const LIVE_LAYER_NAMES = (): string[] => liveLayers().map((l) => l.name);
