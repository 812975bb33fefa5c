import type { D1Migration } from "cloudflare:test";
import type { Secrets } from "../src/env";

declare global {
  namespace Cloudflare {
    // Extends Secrets, not Bindings: Bindings is built from Cloudflare.Env, and extending it here was circular
    // (tsc then saw every binding as missing).
    interface Env extends Secrets {
      TEST_MIGRATIONS: D1Migration[];
      /** Test-only service binding (vitest.config.ts) serving the ONNX model files from node_modules. */
      MODEL_FILES: Fetcher;
      DOCGEN: Fetcher;
      /** Test-only: the webhook receiver's control (test/webhook-receiver.mjs) and the origin deliveries go to. */
      RECEIVER: Fetcher;
      RECEIVER_ORIGIN: string;
    }
  }
}
