/**
 * What the queues do with a verification: `processJob` runs the pipeline once and records everything it found in
 * ONE guarded transition (status, decision, layer results, evidence rows, the face for duplicate search, history,
 * audit, outbox) — so a verification erased while its job runs stays erased (the guarded batch finds `erased_at`
 * set, stores nothing, and the job removes the evidence files it had put); `deadLetter` sends a job that exhausted
 * its retries to review with PROCESSING_FAILED; `sweepStuck` re-enqueues verifications whose job was lost.
 * Together they guarantee every submitted verification reaches a final state.
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Services } from "../app/services";
import { artifacts, documentImages, faceEmbeddings, layerResults, verifications } from "../db/schema";
import type { ChallengeStep } from "../face/challenge";
import type { FaceEngine } from "../face/engine";
import type { MrzReader } from "../reading/ocr/reader";
import { embeddingToBytes } from "../face/duplicates";
import { sha256Hex } from "../lib/crypto";
import { toBase64Url } from "../lib/encoding";
import { faultSwitchFor } from "../faults";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import type { ReasonCode } from "../pipeline/codes";
import { decide } from "../pipeline/decision";
import { decodeOnce } from "../pipeline/images";
import { livePipeline } from "../pipeline/registry";
import { runPipeline } from "../pipeline/run";
import { sandboxDecision, sandboxLayer } from "../pipeline/sandbox";
import type { LayerResult } from "../pipeline/types";
import type { Clock, MediaStore, VerificationJob } from "../ports";
import { sealFindings } from "./finding-data";
import { d1Gallery } from "./gallery";
import { d1Velocity } from "./velocity";
import { d1RegistryLookup } from "../registry/lookup";
import { listMedia, loadMediaInputs, verificationPrefix } from "./media";
import type { VerificationRow } from "./repository";
import { decryptDeclared, loadForSystem, networkObservations } from "./repository";
import type { GuardedRow } from "./transition";
import { SYSTEM_ACTOR, commitTransition } from "./transition";
import { isFinal } from "./status";
import type { Status } from "./status";

export const VerificationJobSchema = z.object({
  verification_id: z.string().min(1),
  tenant_id: z.string().min(1),
  enqueued_at: z.number(),
}) satisfies z.ZodType<VerificationJob>;

/** The sweeper dead-letters a verification after this many started attempts instead of re-enqueueing it again. */
export const MAX_ATTEMPTS = 8;

const EXT = { "image/png": "png", "image/jpeg": "jpg", "application/json": "json" } as const;

/**
 * Puts every evidence file of the results in storage under the verification's prefix and returns their rows, to be
 * inserted with the decision. A name used twice is refused (a layer bug, not the applicant's).
 */
export async function storeArtifacts(ports: { media: MediaStore; clock: Clock }, v: Pick<VerificationRow, "id" | "tenantId">, results: LayerResult[]): Promise<GuardedRow[]> {
  const rows: GuardedRow[] = [];
  const names = new Set<string>();
  for (const r of results) {
    for (const a of r.artifacts ?? []) {
      if (!/^[a-z0-9_]{1,64}$/.test(a.name) || names.has(a.name)) throw new Error(`layer ${r.layer} produced an artifact with a bad or repeated name: ${a.name}`);
      names.add(a.name);
      const r2Key = `${verificationPrefix(v.tenantId, v.id)}evidence/${a.name}.${EXT[a.contentType]}`;
      const sha256 = await sha256Hex(a.bytes);
      await ports.media.put(r2Key, a.bytes, { contentType: a.contentType, sha256, custom: { tenant_id: v.tenantId, verification_id: v.id, layer: r.layer } });
      const now = ports.clock.now();
      rows.push({ table: artifacts, values: { id: newId("art", now), tenantId: v.tenantId, verificationId: v.id, layer: r.layer, name: a.name, r2Key, contentType: a.contentType, bytes: a.bytes.byteLength, sha256, createdAt: now } });
    }
  }
  return rows;
}

export type JobOutcome = "decided" | "already_final" | "not_found" | "not_submitted" | "lost_race" | "erased";

