/**
 * Test photos for the workerd face tests: face-api's demo samples (MIT, shipped in the
 * @vladmandic/face-api dev dependency), inlined by Vite as data URLs and decoded here.
 * Known people (from the embeddings and by eye): sample1's face at x≈1459 and sample3's face at
 * x≈1056 are the same woman; sample5's face at x≈369 is someone else.
 */
import sample1Url from "../../node_modules/@vladmandic/face-api/demo/sample1.jpg?inline";
import sample3Url from "../../node_modules/@vladmandic/face-api/demo/sample3.jpg?inline";
import sample5Url from "../../node_modules/@vladmandic/face-api/demo/sample5.jpg?inline";

function fromDataUrl(url: string): Uint8Array {
  const base64 = url.slice(url.indexOf(",") + 1);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

export const sample1 = () => fromDataUrl(sample1Url);
export const sample3 = () => fromDataUrl(sample3Url);
export const sample5 = () => fromDataUrl(sample5Url);
