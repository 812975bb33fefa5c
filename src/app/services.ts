/**
 * The one place that reads the Worker's bindings. It builds the configuration and every port's Workers adapter;
 * routes, domain modules, queue consumers and cron jobs receive the resulting `Services` and never see a binding.
 * Building is cheap (no I/O), so it happens per request or per batch; expensive state (keys, model sessions) is
 * cached per isolate inside the adapters. Tests replace single ports with their in-memory twins.
 */
import { r2MediaStore } from "../adapters/r2/media-store";
import { queueJobQueue } from "../adapters/queues/job-queue";
import { durableStatusEvents } from "../adapters/durable-objects/status-events";
import { durableRateLimits } from "../adapters/durable-objects/rate-limits";
import { d1Outbox } from "../adapters/d1/outbox";
import { resizerFromBinding } from "../adapters/images";
import type { ImageResizer } from "../face/resizer";
import { d1SettingsStore } from "../adapters/d1/settings-store";
import { createAuditLog } from "../adapters/audit/audit-log";
import { createDb } from "../db/client";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { loadConfig } from "../env";
import { workerFaceEngine } from "../face/ort-web-runtime";
import type { FaceEngine } from "../face/engine";
import { workersAiVision } from "../adapters/ai/workers-ai-vision";
import type { MrzReader } from "../reading/ocr/reader";
import type { VisionModel } from "../reading/vision";
import { workerMrzReader } from "../reading/worker-reader";
import { createTokenService } from "../identity/tokens";
import type { TokenService } from "../identity/tokens";

import { createTenantCrypto } from "../lib/crypto";
import type { TenantCrypto } from "../lib/crypto";
import type { AuditLog, Clock, JobQueue, MediaStore, Outbox, RateLimits, SettingsStore, StatusEvents, WebhookQueue } from "../ports";
import { queueWebhookQueue } from "../adapters/queues/webhook-queue";
import { fanOutRun } from "../webhooks/fanout";
import { faultSwitchFor, faultyD1, faultyMedia, faultyPublication } from "../faults";

export interface Services {
  config: Config;
  /** drizzle over D1: the domain modules' store of record. */
  db: Db;
  clock: Clock;
  /** Shorthand for `clock.now()`. */
  now: () => number;
  crypto: TenantCrypto;
  tokens: TokenService;
  audit: AuditLog;
  media: MediaStore;
  jobs: JobQueue;
  statusEvents: StatusEvents;
  outbox: Outbox;
  /** The `webhook-deliveries` producer. */
  webhooks: WebhookQueue;
  settings: SettingsStore;
  rateLimits: RateLimits;
  /** Shrinks uploads outside the isolate before they are decoded (the Images binding); undefined → photon in the isolate. */
  imageResizer: ImageResizer | undefined;
  /** The isolate-cached face engine over the models in R2 (built on first use). */
  faceEngine: () => FaceEngine;
  /** The isolate-cached MRZ OCR reader over the PP-OCR models in R2 (built on first use). */
  mrzReader: () => MrzReader;
  /** The vision model the tenant chose, over the Workers AI binding; null without the binding. */
  visionModel: (model: string) => VisionModel | null;
  /**
   * Runs work after the response is sent (the request's `waitUntil`): publication of the outbox and sealing of the
   * audit log after a commit. Absent in queue consumers and crons, which do that work inline.
   */
  defer?: (work: Promise<unknown>) => void;
  /** Readiness probes per dependency, for /health/ready. */
  probes: Record<string, () => Promise<unknown>>;
}

const present = (binding: unknown, method: string) => async () => {
  if (!binding || typeof (binding as Record<string, unknown>)[method] !== "function") throw new Error("binding missing");
};

const systemClock: Clock = { now: () => Date.now() };
/** Services over the system clock, per bindings object (workerd passes the same `env` to every request of an isolate). */
const perEnv = new WeakMap<Bindings, Services>();

/**
 * The services over `env`. With the system clock they are built once per bindings object (they hold no request state;
 * building them on every request showed in the CPU profile), and `defer` is the one per-request part.
 */
export function createServices(env: Bindings, clock?: Clock, defer?: Services["defer"]): Services {
  if (clock) return { ...buildServices(env, clock), defer };
  let base = perEnv.get(env);
  if (!base) perEnv.set(env, (base = buildServices(env, systemClock)));
  return defer ? { ...base, defer } : base;
}

function buildServices(env: Bindings, clock: Clock): Services {
  const config = loadConfig(env);
  // Development only (FAULTS, refused by loadConfig in staging and production): D1 writes, media reads and outbox
  // publications fail at the configured rates, the way the platform's would (src/faults).
  const faults = faultSwitchFor(config.FAULTS);
  const d1 = config.FAULTS ? faultyD1(env.DB, faults) : env.DB;
  const db = createDb(d1);
  const crypto = createTenantCrypto(config.DATA_ENCRYPTION_KEY);
  const statusEvents = durableStatusEvents(env.VERIFICATION_EVENTS);
  const tokens = createTokenService(config);
  const webhooks = queueWebhookQueue(env.WEBHOOK_DELIVERIES);
  return {
    config,
    db,
    clock,
    now: () => clock.now(),
    crypto,
    tokens,
    audit: createAuditLog({ db, d1, chains: env.AUDIT_CHAIN, crypto, tokens, now: () => clock.now() }),
    media: config.FAULTS ? faultyMedia(r2MediaStore(env.MEDIA), faults) : r2MediaStore(env.MEDIA),
    jobs: queueJobQueue(env.VERIFICATION_JOBS),
    statusEvents,
    webhooks,
    outbox: d1Outbox(db, statusEvents, clock, (known) => faultyPublication(fanOutRun(db, webhooks, () => clock.now(), known), faults)),
    settings: d1SettingsStore(db, clock),
    rateLimits: durableRateLimits(env.RATE_LIMITER),
    imageResizer: resizerFromBinding(env.IMAGES),
    faceEngine: () => workerFaceEngine(env.MODELS),
    mrzReader: () => workerMrzReader(env.MODELS),
    visionModel: (model) => (env.AI ? workersAiVision(env.AI, model) : null),
    probes: {
      d1: () => env.DB.prepare("SELECT 1 AS ok").first(),
      r2_media: () => env.MEDIA.head("health/probe"),
      r2_models: () => env.MODELS.head("health/probe"),
      queue_verification_jobs: present(env.VERIFICATION_JOBS, "send"),
      queue_webhook_deliveries: present(env.WEBHOOK_DELIVERIES, "send"),
      durable_object_rate_limiter: present(env.RATE_LIMITER, "idFromName"),
      durable_object_verification_events: present(env.VERIFICATION_EVENTS, "idFromName"),
      durable_object_audit_chain: present(env.AUDIT_CHAIN, "idFromName"),
    },
  };
}
