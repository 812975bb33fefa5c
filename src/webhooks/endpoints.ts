/**
 * Webhook endpoints: a tenant's receivers, one mode each (a test-mode key's events go only to test endpoints).
 *
 * - The signing secret is made here and shown once: `whsec_…` for HMAC (`v1`), or for an Ed25519 endpoint a key pair
 *   whose public half (`whpk_…`) is served with the endpoint (receivers need no shared secret) and whose secret half
 *   (`whsk_…`) never leaves us. Secrets are stored AES-GCM-encrypted per tenant.
 * - Rotation keeps the old secret signing beside the new one for a grace period (24 h by default), so a receiver can
 *   deploy the new secret without dropping events: both signatures are in `webhook-signature` until it ends.
 * - The URL passes the SSRF guard (src/webhooks/ssrf.ts) on create and update, and again before every delivery.
 * Every change is audited (ids, mode, event types and the host — never the secret or the full URL).
 */
import { and, desc, eq, lt } from "drizzle-orm";
import type { Services } from "../app/services";
import { webhookEndpoints } from "../db/schema";
import { ApiError, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Principal, RequestMeta } from "../types";
import { actorOf } from "../types";
import { newAsymmetricKeyPair, newSymmetricSecret, publicKeyOf } from "./signing";
import { checkWebhookUrl } from "./ssrf";
import type { EventType } from "./events";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type Mode = "live" | "test";

/** One signing secret and when it stops signing (null: the current one). */
export interface StoredSecret {
  secret: string;
  expires_at: number | null;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;
/** Endpoints per tenant and mode: enough for any integration, few enough that fan-out stays one query. */
export const MAX_ENDPOINTS = 20;

/** Whether this deployment lets webhooks go to `http://localhost` / `http://127.0.0.1` (development and tests only). */
export const allowsLocalReceivers = (s: Pick<Services, "config">) => s.config.ENVIRONMENT === "development" || s.config.ENVIRONMENT === "test";

/** Refuses a URL the SSRF guard refuses, with 422 WEBHOOK_URL_FORBIDDEN and the reason. */
export function assertWebhookUrl(s: Pick<Services, "config">, url: string): string {
  const checked = checkWebhookUrl(url, { allowLocalhost: allowsLocalReceivers(s) });
  if (!checked.ok) throw new ApiError("WEBHOOK_URL_FORBIDDEN", `This URL cannot receive webhooks: ${checked.reason}`, { details: { reason: checked.reason } });
  return checked.url.toString();
}

/** The secrets that sign now (current first, then any rotated-out one still in its grace period). */
export async function activeSecrets(s: Services, e: EndpointRow, now: number): Promise<string[]> {
  const all = await s.crypto.decryptJson<StoredSecret[]>(e.tenantId, e.secretsEnc);
  return all.filter((x) => x.expires_at === null || x.expires_at > now).map((x) => x.secret);
}

async function newSecret(signing: EndpointRow["signing"]): Promise<{ secret: string; publicKey: string | null }> {
  if (signing === "hmac") return { secret: newSymmetricSecret(), publicKey: null };
  const pair = await newAsymmetricKeyPair();
  return { secret: pair.secretKey, publicKey: pair.publicKey };
}

const host = (url: string) => new URL(url).host;

function audit(s: Services, p: Principal, action: string, e: EndpointRow, meta: RequestMeta, metadata: Record<string, string | number | boolean | string[] | null> = {}) {
  const actor = actorOf(p);
  return s.audit.append(
    { tenantId: p.tenantId, actorType: actor.type, actorId: actor.id, action, targetType: "webhook_endpoint", targetId: e.id, metadata: { mode: e.mode, ...metadata } },
    { ip: meta.ip },
  );
}

export interface EndpointInput {
  url: string;
  events: string[];
  description?: string | null;
  signing: EndpointRow["signing"];
  mode: Mode;
}

/** Creates an endpoint; returns it with the one-time secret (`whsec_…`) or, for Ed25519, nothing secret to show (the public key is on the row). */
export async function createEndpoint(s: Services, p: Principal, input: EndpointInput, meta: RequestMeta): Promise<{ row: EndpointRow; secret: string | null }> {
  const url = assertWebhookUrl(s, input.url);
  const existing = await s.db.$count(webhookEndpoints, and(eq(webhookEndpoints.tenantId, p.tenantId), eq(webhookEndpoints.mode, input.mode)));
  if (existing >= MAX_ENDPOINTS) throw new ApiError("CONFLICT", `A tenant has at most ${MAX_ENDPOINTS} webhook endpoints per mode`, { details: { limit: MAX_ENDPOINTS } });
  const now = s.now();
  const { secret, publicKey } = await newSecret(input.signing);
  const row: EndpointRow = {
    id: newId("whe", now),
    tenantId: p.tenantId,
    mode: input.mode,
    url,
    description: input.description ?? null,
    events: [...new Set(input.events)],
    signing: input.signing,
    secretsEnc: await s.crypto.encryptJson(p.tenantId, [{ secret, expires_at: null }] satisfies StoredSecret[]),
    publicKeys: publicKey ? [{ key: publicKey, expires_at: null }] : null,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await s.db.insert(webhookEndpoints).values(row);
  await audit(s, p, "webhook_endpoint.created", row, meta, { host: host(url), events: row.events, signing: row.signing });
  return { row, secret: input.signing === "hmac" ? secret : null };
}

export async function getEndpoint(s: Services, tenantId: string, id: string, mode?: Mode): Promise<EndpointRow> {
  const [row] = await s.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id), mode ? eq(webhookEndpoints.mode, mode) : undefined))
    .limit(1);
  if (!row) throw notFound("Webhook endpoint");
  return row;
}

