/**
 * The whole data model (D1 via drizzle). Conventions:
 * - ids are prefixed, time-ordered strings (`ver_…`, see src/lib/ids.ts), so `ORDER BY id` is creation order
 *   and cursor pagination is `id < cursor`;
 * - times are integer milliseconds since the epoch (UTC);
 * - personal data is stored encrypted (`*_enc`: AES-GCM with a per-tenant key, src/lib/crypto.ts), and what must
 *   be searchable without decrypting is stored as a keyed hash (`*_hash`: HMAC-SHA256 with a per-tenant key);
 * - secrets (passwords, API keys, refresh tokens) are stored only as hashes; webhook secrets encrypted.
 * Every tenant-owned table carries `tenant_id`, and every query filters on it.
 */
import { relations, sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => integer("created_at").notNull();

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

/** Per-tenant decision settings; `version` increases on every change and is stored with each decision. */
export const tenantSettings = sqliteTable("tenant_settings", {
  tenantId: text("tenant_id").primaryKey().references(() => tenants.id),
  version: integer("version").notNull(),
  settings: text("settings", { mode: "json" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
  updatedBy: text("updated_by"),
});

/**
 * Every saved version of a tenant's settings, kept so a decision made under an older version can be explained with the
 * weights and rules it was made under. Written in the same batch as tenant_settings; version 0 (the defaults) is not
 * stored.
 */
export const tenantSettingsVersions = sqliteTable(
  "tenant_settings_versions",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    version: integer("version").notNull(),
    settings: text("settings", { mode: "json" }).notNull(),
    savedAt: integer("saved_at").notNull(),
    savedBy: text("saved_by"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** Normalised (trimmed, lower-cased); unique across the service because login takes only an email. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` */
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["admin", "reviewer", "auditor", "user"] }).notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email), index("users_tenant_idx").on(t.tenantId)],
);

/** Refresh tokens, stored as SHA-256 hashes. One family per login; rotation marks the old row used. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_unique").on(t.tokenHash), index("refresh_tokens_family_idx").on(t.familyId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    name: text("name").notNull(),
    /** The first characters of the key, shown in lists (e.g. `ekyc_live_3fa9`). */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    rateLimitPerMinute: integer("rate_limit_per_minute").notNull(),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.keyHash), index("api_keys_tenant_idx").on(t.tenantId)],
);

export const verifications = sqliteTable(
  "verifications",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    status: text("status", {
      enum: ["created", "submitted", "processing", "verified", "not_verified", "manual_review", "error", "resubmission_requested"],
    }).notNull(),
    externalRef: text("external_ref"),
    createdByType: text("created_by_type", { enum: ["api_key", "user"] }).notNull(),
    createdById: text("created_by_id").notNull(),
    /** Encrypted JSON `{first_name, last_name, date_of_birth, email?}`; null after erasure. */
    applicantEnc: text("applicant_enc"),
    country: text("country"),
    documentType: text("document_type").notNull(),
    documentIssuingCountry: text("document_issuing_country"),
    documentNumberEnc: text("document_number_enc"),
    /** HMAC of the normalised document number with the tenant's key: finds duplicates without decrypting. */
    documentNumberHash: text("document_number_hash"),
    documentExpiry: text("document_expiry"),
    mrzEnc: text("mrz_enc"),
    consentGranted: integer("consent_granted", { mode: "boolean" }).notNull(),
    consentTextVersion: text("consent_text_version").notNull(),
    consentAt: integer("consent_at").notNull(),
    requestCountry: text("request_country"),
    /** The creating request's client IP, encrypted (for the geo layer); erased with the verification. */
    requestIpEnc: text("request_ip_enc"),
    /** Server-issued head-pose challenge: JSON `{id, steps[], issued_at}`. */
    challenge: text("challenge", { mode: "json" }),
    riskScore: real("risk_score"),
    decision: text("decision", { enum: ["verified", "not_verified", "manual_review"] }),
    reasons: text("reasons", { mode: "json" }).$type<string[]>(),
    settingsVersion: integer("settings_version"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
    submittedAt: integer("submitted_at"),
    processingStartedAt: integer("processing_started_at"),
    completedAt: integer("completed_at"),
    erasedAt: integer("erased_at"),
    /**
     * The id of the last committed transition. A transition's D1 batch sets it in the guarded status update, and
     * every row that must accompany the transition is inserted only `WHERE transition_id = <this id>`, so a batch
     * whose update matched nothing inserts nothing either (src/verifications/transition.ts).
     */
    transitionId: text("transition_id"),
    /** The reviewer (user id) working a `manual_review` case, until `claimed_until`; a lapsed claim is no claim. */
    claimedBy: text("claimed_by"),
    claimedUntil: integer("claimed_until"),
  },
  (t) => [
    index("verifications_tenant_mode_idx").on(t.tenantId, t.mode, t.id),
    index("verifications_tenant_status_idx").on(t.tenantId, t.status, t.id),
    index("verifications_tenant_docnum_idx").on(t.tenantId, t.documentNumberHash),
    index("verifications_status_started_idx").on(t.status, t.processingStartedAt),
    // GET /v1/stats reads a tenant's period by completion time.
    index("verifications_tenant_completed_idx").on(t.tenantId, t.completedAt),
  ],
);

/** Every status transition of a verification, in order (`seq` from 1). */
export const verificationTransitions = sqliteTable(
  "verification_transitions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    reason: text("reason"),
    actor: text("actor"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("verification_transitions_seq_unique").on(t.verificationId, t.seq)],
);

export const media = sqliteTable(
  "media",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["document_front", "document_back", "selfie", "selfie_frame"] }).notNull(),
    r2Key: text("r2_key").notNull(),
    sha256: text("sha256").notNull(),
    contentType: text("content_type").notNull(),
    bytes: integer("bytes").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    /**
     * Who captured it: `api` (a tenant's server or anything holding an API key or user token), `hosted_capture` (our
     * own capture page, with its `vsct_` credential: its canvas encoding has no camera EXIF and re-compresses, which
     * the forensics layers then do not count), `applicant_app` (a tenant's app with the session's client secret).
     */
    source: text("source", { enum: ["api", "hosted_capture", "applicant_app"] }).notNull().default("api"),
    /** The applicant's network as Cloudflare saw the upload (country incl. `T1` for Tor, ASN); only for uploads sent from the applicant's device. */
    clientCountry: text("client_country"),
    clientAsn: integer("client_asn"),
    createdAt: createdAt(),
    purgedAt: integer("purged_at"),
  },
  (t) => [index("media_verification_idx").on(t.verificationId, t.kind), index("media_tenant_created_idx").on(t.tenantId, t.createdAt)],
);

/** One row per (verification, layer): the pipeline's evidence. Raw scores are kept for re-decisions. */
export const layerResults = sqliteTable(
  "layer_results",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    layer: text("layer").notNull(),
    status: text("status", { enum: ["passed", "warning", "failed", "skipped"] }).notNull(),
    score: real("score").notNull(),
    findings: text("findings", { mode: "json" }).notNull(),
    ms: real("ms").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("layer_results_unique").on(t.verificationId, t.layer)],
);

export const reviews = sqliteTable(
  "reviews",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    reviewerId: text("reviewer_id").notNull(),
    decision: text("decision", { enum: ["approve", "reject", "request_resubmission"] }).notNull(),
    /** The reviewer's free text; null after erasure. */
    reason: text("reason"),
    /** Why new images are needed (RESUBMISSION_REASONS in src/pipeline/codes.ts); only for `request_resubmission`. */
    reasonCode: text("reason_code"),
    createdAt: createdAt(),
  },
  // GET /v1/stats counts a tenant's review decisions by time; a case's view reads its latest review.
  (t) => [index("reviews_tenant_created_idx").on(t.tenantId, t.createdAt), index("reviews_verification_idx").on(t.verificationId, t.createdAt)],
);

/**
 * Reviewers' internal notes on a case: never shown to API keys (the tenant's back end, its applicants), encrypted
 * per tenant (`text_enc`), deleted with the verification. `review_id` is set when the note came with a decision.
 */
export const reviewNotes = sqliteTable(
  "review_notes",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    authorId: text("author_id").notNull(),
    reviewId: text("review_id"),
    textEnc: text("text_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("review_notes_verification_idx").on(t.verificationId, t.id)],
);

/**
 * Evidence files a layer produced (ELA heatmap, aligned face crops), stored in R2 under the verification's
 * prefix and served to reviewers. Deleted with the media retention and on erasure.
 */
export const artifacts = sqliteTable(
  "artifacts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    layer: text("layer").notNull(),
    name: text("name").notNull(),
    r2Key: text("r2_key").notNull(),
    contentType: text("content_type").notNull(),
    bytes: integer("bytes").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: createdAt(),
    purgedAt: integer("purged_at"),
  },
  (t) => [uniqueIndex("artifacts_name_unique").on(t.verificationId, t.name), index("artifacts_tenant_created_idx").on(t.tenantId, t.createdAt)],
);

/**
 * The transactional outbox: one row per event that must leave the database (the live status stream today,
 * webhooks next), inserted in the same D1 batch as the change it announces and published after commit.
 * Unpublished rows are retried by the cron until `published_at` is set. Payloads are thin: ids, statuses and
 * codes, never personal data.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    type: text("type").notNull(),
    verificationId: text("verification_id"),
    /** Per-verification order of status events (the transition's seq). */
    seq: integer("seq"),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    publishedAt: integer("published_at"),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [
    index("outbox_unpublished_idx").on(t.publishedAt, t.createdAt),
    index("outbox_tenant_idx").on(t.tenantId, t.id),
    // A request publishing its verification's rows (and the creation row carried along with seq 1) reads by this.
    index("outbox_verification_idx").on(t.verificationId, t.publishedAt),
  ],
);

/** Face embeddings of verified applicants for 1:N duplicate search (encrypted; deleted on erasure). */
export const faceEmbeddings = sqliteTable(
  "face_embeddings",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    embeddingEnc: text("embedding_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("face_embeddings_tenant_idx").on(t.tenantId)],
);

/**
 * The perceptual hash of each decided live verification's document image (64 bits, AES-GCM encrypted per tenant
 * like embeddings: it links photos of one document), searched by the document_duplicates layer within the tenant
 * and mode; erased with the verification and after retention_days.
 */
export const documentImages = sqliteTable(
  "document_images",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    phashEnc: text("phash_enc").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("document_images_tenant_idx").on(t.tenantId)],
);

/**
 * A tenant's webhook receivers, per mode like API keys (test events go only to test endpoints). `secrets_enc` is
 * the AES-GCM-encrypted JSON list of signing secrets, newest first: `whsec_…` (HMAC, `v1`) or `whsk_…` (Ed25519,
 * `v1a`), each with the time it stops signing (null for the current one; a rotated-out secret signs beside the new
 * one until then). `public_keys` are the matching `whpk_…` keys of an Ed25519 endpoint (public, served to receivers).
 * `failing_since` is the first final failure since the last success; an endpoint failing for 5 days, or answering
 * 410 Gone, is disabled (`disabled_reason`).
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    url: text("url").notNull(),
    description: text("description"),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    signing: text("signing", { enum: ["hmac", "ed25519"] }).notNull(),
    secretsEnc: text("secrets_enc").notNull(),
    publicKeys: text("public_keys", { mode: "json" }).$type<{ key: string; expires_at: number | null }[]>(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    disabledReason: text("disabled_reason", { enum: ["user", "gone", "failing"] }),
    failingSince: integer("failing_since"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_tenant_idx").on(t.tenantId, t.mode, t.id)],
);

/**
 * One event to send to one endpoint. `trigger` says why it exists: the event itself (one per endpoint and event,
 * unique, so a repeated fan-out adds nothing), a `redeliver` of an earlier delivery, a `recover` of a time range, or
 * a `test`. `next_attempt_at` is when the next attempt is due; `lease_until` keeps two queue messages for one
 * delivery from sending at once. The body is rebuilt from the event (outbox row) at every attempt.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    endpointId: text("endpoint_id").notNull().references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    trigger: text("trigger", { enum: ["event", "redeliver", "recover", "test"] }).notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at"),
    leaseUntil: integer("lease_until"),
    lastStatusCode: integer("last_status_code"),
    lastErrorClass: text("last_error_class"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [
    index("webhook_deliveries_tenant_idx").on(t.tenantId, t.mode, t.id),
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    uniqueIndex("webhook_deliveries_event_unique").on(t.endpointId, t.eventId).where(sql`trigger = 'event'`),
  ],
);

/** Every attempt of a delivery: when, the status code or error class, latency and ≤ 1 KB of the response body (no headers). */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    deliveryId: text("delivery_id").notNull().references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: integer("attempted_at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    errorClass: text("error_class"),
    responseExcerpt: text("response_excerpt"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attemptedAt)],
);

/**
 * Append-only, hash-chained per tenant: `hash = SHA-256(canonical(event incl. prev_hash))` (src/audit/chain.ts).
 * Writers insert rows pending (seq, prev_hash, hash null); the tenant's AuditChain Durable Object seals them in
 * order. No personal data: the client IP only as a per-tenant keyed hash, metadata codes, ids and numbers only.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    seq: integer("seq"),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    ipHash: text("ip_hash"),
    metadata: text("metadata"),
    createdAt: createdAt(),
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (t) => [
    uniqueIndex("audit_events_tenant_seq_unique").on(t.tenantId, t.seq),
    index("audit_events_tenant_action_idx").on(t.tenantId, t.action),
    // Only pending rows: the sealer's queue per tenant and the cron's "which tenants have pending rows".
    index("audit_events_pending_idx").on(t.tenantId, t.createdAt, t.id).where(sql`${t.seq} IS NULL`),
  ],
);

/**
 * Each tenant's signed chain head, kept outside the rows it covers: the last sealed `seq` and its `hash`, and a
 * compact JWS (ES256, the JWKS key) over `{typ: "audit_head", tenant_id, seq, hash, sealed_at}`. Written in the
 * same D1 batch as the rows it seals, so a removed tail shows as `seq` beyond the end of the log.
 */
export const auditHeads = sqliteTable("audit_heads", {
  tenantId: text("tenant_id").primaryKey(),
  seq: integer("seq").notNull(),
  hash: text("hash").notNull(),
  jws: text("jws").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Signed checkpoints left by successful verifications (`{typ: "audit_checkpoint", tenant_id, seq, hash,
 * verified_at}`), so the next verification re-checks only the rows after the newest one still intact.
 */
export const auditCheckpoints = sqliteTable(
  "audit_checkpoints",
  {
    tenantId: text("tenant_id").notNull(),
    seq: integer("seq").notNull(),
    hash: text("hash").notNull(),
    jws: text("jws").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.seq] })],
);

/**
 * The tenant's register of documents it issued (POST /v1/registry/documents), kept apart per mode. The document
 * number is never stored, only its tenant-keyed hash (`blindIndex(tenant, "registry_document:" + number)`), and the
 * holder's names and birth date are encrypted; a verification that claims a registered number must agree with its
 * record (the `registry` layer). One record per number, type and issuing country in a tenant's mode.
 */
export const registryDocuments = sqliteTable(
  "registry_documents",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    documentNumberHash: text("document_number_hash").notNull(),
    documentType: text("document_type", { enum: ["passport", "id_card", "driving_licence", "residence_permit"] }).notNull(),
    /** ISO alpha-2, or the ICAO code for issuers without one (src/lib/countries.ts). */
    issuingCountry: text("issuing_country").notNull(),
    /** Encrypted JSON `{first_name, last_name, date_of_birth}`. */
    holderEnc: text("holder_enc").notNull(),
    issueDate: text("issue_date"),
    expiryDate: text("expiry_date"),
    status: text("status", { enum: ["valid", "revoked"] }).notNull(),
    revokedAt: integer("revoked_at"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("registry_documents_document_unique").on(t.tenantId, t.mode, t.documentNumberHash, t.documentType, t.issuingCountry),
    index("registry_documents_tenant_mode_idx").on(t.tenantId, t.mode, t.id),
  ],
);

/** Stored responses for `Idempotency-Key`: same key + same body → same response; different body → 422. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id").notNull(),
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    /** HMAC of the request with the tenant's key (never a plain hash of personal data). */
    requestHash: text("request_hash").notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    /** The resource the request created, so erasing it also erases the stored response. */
    resourceId: text("resource_id"),
    createdAt: createdAt(),
    /** Records are forgotten after 24 h (the cron deletes them; an expired one no longer replays). */
    expiresAt: integer("expires_at").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.scope, t.key] })],
);


/**
 * Verification sessions (hosted capture): one verification, a single-use client secret (`vsess_…`) that the page
 * exchanges once for its own credential (`vsct_…`). Both are stored only as keyed hashes (HMAC with a server key), so a
 * copy of the table does not let anyone test guesses. `status` is persisted lazily: a read past `expires_at`, or after
 * the verification moved on, writes the new status (src/sessions/sessions.ts).
 */
export const verificationSessions = sqliteTable(
  "verification_sessions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    mode: text("mode", { enum: ["live", "test"] }).notNull(),
    verificationId: text("verification_id").notNull().references(() => verifications.id, { onDelete: "cascade" }),
    clientSecretHash: text("client_secret_hash").notNull(),
    /** The page's credential after exchange; null until then. */
    credentialHash: text("credential_hash"),
    status: text("status", { enum: ["open", "in_use", "submitted", "completed", "canceled", "expired"] }).notNull(),
    /** JSON `{allowed_document_types, challenge_required, return_url, locale}`. */
    options: text("options", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    expiresAt: integer("expires_at").notNull(),
    exchangedAt: integer("exchanged_at"),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("verification_sessions_secret_unique").on(t.clientSecretHash),
    uniqueIndex("verification_sessions_credential_unique").on(t.credentialHash),
    index("verification_sessions_tenant_idx").on(t.tenantId, t.mode, t.id),
    index("verification_sessions_verification_idx").on(t.verificationId),
  ],
);

/**
 * A verification's evidence as relations, so its API view is one SQL statement (src/verifications/view.ts): drizzle's
 * relational queries read the row and each list as JSON subqueries, one D1 statement instead of six.
 */
export const verificationRelations = relations(verifications, ({ many }) => ({
  layers: many(layerResults),
  transitions: many(verificationTransitions),
  media: many(media),
  reviews: many(reviews),
  artifacts: many(artifacts),
}));
export const layerResultRelations = relations(layerResults, ({ one }) => ({
  verification: one(verifications, { fields: [layerResults.verificationId], references: [verifications.id] }),
}));
export const transitionRelations = relations(verificationTransitions, ({ one }) => ({
  verification: one(verifications, { fields: [verificationTransitions.verificationId], references: [verifications.id] }),
}));
export const mediaRelations = relations(media, ({ one }) => ({
  verification: one(verifications, { fields: [media.verificationId], references: [verifications.id] }),
}));
export const reviewRelations = relations(reviews, ({ one }) => ({
  verification: one(verifications, { fields: [reviews.verificationId], references: [verifications.id] }),
}));
export const artifactRelations = relations(artifacts, ({ one }) => ({
  verification: one(verifications, { fields: [artifacts.verificationId], references: [verifications.id] }),
}));
