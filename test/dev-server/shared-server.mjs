/**
 * Global setup of the dev-server project: one `wrangler dev --local` for every browser test file (each registers its
 * own tenant), instead of one per file — each start applies the migrations, copies the models and boots workerd,
 * about 30 s on a 2-core machine. Files that need a server of their own (vars, crons, a restart) still start one:
 * scripts/local-server.mjs hands out the shared server only to plain `startLocalServer()` calls.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SHARED_SERVER_ENV, startLocalServer } from "../../scripts/local-server.mjs";

export default async function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-kyc-shared-"));
  const outputFile = path.join(dir, "output.log");
  const server = await startLocalServer({ outputFile, log: (line) => console.log(`[shared-server] ${line}`) });
  // Test files run in child processes started after this setup, so they inherit the variable.
  process.env[SHARED_SERVER_ENV] = JSON.stringify({ base: server.base, port: server.port, outputFile });
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