/** Runs the pipeline for one job. Throws on any failure so the queue retries it. */
export async function processJob(s: Services, job: VerificationJob, deps: { engine?: FaceEngine; mrzReader?: MrzReader; clock: () => number }): Promise<JobOutcome> {
  let v = await loadForSystem(s, job.tenant_id, job.verification_id);
  if (!v || v.erasedAt) return "not_found";
  if (isFinal(v.status as Status)) return "already_final";
  if (v.status === "created") return "not_submitted";
  if (v.status === "submitted") {
    const started = await commitTransition(s, v, { cause: "start", to: "processing", actor: SYSTEM_ACTOR, set: { processingStartedAt: s.now(), attempts: v.attempts + 1 } });
    if (!started) {
      v = await loadForSystem(s, job.tenant_id, job.verification_id);
      if (!v || v.erasedAt || v.status !== "processing") return "lost_race";
    }
  } else {
    await s.db
      .update(verifications)
      .set({ attempts: v.attempts + 1, processingStartedAt: s.now() })
      .where(and(eq(verifications.id, v.id), eq(verifications.status, "processing"), isNull(verifications.erasedAt)));
  }

  // Development only (FAULTS=pipeline=…): a share of runs fail as they start, after the verification is `processing`.
  faultSwitchFor(s.config.FAULTS).check("pipeline", "run");
  const declared = await decryptDeclared(s, v);
  const inputs = {
    verificationId: v.id,
    tenantId: v.tenantId,
    declared,
    media: await loadMediaInputs(s, await listMedia(s, v.id)),
    request: { country: v.requestCountry, ip: v.requestIpEnc ? await s.crypto.decrypt(v.tenantId, v.requestIpEnc) : null },
    network: await networkObservations(s, v),
  };
  // Read before the run: some layers apply the tenant's settings themselves (minimum age, velocity limits, vision model).
  const { version, settings } = await s.settings.get(v.tenantId);
  const ctx = { clock: deps.clock, today: new Date(s.now()).toISOString().slice(0, 10), images: decodeOnce(s.imageResizer) };
  const test = v.mode === "test";
  const issued = v.challenge as { steps?: ChallengeStep[]; mirrored?: boolean } | null;
  const challenge = issued?.steps?.length ? { steps: issued.steps, mirrored: issued.mirrored ?? false } : null;
  // The recogniser's session is created before the face models': creating it is onnxruntime-web's high-water mark
  // (~50 MB), and wasm memory never shrinks, so the face sessions made afterwards fit in what it freed (bench/memory).
  // A failure here is the mrz layer's to report (it retries the load), not the job's.
  if (!test && deps.mrzReader) await deps.mrzReader.warmUp().catch(() => undefined);
  const pipeline = test
    ? { layers: [sandboxLayer], analyses: null, documentHash: () => null }
    : livePipeline(
        { engine: deps.engine, mrzReader: deps.mrzReader, vision: s.visionModel(settings.vision_model) },
        { gallery: d1Gallery(s, v, declared), challenge, images: ctx.images, registry: d1RegistryLookup(s, { tenantId: v.tenantId, mode: v.mode }), velocity: d1Velocity(s, v), settings },
      );
  const results = await runPipeline(pipeline.layers, inputs, ctx);

  const outcome = test ? sandboxDecision(declared.lastName, results, settings) : decide(results, settings);
  const to = outcome.decision as Status;
  const now = s.now();

  const evidence = await storeArtifacts(s, v, results);
  const sealed = await Promise.all(results.map((r) => sealFindings(s.crypto, v.tenantId, r)));
  const rows: GuardedRow[] = [
    ...results.map((r, i) => ({
      table: layerResults,
      values: { id: newId("lyr", now), tenantId: v.tenantId, verificationId: v.id, layer: r.layer, status: r.status, score: r.score, findings: sealed[i], ms: r.ms, createdAt: now },
    })),
    ...evidence,
  ];
  // Faces of verified (and in-review, possibly approved later) live applicants feed the tenant's 1:N duplicate search.
  const embedding = pipeline.analyses && (to === "verified" || to === "manual_review") ? await pipeline.analyses.selfieEmbedding(inputs) : null;
  if (embedding) {
    const embeddingEnc = await s.crypto.encrypt(v.tenantId, toBase64Url(embeddingToBytes(embedding)));
    rows.push({ table: faceEmbeddings, values: { id: newId("emb", now), tenantId: v.tenantId, verificationId: v.id, embeddingEnc, createdAt: now } });
  }
  // Every decided live document image feeds the tenant's document-image duplicate search (whatever the outcome).
  const documentHash = pipeline.documentHash();
  if (documentHash) {
    rows.push({ table: documentImages, values: { id: newId("dim", now), tenantId: v.tenantId, verificationId: v.id, phashEnc: await s.crypto.encrypt(v.tenantId, documentHash), createdAt: now } });
  }
  const decided = await commitTransition(s, v, {
    cause: "decide",
    to,
    reason: (outcome.reasons[0] as ReasonCode | undefined) ?? null,
    actor: SYSTEM_ACTOR,
    set: { decision: outcome.decision === "error" ? null : outcome.decision, riskScore: outcome.risk_score, reasons: outcome.reasons, settingsVersion: version, completedAt: now },
    // A repeated run (a redelivered job after a crash mid-commit) replaces what an earlier one left.
    statements: (guard) => [
      sql`delete from ${layerResults} where ${layerResults.verificationId} = ${v.id} and ${guard}`,
      sql`delete from ${artifacts} where ${artifacts.verificationId} = ${v.id} and ${guard}`,
      sql`delete from ${faceEmbeddings} where ${faceEmbeddings.verificationId} = ${v.id} and ${guard}`,
      sql`delete from ${documentImages} where ${documentImages.verificationId} = ${v.id} and ${guard}`,
    ],
    rows,
  });
  if (decided) return "decided";
  const now2 = await loadForSystem(s, job.tenant_id, job.verification_id);
  if (!now2 || now2.erasedAt) {
    // Erased while we ran: the erasure already removed the uploads; remove the evidence this run put.
    await s.media.deletePrefix(verificationPrefix(v.tenantId, v.id));
    return "erased";
  }
  return "lost_race";
}

