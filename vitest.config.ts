/**
 * Three test projects:
 *  - `unit`: pure TypeScript (pipeline maths, parsers, face pre/post-processing) in Node.
 *  - `dev-server`: Node tests that start `wrangler dev --local` itself (scripts/local-server.mjs), for what only
 *    the dev server shows: its proxy, the local queue and the crons under load.
 *  - `workers`: everything else, inside workerd through @cloudflare/vitest-pool-workers, with the
 *    real local D1 (migrations applied in test/setup.ts), R2, Queues and Durable Objects of wrangler.toml.
 * Secrets are generated fresh for every run, so no test depends on a developer's .dev.vars.
 */
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { generateDevSecrets } from "./scripts/dev-secrets.mjs";
import { modelBytes, readManifests } from "./scripts/model-files.mjs";
import { docgenBinding } from "./test/docgen-binding.mjs";
import { startWebhookReceiver } from "./test/webhook-receiver.mjs";

const root = path.dirname(new URL(import.meta.url).pathname);

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  const secrets = await generateDevSecrets();
  // A real HTTP receiver in Node for webhook deliveries (test/webhook-receiver.mjs), up for the whole run.
  const receiver = await startWebhookReceiver();
  // Model file name → its manifest (models/*.json); served as scripts/models.mjs uploads it (checked, derived).
  const manifests = new Map((await readManifests(root)).map((m: { file: string }) => [m.file, m]));
  return {
    test: {
      projects: [
        {
          test: {
            name: "unit",
            include: ["test/unit/**/*.test.ts"],
            silent: "passed-only",
            environment: "node",
            // Model inference on a busy 2-core machine; a guard against hangs, not a speed claim.
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "dev-server",
            include: ["test/dev-server/**/*.test.ts"],
            environment: "node",
            // One wrangler dev at a time: it is CPU-heavy and the tests share it.
            fileParallelism: false,
            // One shared wrangler dev for the browser tests (test/dev-server/shared-server.mjs).
            globalSetup: ["./test/dev-server/shared-server.mjs"],
            testTimeout: 300_000,
            hookTimeout: 180_000,
          },
        },
        {
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              remoteBindings: false,
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { ...secrets, ENVIRONMENT: "test", TEST_MIGRATIONS: migrations, RECEIVER_ORIGIN: receiver.origin },
                // Test-only: serves the ONNX files of the installed model package to test/setup.ts,
                // which stores them in the local R2 MODELS bucket exactly as scripts/models.mjs does for dev.
                serviceBindings: {
                  // Test-only: generated identity documents (scripts/docgen, in Node) for the forensics tests.
                  DOCGEN: docgenBinding,
                  // Test-only: programs the webhook receiver and reads what it received.
                  RECEIVER: receiver.control,
                  MODEL_FILES: async (request: Request) => {
                    const name = new URL(request.url).pathname.slice(1);
                    const manifest = manifests.get(name);
                    if (!manifest) return new Response("not a model of models/*.json", { status: 404 });
                    try {
                      return new Response(await modelBytes(root, manifest));
                    } catch (err) {
                      return new Response(String(err), { status: 500 });
                    }
                  },
                },
              },
            }),
          ],
          test: {
            name: "workers",
            // The Worker logs structured JSON for every job and request; show it only for tests that fail.
            silent: "passed-only",
            include: ["test/**/*.test.ts"],
            exclude: ["test/unit/**", "test/dev-server/**"],
            setupFiles: ["./test/setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
