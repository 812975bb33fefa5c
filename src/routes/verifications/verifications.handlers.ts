import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, desc, eq, lt } from "drizzle-orm";
import { layerResults, verifications } from "../../db/schema";
import { sha256Hex } from "../../lib/crypto";
import { ApiError, validationError } from "../../lib/errors";
import { log } from "../../lib/log";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import { withIdempotency } from "../../services/idempotency";
import { decide } from "../../pipeline/decision";
import type { Finding } from "../../pipeline/types";
import type { AppEnv } from "../../types";
import { eraseVerification } from "../../verifications/erasure";
import type { MediaKind } from "../../verifications/media";
import { MAX_SELFIE_FRAMES, listMedia, storeMedia } from "../../verifications/media";
import type { CheckedImage } from "../../media/uploads";
import { checkImage, fileParts, readForm, refuseDeclaredLength, requiredFilePart } from "../../media/uploads";
import { enqueueVerification } from "../../verifications/processing";
import { deletionReceipt, resultReceipt } from "../../verifications/receipts";
import type { CreateVerificationInput, VerificationRow } from "../../verifications/service";
import { createVerification, loadVerification, transition } from "../../verifications/service";
import { getSettings } from "../../verifications/settings";
import type { Status } from "../../verifications/status";
import { loadVerificationView, mediaView, summaryView, verificationView } from "../../verifications/view";
import type {
  createVerificationRoute,
  deleteVerificationRoute,
  eventsRoute,
  getVerificationRoute,
  listVerificationsRoute,
  receiptRoute,
  redecideRoute,
  submitRoute,
  uploadMediaRoute,
  challengeRoute,
} from "./verifications.routes";
import { createChallenge } from "../../face/challenge";
import { newId } from "../../lib/ids";
import { openEventStream } from "../../lib/event-streams";
import { CreateVerificationBody } from "./verifications.schemas";

const actorOf = (c: Context<AppEnv>) => {
  const p = c.var.principal;
  return p.type === "api_key" ? { type: "api_key" as const, id: p.keyId } : { type: "user" as const, id: p.userId };
};

async function submit(c: Context<AppEnv>, v: VerificationRow) {
  const s = c.var.services;
  const present = new Set((await listMedia(s, v.id)).filter((m) => !m.purgedAt).map((m) => m.kind));
  const missing = (["document_front", "selfie"] as const).filter((k) => !present.has(k));
  if (v.status !== "created") {
    throw new ApiError("INVALID_TRANSITION", `A verification in status ${v.status} cannot be submitted`, { details: { from: v.status, to: "submitted" } });
  }
  if (missing.length) throw new ApiError("MEDIA_MISSING", `Upload ${missing.join(" and ")} before submitting`, { details: { missing } });
  const moved = await transition(s, v, "submitted", { cause: "submit", actor: actorOf(c), meta: requestMeta(c), set: { submittedAt: s.now() } });
  if (!moved) throw new ApiError("CONFLICT", "The verification was submitted by another request");
  // If the send fails, the verification is already `submitted`: the sweeper re-enqueues it.
  await enqueueVerification(s, v).catch((err) => log.warn("enqueue_failed", { verification_id: v.id, error: err }));
}

function parseJsonCreate(body: unknown): CreateVerificationInput {
  const parsed = CreateVerificationBody.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data as CreateVerificationInput;
}

/** Multipart create: every file is checked before anything is stored, so a refused request leaves no trace. */
async function parseMultipartCreate(c: Context<AppEnv>) {
  const form = await readForm(c.req);
  const maxBytes = c.var.services.config.MAX_UPLOAD_BYTES;
  const rawData = form.data;
  if (typeof rawData !== "string") throw new ApiError("VALIDATION_ERROR", "A `data` part with the JSON body is required", { details: { fields: { data: ["required"] } } });
  let json: unknown;
  try {
    json = JSON.parse(rawData);
  } catch {
    throw new ApiError("MALFORMED_JSON", "The `data` part is not valid JSON");
  }
  const parsed = CreateVerificationBody.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error.issues, { prefix: "data." });
  const files: { kind: MediaKind; image: CheckedImage }[] = [];
  for (const kind of ["document_front", "document_back", "selfie", "selfie_frame"] as const) {
    for (const bytes of await fileParts(form, kind, maxBytes, kind === "selfie_frame" ? MAX_SELFIE_FRAMES : 1)) {
      files.push({ kind, image: await checkImage(bytes, maxBytes, kind) });
    }
  }
  const submitFlag = form.submit;
  if (submitFlag !== undefined && submitFlag !== "true" && submitFlag !== "false") {
    throw new ApiError("VALIDATION_ERROR", "submit must be true or false", { details: { fields: { submit: ["must be true or false"] } } });
  }
  return { input: parsed.data as CreateVerificationInput, files, submit: submitFlag === "true" };
}

export const createVerificationHandler: RouteHandler<typeof createVerificationRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const principal = c.var.principal;
  const multipart = (c.req.header("Content-Type") ?? "").toLowerCase().startsWith("multipart/form-data");
  const request = multipart ? await parseMultipartCreate(c) : { input: parseJsonCreate(c.req.valid("json")), files: [], submit: false };
  const requestHash = await sha256Hex(
    JSON.stringify({ input: request.input, files: request.files.map((f) => [f.kind, f.image.sha256]), submit: request.submit }),
  );
  const result = await withIdempotency(
    s.db,
    { tenantId: principal.tenantId, scope: "POST /v1/verifications", key: c.req.header("Idempotency-Key"), requestHash, now: s.now() },
    async () => {
      const v = await createVerification(s, principal, request.input, requestMeta(c));
      const stored = [];
      for (const f of request.files) stored.push(await storeMedia(s, v, f.kind, f.image));
      if (request.submit) await submit(c, v);
      return {
        status: 201,
        body: {
          id: v.id,
          status: v.status,
          mode: v.mode,
          ...(stored.length ? { media: stored.map((m) => ({ media_id: m.id, kind: m.kind, sha256: m.sha256, width: m.width, height: m.height })) } : {}),
        },
      };
    },
  );
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  return c.json(result.body as { id: string; status: Status; mode: "live" | "test" }, 201);
};

