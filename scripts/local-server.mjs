/**
 * A throwaway `wrangler dev --local` for the dev-server test and the dev-load bench: its own state
 * directory (migrations applied, models in its local R2), fresh secrets, a free port, vars passed with
 * `--var`; a tenant seeded through the public API; and the portrait images of `npm run try`.
 *
 *   const server = await startLocalServer({ vars: { STUCK_AFTER_SECONDS: "5" } });
 *   const { liveKey } = await registerTenant(server.base);
 *   ...; await server.stop();
 *
 * The server's output (structured JSON logs) is kept in `server.output()` for assertions and diagnosis.
 *
 * Test runs share one server: the dev-server project's global setup (test/dev-server/shared-server.mjs) starts it once
 * and names it in SHARED_SERVER_ENV, and every plain `startLocalServer()` (no vars, crons, reuse or extra arguments)
 * in a test file then returns that server (each file registers its own tenant); `stop()` leaves it running.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PhotonImage, crop } from "@cf-wasm/photon";
import { generateDevSecrets } from "./dev-secrets.mjs";
import { ensureModels } from "./models.mjs";
import { runCrons } from "./dev.mjs";
import { td1Lines } from "./docgen/mrz.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wranglerBin = path.join(root, "node_modules", ".bin", "wrangler");
const wranglerEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "true" };

export const FINAL = ["verified", "not_verified", "manual_review", "error"];

/** The environment variable naming the shared server of a test run: JSON `{ base, port, outputFile }`. */
export const SHARED_SERVER_ENV = "EDGE_KYC_SHARED_DEV_SERVER";

