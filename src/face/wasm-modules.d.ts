// Wrangler and the vitest pool import `.wasm` files as compiled WebAssembly.Module objects.
declare module "onnxruntime-web/ort-wasm-simd-threaded.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