export async function listEndpoints(s: Services, tenantId: string, mode: Mode, limit: number, cursor?: string): Promise<EndpointRow[]> {
  return s.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.mode, mode), cursor ? lt(webhookEndpoints.id, cursor) : undefined))
    .orderBy(desc(webhookEndpoints.id))
    .limit(limit + 1);
}

export interface EndpointPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** Changes an endpoint. Enabling a disabled one clears its failure state; its missed events can be fetched with `recover`. */
export async function updateEndpoint(s: Services, p: Principal, e: EndpointRow, patch: EndpointPatch, meta: RequestMeta): Promise<EndpointRow> {
  const set: Partial<EndpointRow> = { updatedAt: s.now() };
  if (patch.url !== undefined) set.url = assertWebhookUrl(s, patch.url);
  if (patch.events !== undefined) set.events = [...new Set(patch.events)];
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.enabled === true && !e.enabled) Object.assign(set, { enabled: true, disabledReason: null, failingSince: null });
  if (patch.enabled === false && e.enabled) Object.assign(set, { enabled: false, disabledReason: "user" });
  const [row] = await s.db.update(webhookEndpoints).set(set).where(and(eq(webhookEndpoints.tenantId, e.tenantId), eq(webhookEndpoints.id, e.id))).returning();
  if (!row) throw notFound("Webhook endpoint");
  const changed = Object.keys(patch).filter((k) => patch[k as keyof EndpointPatch] !== undefined);
  await audit(s, p, "webhook_endpoint.updated", row, meta, { fields: changed, host: host(row.url), enabled: row.enabled });
  return row;
}

export async function deleteEndpoint(s: Services, p: Principal, e: EndpointRow, meta: RequestMeta): Promise<void> {
  await s.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, e.tenantId), eq(webhookEndpoints.id, e.id)));
  await audit(s, p, "webhook_endpoint.deleted", e, meta);
}

/**
 * A new signing secret (or Ed25519 key pair). The previous current one keeps signing beside it for `graceSeconds`
 * (0 ends it now); any older secret still in a grace period is dropped, so at most two ever sign.
 */
export async function rotateSecret(s: Services, p: Principal, e: EndpointRow, graceSeconds: number, meta: RequestMeta): Promise<{ row: EndpointRow; secret: string | null }> {
  const now = s.now();
  const expiresAt = now + graceSeconds * 1000;
  const stored = await s.crypto.decryptJson<StoredSecret[]>(e.tenantId, e.secretsEnc);
  const current = stored.find((x) => x.expires_at === null) ?? stored[0];
  const { secret, publicKey } = await newSecret(e.signing);
  const secrets: StoredSecret[] = [{ secret, expires_at: null }, ...(graceSeconds > 0 && current ? [{ secret: current.secret, expires_at: expiresAt }] : [])];
  const publicKeys =
    e.signing === "ed25519" && publicKey
      ? [{ key: publicKey, expires_at: null }, ...(graceSeconds > 0 && current ? [{ key: await publicKeyOf(current.secret), expires_at: expiresAt }] : [])]
      : null;
  const [row] = await s.db
    .update(webhookEndpoints)
    .set({ secretsEnc: await s.crypto.encryptJson(e.tenantId, secrets), publicKeys, updatedAt: now })
    .where(and(eq(webhookEndpoints.tenantId, e.tenantId), eq(webhookEndpoints.id, e.id)))
    .returning();
  if (!row) throw notFound("Webhook endpoint");
  await audit(s, p, "webhook_endpoint.secret_rotated", row, meta, { grace_seconds: graceSeconds });
  return { row, secret: e.signing === "hmac" ? secret : null };
}

/** The endpoint as the API shows it: never a secret; an Ed25519 endpoint's public keys (the rotated-out one until its grace ends). */
export function publicEndpoint(e: EndpointRow, now: number) {
  return {
    id: e.id,
    mode: e.mode,
    url: e.url,
    description: e.description,
    events: e.events as ("*" | EventType)[],
    signing: e.signing,
    public_keys: e.publicKeys?.filter((k) => k.expires_at === null || k.expires_at > now).map((k) => ({ key: k.key, expires_at: k.expires_at === null ? null : new Date(k.expires_at).toISOString() })) ?? null,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    failing_since: e.failingSince === null ? null : new Date(e.failingSince).toISOString(),
    created_at: new Date(e.createdAt).toISOString(),
    updated_at: new Date(e.updatedAt).toISOString(),
  };
}