/** A job that exhausted its retries: the verification goes to a reviewer with PROCESSING_FAILED. */
export async function deadLetter(s: Services, job: VerificationJob): Promise<"moved" | "already_final" | "not_found"> {
  const v = await loadForSystem(s, job.tenant_id, job.verification_id);
  if (!v || v.erasedAt) return "not_found";
  if (isFinal(v.status as Status) || v.status === "created") return "already_final";
  const moved = await commitTransition(s, v, {
    cause: "dead_letter",
    to: "manual_review",
    reason: "PROCESSING_FAILED",
    actor: SYSTEM_ACTOR,
    set: { decision: "manual_review", reasons: ["PROCESSING_FAILED"], completedAt: s.now() },
  });
  if (!moved) {
    const again = await loadForSystem(s, job.tenant_id, job.verification_id);
    if (again && !again.erasedAt && !isFinal(again.status as Status)) throw new Error("verification changed under the dead-letter consumer; retrying");
    return "already_final";
  }
  log.warn("verification_dead_lettered", { verification_id: v.id, tenant_id: v.tenantId, attempts: v.attempts });
  return "moved";
}

/**
 * Re-enqueues verifications left in `submitted` or `processing` longer than `stuckAfterMs` (a lost message,
 * a crashed isolate); after MAX_ATTEMPTS started attempts, dead-letters them instead.
 */
export async function sweepStuck(s: Services, stuckAfterMs: number): Promise<{ requeued: number; deadLettered: number }> {
  const cutoff = s.now() - stuckAfterMs;
  const stuck = await s.db
    .select()
    .from(verifications)
    .where(
      and(
        isNull(verifications.erasedAt),
        or(
          and(eq(verifications.status, "processing"), lt(verifications.processingStartedAt, cutoff)),
          and(eq(verifications.status, "submitted"), lt(verifications.submittedAt, cutoff)),
        ),
      ),
    )
    .limit(500);
  let requeued = 0;
  let deadLettered = 0;
  for (const v of stuck) {
    const job = { verification_id: v.id, tenant_id: v.tenantId, enqueued_at: s.now() };
    // One verification's failure (a D1 write, the queue) must not keep the sweeper from the others: the next minute
    // retries it.
    try {
      if (v.attempts >= MAX_ATTEMPTS) {
        if ((await deadLetter(s, job)) === "moved") deadLettered++;
        continue;
      }
      // Pushing the clock forward keeps the next sweep from re-enqueueing the same verification again at once.
      await s.db
        .update(verifications)
        .set(v.status === "processing" ? { processingStartedAt: s.now() } : { submittedAt: s.now() })
        .where(and(eq(verifications.id, v.id), eq(verifications.status, v.status)));
      await s.jobs.enqueue(job);
      requeued++;
    } catch (err) {
      log.warn("stuck_verification_sweep_failed", { verification_id: v.id, error: err });
    }
  }
  if (requeued || deadLettered) log.warn("stuck_verifications_swept", { requeued, dead_lettered: deadLettered });
  return { requeued, deadLettered };
}
