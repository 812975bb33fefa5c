import type { D1Migration } from "cloudflare:test";
import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** Test-only service binding (vitest.config.ts) serving the ONNX model files from node_modules. */
      MODEL_FILES: Fetcher;
    }
  }
}
