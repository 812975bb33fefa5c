/**
 * The ports: narrow interfaces through which domain code, jobs and routes reach the platform. Each has a Workers
 * adapter under src/adapters/<kind>/ (D1, R2, Queues, Durable Objects) and an in-memory twin under
 * src/adapters/memory/ for pure tests, including twins that fail on demand. src/app/services.ts is the one place
 * that reads bindings and builds the adapters; nothing else sees a binding.
 */
import type { DecisionSettings } from "./pipeline/settings";

/** Wall-clock milliseconds. Passed in so tests and replays control time. */
export interface Clock {
  now(): number;
}

/** Object storage for uploads and evidence (R2). Keys are tenant-scoped paths built by the domain. */
export interface MediaStore {
  put(key: string, bytes: Uint8Array, meta: { contentType: string; sha256?: string; custom?: Record<string, string> }): Promise<void>;
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Like `get`, as a stream with its content type (for serving evidence without buffering). */
  open(key: string): Promise<{ body: ReadableStream; contentType: string; size: number } | null>;
  delete(keys: string[]): Promise<void>;
  /** Deletes every object under `prefix`; returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /** Keys under `prefix` (bounded; for erasure checks and tests). */
  list(prefix: string): Promise<string[]>;
}

/** A verification job on the queue: the consumer runs the pipeline for it. */
export interface VerificationJob {
  verification_id: string;
  tenant_id: string;
  enqueued_at: number;
}

export interface JobQueue {
  enqueue(job: VerificationJob): Promise<void>;
}

/** One status change as the live stream shows it (no personal data). */
export interface StatusEvent {
  seq: number;
  verification_id: string;
  from: string | null;
  status: string;
  reason: string | null;
  at: string;
}

/** Per-verification live status streams (server-sent events). */
export interface StatusEvents {
  /** Stores the event (idempotent per seq) and pushes it to subscribers. */
  publish(event: StatusEvent): Promise<void>;
  /** Forgets every stored event of the verification (erasure). */
  clear(verificationId: string): Promise<void>;
  /**
   * The SSE response, replaying events after `lastEventId` first. Streams are capped per verification and per
   * tenant; beyond the cap this throws 429 RATE_LIMITED.
   */
  stream(opts: { verificationId: string; tenantId: string; lastEventId: string | null }): Promise<Response>;
}

/** A tenant's decision settings, versioned. */
export interface SettingsStore {
  get(tenantId: string): Promise<{ version: number; settings: DecisionSettings }>;
  /** Saves a new version if `expectedVersion` is still current; returns null when someone else saved first. */
  save(tenantId: string, settings: DecisionSettings, by: string, expectedVersion: number): Promise<{ version: number; settings: DecisionSettings } | null>;
  /** The settings as they were at `version` (0: the defaults); null for a version never saved. */
  atVersion(tenantId: string, version: number): Promise<DecisionSettings | null>;
  /** The saved versions, newest first: when and by whom (user or API key id). */
  history(tenantId: string, limit: number): Promise<{ version: number; savedAt: number; savedBy: string | null }[]>;
}

/** An event that must leave the database after the change it announces commits (live stream now, webhooks next). */
export interface OutboxEvent {
  type: string;
  tenantId: string;
  mode: "live" | "test";
  verificationId?: string | null;
  payload: Record<string, string | number | boolean | null | string[]>;
}

/** The row the outbox keeps for an event; `seq` is filled in SQL when the event belongs to a transition. */
export interface OutboxRow {
  id: string;
  tenantId: string;
  mode: "live" | "test";
  type: string;
  verificationId: string | null;
  payload: Record<string, unknown>;
  createdAt: number;
}

/**
 * The transactional outbox. `stage` gives the row to insert in the same D1 batch as the change (so both commit or
 * neither); `flush` publishes committed rows not yet published, oldest first, and is safe to repeat: the
 * request that committed calls it at once, and the cron retries whatever is left.
 */
export interface Outbox {
  stage(event: OutboxEvent): OutboxRow;
  flush(scope?: { verificationId?: string }): Promise<{ published: number; failed: number }>;
}

/** The producer of webhook deliveries: each id becomes one queue message, attempted in the order given. */
export interface WebhookQueue {
  enqueue(deliveryIds: string[], delaySeconds?: number): Promise<void>;
}

/** The hash-chained audit log (src/audit/): writers add pending rows; the tenant's chain seals them in order. */
export type { AuditEventInput, AuditLog, PendingAuditRow } from "./audit/types";

export interface RateLimitResult {
  allowed: boolean;
  /** The bucket reported: the refusing one, or when allowed the one with the fewest tokens left. */
  bucket?: string;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available (0 when allowed). */
  retryAfterSeconds: number;
  /** The calling credential was revoked (see `RateLimits.takeAll`): refuse it as revoked, not as limited. */
  revoked?: true;
}

export interface BucketRequest {
  /** Bucket name inside the subject, e.g. `key:<id>`, `tenant`, `expensive:user:<id>`. */
  name: string;
  limit: number;
  windowMs?: number;
}

/**
 * Token buckets per subject (a tenant, a client network, an account), counted exactly: `takeAll` takes one token
 * from every bucket named, or none when any is empty.
 */
export interface RateLimits {
  /** With `credential` (an API key's id), a credential revoked in this subject is refused first (`revoked: true`). */
  takeAll(subject: string, buckets: BucketRequest[], credential?: string): Promise<RateLimitResult>;
  /** Revokes credentials in this subject for good; the next `takeAll` naming one of them is refused. */
  revoke(subject: string, credentials: string[]): Promise<void>;
}