export const uploadMediaHandler: RouteHandler<typeof uploadMediaRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const { id, kind } = c.req.valid("param");
  const maxBytes = s.config.MAX_UPLOAD_BYTES;
  refuseDeclaredLength(c.req, maxBytes, maxBytes);
  const v = await loadVerification(s, c.var.principal, id);
  if (v.status !== "created") throw new ApiError("INVALID_TRANSITION", `Images can be added only before submission; the verification is ${v.status}`);
  const multipart = (c.req.header("Content-Type") ?? "").toLowerCase().startsWith("multipart/form-data");
  const bytes = multipart ? await requiredFilePart(await readForm(c.req), "file", maxBytes) : new Uint8Array(await c.req.arrayBuffer());
  const image = await checkImage(bytes, maxBytes);
  const row = await storeMedia(s, v, kind, image);
  const { uploaded_at: _u, purged: _p, ...body } = mediaView(row);
  return c.json(body, 201);
};

export const submitHandler: RouteHandler<typeof submitRoute, AppEnv> = async (c) => {
  const v = await loadVerification(c.var.services, c.var.principal, c.req.valid("param").id);
  await submit(c, v);
  return c.json({ id: v.id, status: "submitted" as const }, 202);
};

export const getVerificationHandler: RouteHandler<typeof getVerificationRoute, AppEnv> = async (c) => {
  return c.json((await loadVerificationView(c.var.services, c.var.principal, c.req.valid("param").id)) as never, 200);
};

export const listVerificationsHandler: RouteHandler<typeof listVerificationsRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const { limit, cursor, status } = c.req.valid("query");
  const rows = await s.db
    .select()
    .from(verifications)
    .where(
      and(
        eq(verifications.tenantId, c.var.principal.tenantId),
        status ? eq(verifications.status, status) : undefined,
        cursor ? lt(verifications.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(verifications.id))
    .limit(limit + 1);
  const result = page(rows, limit, (r) => r.id);
  return c.json({ data: result.data.map(summaryView), next_cursor: result.next_cursor }, 200);
};

export const eventsHandler: RouteHandler<typeof eventsRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  return (await openEventStream(s.bindings.VERIFICATION_EVENTS, { verificationId: v.id, tenantId: v.tenantId, lastEventId: c.req.header("Last-Event-ID") })) as never;
};

export const receiptHandler: RouteHandler<typeof receiptRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  return c.json(await resultReceipt(s, v), 200);
};

export const deleteVerificationHandler: RouteHandler<typeof deleteVerificationRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  const erased = await eraseVerification(s, v);
  const actor = actorOf(c);
  await s.audit.append(
    { tenantId: v.tenantId, actorType: actor.type, actorId: actor.id, action: "verification.erased", targetType: "verification", targetId: v.id, metadata: { r2_objects_deleted: erased.objects } },
    requestMeta(c),
  );
  return c.json(await deletionReceipt(s, v, erased), 200);
};

export const redecideHandler: RouteHandler<typeof redecideRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  if (!["verified", "not_verified", "manual_review"].includes(v.status) || v.mode === "test") {
    throw new ApiError("INVALID_TRANSITION", `Only decided live verifications can be re-decided; this one is ${v.status}${v.mode === "test" ? " (test mode)" : ""}`);
  }
  const layers = await s.db.select().from(layerResults).where(eq(layerResults.verificationId, v.id));
  const { version, settings } = await getSettings(s.db, v.tenantId);
  const outcome = decide(layers.map((l) => ({ ...l, findings: l.findings as Finding[] })), settings);
  const set = { decision: outcome.decision, riskScore: outcome.risk_score, reasons: outcome.reasons, settingsVersion: version };
  if (outcome.decision !== v.status) {
    const moved = await transition(s, v, outcome.decision, { cause: "redecide", reason: `settings v${version}`, actor: actorOf(c), meta: requestMeta(c), set });
    if (!moved) throw new ApiError("CONFLICT", "The verification changed while re-deciding; retry");
  } else {
    await s.db.update(verifications).set({ ...set, updatedAt: s.now() }).where(eq(verifications.id, v.id));
    Object.assign(v, set);
  }
  return c.json((await verificationView(s, v)) as never, 200);
};

/** Uniform random numbers from the CSPRNG, so a challenge cannot be predicted. */
const secureRandom = () => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;

export const challengeHandler: RouteHandler<typeof challengeRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  if (v.status !== "created") throw new ApiError("INVALID_TRANSITION", `A challenge can be issued only before submission; the verification is ${v.status}`);
  const body = (c.req.valid("json") ?? {}) as { mirrored?: boolean };
  const challenge = { id: newId("chl", s.now()), steps: createChallenge(secureRandom), mirrored: body.mirrored ?? false, issued_at: new Date(s.now()).toISOString() };
  await s.db.update(verifications).set({ challenge, updatedAt: s.now() }).where(and(eq(verifications.id, v.id), eq(verifications.status, "created")));
  return c.json({ challenge_id: challenge.id, steps: challenge.steps, mirrored: challenge.mirrored, issued_at: challenge.issued_at, frames_expected: challenge.steps.length }, 201);
};
