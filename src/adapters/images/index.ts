/**
 * The Images adapter as the rest of the Worker asks for it: the binding's resizer when the binding is there, else
 * `undefined`, which the decoders read as "decode with photon in this isolate" (the bounded photon path: correct,
 * but a 12 MP photo then costs ~60 MB of WebAssembly memory; a deployment must bind `[images]`).
 */
import type { ImageResizer } from "../../face/resizer";
import { imagesBindingResizer } from "./images-binding-resizer";

export { imagesBindingResizer } from "./images-binding-resizer";

export function resizerFromBinding(binding: ImagesBinding | undefined): ImageResizer | undefined {
  return binding ? imagesBindingResizer(binding) : undefined;
}
