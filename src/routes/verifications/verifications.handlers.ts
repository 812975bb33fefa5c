/** HTTP handlers of the verification routes: parse the request, call the domain (src/verifications/), shape the answer. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app/context";
import { ApiError, notFound, validationError } from "../../lib/errors";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import type { CheckedImage } from "../../media/uploads";
import { checkImage, fileParts, readForm, refuseDeclaredLength, requiredFilePart } from "../../media/uploads";
import { eraseVerification } from "../../verifications/erasure";
import { withIdempotency } from "../../verifications/idempotency";
import type { CreateRequest, CreateVerificationInput } from "../../verifications/lifecycle";
import { createVerification, issueChallenge, redecideVerification, submitVerification } from "../../verifications/lifecycle";
import type { MediaKind } from "../../verifications/media";
import { MAX_SELFIE_FRAMES, UPLOAD_STATUSES, listMedia, openArtifact, storeMedia, uploadProvenance } from "../../verifications/media";
import { deletionReceipt, exportVerification, resultReceipt } from "../../verifications/receipts";
import { listVerifications, loadVerification } from "../../verifications/repository";
import type { Status } from "../../verifications/status";
import { loadVerificationView, mediaView, summaryView, verificationView } from "../../verifications/view";
import type {
  challengeRoute,
  createVerificationRoute,
  deleteVerificationRoute,
  eventsRoute,
  evidenceRoute,
  exportRoute,
  getVerificationRoute,
  listVerificationsRoute,
  receiptRoute,
  redecideRoute,
  submitRoute,
  uploadMediaRoute,
} from "./verifications.routes";
import { CreateVerificationBody } from "./verifications.schemas";

const isMultipart = (c: Context<AppEnv>) => (c.req.header("Content-Type") ?? "").toLowerCase().startsWith("multipart/form-data");

function parseJsonCreate(body: unknown): CreateVerificationInput {
  const parsed = CreateVerificationBody.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data as CreateVerificationInput;
}

/** Multipart create: every file is checked before anything is stored, so a refused request leaves no trace. */
async function parseMultipartCreate(c: Context<AppEnv>): Promise<CreateRequest> {
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
  const request = isMultipart(c) ? await parseMultipartCreate(c) : { input: parseJsonCreate(c.req.valid("json")), files: [], submit: false };
  const result = await withIdempotency(
    s,
    {
      tenantId: principal.tenantId,
      scope: "POST /v1/verifications",
      key: c.req.header("Idempotency-Key"),
      request: JSON.stringify({ input: request.input, files: request.files.map((f) => [f.kind, f.image.sha256]), submit: request.submit }),
    },
    async () => {
      const { verification: v, media } = await createVerification(s, principal, request, requestMeta(c));
      return {
        status: 201,
        resourceId: v.id,
        body: {
          id: v.id,
          status: v.status,
          mode: v.mode,
          ...(media.length ? { media: media.map((m) => ({ media_id: m.id, kind: m.kind, sha256: m.sha256, width: m.width, height: m.height })) } : {}),
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
  if (!(UPLOAD_STATUSES as readonly string[]).includes(v.status)) {
    throw new ApiError("INVALID_TRANSITION", `Images can be added only before submission (or after a reviewer asked for new ones); the verification is ${v.status}`);
  }
  const bytes = isMultipart(c) ? await requiredFilePart(await readForm(c.req), "file", maxBytes) : new Uint8Array(await c.req.arrayBuffer());
  const row = await storeMedia(s, v, kind, await checkImage(bytes, maxBytes), uploadProvenance(c.var.principal, c.req.raw.cf, s.config.ENVIRONMENT));
  const { uploaded_at: _u, purged: _p, ...body } = mediaView(row);
  return c.json(body, 201);
};

export const submitHandler: RouteHandler<typeof submitRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  await submitVerification(s, c.var.principal, v, requestMeta(c));
  return c.json({ id: v.id, status: "submitted" as const }, 202);
};

export const getVerificationHandler: RouteHandler<typeof getVerificationRoute, AppEnv> = async (c) => {
  const principal = c.var.principal;
  if (principal.type === "session") {
    // The hosted page learns only where the case stands, enough to resume after a reload: which kinds of image are in,
    // how many selfie frames, how many challenge steps were issued. No applicant data, no evidence, not the steps.
    const s = c.var.services;
    const v = await loadVerification(s, principal, c.req.valid("param").id);
    const stored = (await listMedia(s, v.id)).filter((m) => !m.purgedAt);
    const challenge = v.challenge as { steps?: unknown[] } | null;
    return c.json(
      {
        id: v.id,
        status: v.status,
        decision: v.decision,
        media: [...new Set(stored.map((m) => m.kind))],
        selfie_frames: stored.filter((m) => m.kind === "selfie_frame").length,
        challenge_steps: challenge?.steps?.length ?? 0,
      } as never,
      200,
    );
  }
  return c.json((await loadVerificationView(c.var.services, c.var.principal, c.req.valid("param").id)) as never, 200);
};

export const listVerificationsHandler: RouteHandler<typeof listVerificationsRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const result = page(await listVerifications(c.var.services, c.var.principal, q), q.limit, (r) => r.id);
  return c.json({ data: result.data.map(summaryView), next_cursor: result.next_cursor }, 200);
};

export const eventsHandler: RouteHandler<typeof eventsRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  const res = await s.statusEvents.stream({ verificationId: v.id, tenantId: v.tenantId, lastEventId: c.req.header("Last-Event-ID") ?? null });
  return new Response(res.body, { status: 200, headers: res.headers }) as never;
};

export const receiptHandler: RouteHandler<typeof receiptRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  return c.json(await resultReceipt(s, v), 200);
};

export const exportHandler: RouteHandler<typeof exportRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  return c.json((await exportVerification(s, v)) as never, 200);
};

export const evidenceHandler: RouteHandler<typeof evidenceRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const { id, name } = c.req.valid("param");
  const v = await loadVerification(s, c.var.principal, id);
  const file = await openArtifact(s, v, name);
  if (!file) throw notFound("Evidence");
  return new Response(file.body, {
    status: 200,
    headers: { "Content-Type": file.contentType, "Content-Length": String(file.size), "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" },
  }) as never;
};

export const deleteVerificationHandler: RouteHandler<typeof deleteVerificationRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  const erased = await eraseVerification(s, c.var.principal, v, requestMeta(c));
  return c.json(await deletionReceipt(s, v, erased), 200);
};

export const redecideHandler: RouteHandler<typeof redecideRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  await redecideVerification(s, c.var.principal, v, requestMeta(c));
  return c.json((await verificationView(s, v)) as never, 200);
};

export const challengeHandler: RouteHandler<typeof challengeRoute, AppEnv> = async (c) => {
  const s = c.var.services;
  const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
  const body = (c.req.valid("json") ?? {}) as { mirrored?: boolean };
  const challenge = await issueChallenge(s, v, body);
  return c.json({ challenge_id: challenge.id, steps: challenge.steps, mirrored: challenge.mirrored, issued_at: challenge.issued_at, frames_expected: challenge.steps.length }, 201);
};