/** The shared server of this test run, as a handle whose `stop()` leaves it running; null when there is none. */
function sharedServer() {
  const named = process.env[SHARED_SERVER_ENV];
  if (!named) return null;
  const { base, port, outputFile } = JSON.parse(named);
  const output = () => {
    try {
      return readFileSync(outputFile, "utf8");
    } catch {
      return "";
    }
  };
  return {
    base,
    port,
    dir: null,
    persist: null,
    shared: true,
    output,
    waitForOutput: () => Promise.reject(new Error("the shared test server cannot wait for output; start a server of your own")),
    stop: async () => {},
  };
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function runWrangler(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(wranglerBin, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: wranglerEnv });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${out}`))));
  });
}

/**
 * Starts `wrangler dev --local --test-scheduled` on a free port over a fresh state directory, or over
 * `reuse.dir` of an earlier server (same state and secrets, e.g. after killing it). With `crons`, the crons
 * of wrangler.toml fire on their schedule exactly as under `npm run dev` (scripts/dev.mjs).
 * `outputFile` also appends the output to that file (the shared server's, read by the test files).
 * @param {{ vars?: Record<string, string>, extraArgs?: string[], crons?: boolean, reuse?: { dir: string }, log?: (line: string) => void, outputFile?: string }} [options]
 */
export async function startLocalServer({ vars = {}, extraArgs = [], crons = false, reuse, log = () => {}, outputFile } = {}) {
  const plain = !Object.keys(vars).length && !extraArgs.length && !crons && !reuse && !outputFile;
  const shared = plain ? sharedServer() : null;
  if (shared) {
    log(`shared server ${shared.base}`);
    return shared;
  }
  const dir = reuse?.dir ?? mkdtempSync(path.join(tmpdir(), "edge-kyc-dev-"));
  const persist = path.join(dir, "state");
  const envFile = path.join(dir, ".dev.vars");
  if (!reuse) {
    log(`state in ${persist}`);
    await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
    await ensureModels({ root, persistTo: persist, log: () => {} });
    const secrets = await generateDevSecrets();
    writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}='${v}'`).join("\n") + "\n", { mode: 0o600 });
  }

  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--persist-to", persist, "--env-file", envFile, "--show-interactive-dev-session=false", "--test-scheduled",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...extraArgs,
  ];
  const child = spawn(wranglerBin, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: wranglerEnv, detached: true });
  let output = "";
  const listeners = new Set();
  const onData = (d) => {
    output += d;
    if (outputFile) appendFileSync(outputFile, d);
    for (const l of listeners) l(output);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;

  let stopCrons = () => {};
  /** Stops the server; `keep` leaves its state directory for a later `startLocalServer({ reuse })`, `signal` SIGKILL simulates a crash. */
  const stop = async ({ keep = false, signal = "SIGTERM" } = {}) => {
    stopCrons();
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, signal);
      } catch {}
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /health within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (crons) stopCrons = runCrons(base, undefined, log);
  return {
    base,
    port,
    dir,
    persist,
    output: () => output,
    /** Resolves when the server's output matches `re` (counting from the start), or rejects after `ms`. */
    waitForOutput(re, ms) {
      return new Promise((resolve, reject) => {
        const check = (text) => {
          const m = text.match(re);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${re} in the server output within ${ms} ms`));
        }, ms);
        listeners.add(check);
        check(output);
      });
    },
    stop,
  };
}

/** JSON logs the Worker printed (one object per line), optionally only those with `msg`. */
export function logLines(output, msg) {
  const lines = [];
  // wrangler colours the Worker's console.warn/error lines; the JSON sits between the escape codes.
  for (const line of output.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    const at = line.indexOf("{");
    const end = line.lastIndexOf("}");
    if (at < 0 || end < at) continue;
    try {
      const obj = JSON.parse(line.slice(at, end + 1));
      if (!msg || obj.msg === msg || obj.message === msg || obj.event === msg) lines.push(obj);
    } catch {}
  }
  return lines;
}

async function json(base, method, p, { body, headers = {} } = {}) {
  const res = await fetch(base + p, {
    method,
    // A request that waits this long is the wedge this harness exists to catch: fail, don't wait for undici's 300 s.
    signal: AbortSignal.timeout(60_000),
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
  });
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}

function must(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data;
}

/**
 * Registers a tenant, signs its admin in and creates a live and a test API key (every scope, generous rate limit).
 * @returns {Promise<{ accessToken: string, liveKey: string, testKey: string }>}
 */
export async function registerTenant(base) {
  const email = `dev-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@test.edge-kyc.local`;
  const password = "Sufficiently-long-test-password-1";
  must(await json(base, "POST", "/v1/auth/register", { body: { email, password, name: "Dev Admin", tenant_name: "Dev Tenant" } }), 201, "register");
  const { access_token: accessToken } = must(await json(base, "POST", "/v1/auth/login", { body: { email, password } }), 200, "login");
  const key = async (mode) =>
    must(
      await json(base, "POST", "/v1/api-keys", {
        headers: { Authorization: `Bearer ${accessToken}` },
        body: { name: `dev ${mode}`, scopes: ["verifications:write", "verifications:read", "faces", "webhooks"], rate_limit_per_minute: 100_000, mode },
      }),
      201,
      `create ${mode} key`,
    ).key;
  return { accessToken, liveKey: await key("live"), testKey: await key("test") };
}

/** face-api's demo photos are group shots; one person cut out of each, as an ID photo and a selfie would show (as in `npm run try`). */
function portrait(n, [x1, y1, x2, y2]) {
  const img = PhotonImage.new_from_byteslice(readFileSync(path.join(root, `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`)));
  const part = crop(img, x1, y1, x2, y2);
  const jpeg = part.get_bytes_jpeg(90);
  part.free();
  img.free();
  return jpeg;
}
let images;
/** A document portrait and a selfie of the same woman (JPEG bytes). */
export function portraits() {
  images ??= { document_front: portrait(1, [1330, 60, 1830, 640]), selfie: portrait(3, [900, 40, 1450, 700]) };
  return images;
}

/**
 * Creates a verification with `key`, uploads the portraits (or `images`, kind → JPEG bytes) and, unless `submit` is
 * false, submits it. Each verification gets its own document number so the duplicates layer sees different documents,
 * unless `document` declares another document (its fields replace the declared ones).
 * @returns {Promise<string>} the verification id
 */
export async function createVerification(base, key, { submit = true, lastName = "Mustermann", mrz = false, images = portraits(), document = {} } = {}) {
  const headers = { "X-API-Key": key };
  const number = document.number ?? `T${Math.floor(Math.random() * 1e8).toString().padStart(8, "0")}`;
  const created = must(
    await json(base, "POST", "/v1/verifications", {
      headers,
      body: {
        applicant: { first_name: "Erika", last_name: lastName, date_of_birth: "1984-08-12", country: "DE" },
        document: {
          type: "id_card",
          number,
          issuing_country: "DE",
          expiry_date: "2031-01-01",
          // The zone of Erika Mustermann's card, as a client that read it would send it (under any declared name).
          ...(mrz
            ? { mrz: td1Lines({ documentNumber: number, surname: "Mustermann", givenNames: "Erika", nationality: "D", issuingState: "D", sex: "F", birthDate: "1984-08-12", expiryDate: "2031-01-01" }) }
            : {}),
          ...document,
        },
        consent: { granted: true, text_version: "2026-01" },
      },
    }),
    201,
    "create verification",
  );
  for (const [kind, bytes] of Object.entries(images)) {
    const res = await fetch(`${base}/v1/verifications/${created.id}/media/${kind}`, { method: "PUT", body: bytes, headers: { ...headers, "Content-Type": "image/jpeg" } });
    if (!res.ok) throw new Error(`upload ${kind}: ${res.status} ${await res.text()}`);
  }
  if (submit) must(await json(base, "POST", `/v1/verifications/${created.id}/submit`, { headers }), 202, "submit");
  return created.id;
}

/** GET /v1/verifications/{id}: the status (and the whole body). */
export async function getVerification(base, key, id) {
  return must(await json(base, "GET", `/v1/verifications/${id}`, { headers: { "X-API-Key": key } }), 200, "get verification");
}

/**
 * Polls until every id is final or `ms` passes; resolves to a map id → status either way.
 * @param {{ ms: number, every?: number }} options
 */
export async function waitFinal(base, key, ids, { ms, every = 500 }) {
  const status = new Map(ids.map((id) => [id, "unknown"]));
  const deadline = Date.now() + ms;
  for (;;) {
    for (const id of ids) {
      if (FINAL.includes(status.get(id))) continue;
      status.set(id, (await getVerification(base, key, id)).status);
    }
    if ([...status.values()].every((s) => FINAL.includes(s)) || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, every));
  }
}
