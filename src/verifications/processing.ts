/**
 * What the queues do with a verification: `processJob` runs the pipeline once (idempotently: a finished
 * verification is left alone, results are upserted per layer, and only one worker can record the decision);
 * `deadLetter` sends a job that exhausted its retries to manual review; `sweepStuck` re-enqueues
 * verifications whose job was lost. Together they guarantee every submitted verification reaches a final state.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { z } from "zod";
import type { Services } from "../services";
import { layerResults, verifications } from "../db/schema";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { decide } from "../pipeline/decision";
import { livePipeline } from "../pipeline/registry";
import type { LayerDeps } from "../pipeline/registry";
import type { ChallengeStep } from "../face/challenge";
import { d1Gallery, rememberFace } from "./gallery";
import { runPipeline } from "../pipeline/run";
import { decodeOnce } from "../pipeline/images";
import { resizerFromBinding } from "../adapters/images";
import { sandboxLayer, sandboxOutcome } from "../pipeline/sandbox";
import type { LayerResult } from "../pipeline/types";
import { listMedia, loadMediaInputs } from "./media";
import type { VerificationRow } from "./service";
import { decryptDeclared, transition } from "./service";
import { getSettings } from "./settings";
import { isFinal } from "./status";
import type { Status } from "./status";

export const VerificationJobSchema = z.object({
  verification_id: z.string().min(1),
  tenant_id: z.string().min(1),
  enqueued_at: z.number(),
});
export type VerificationJob = z.infer<typeof VerificationJobSchema>;

const SYSTEM = { type: "system" as const, id: null };
/** The sweeper dead-letters a verification after this many started attempts instead of re-enqueueing it again. */
export const MAX_ATTEMPTS = 8;

export async function enqueueVerification(s: Services, v: Pick<VerificationRow, "id" | "tenantId">): Promise<void> {
  const job: VerificationJob = { verification_id: v.id, tenant_id: v.tenantId, enqueued_at: s.now() };
  await s.bindings.VERIFICATION_JOBS.send(job, { contentType: "json" });
}

async function loadById(s: Services, tenantId: string, id: string): Promise<VerificationRow | undefined> {
  const [row] = await s.db
    .select()
    .from(verifications)
    .where(and(eq(verifications.id, id), eq(verifications.tenantId, tenantId)))
    .limit(1);
  return row;
}

export async function storeLayerResults(s: Services, v: VerificationRow, results: LayerResult[]) {
  const now = s.now();
  for (const r of results) {
    await s.db
      .insert(layerResults)
      .values({ id: newId("lyr", now), tenantId: v.tenantId, verificationId: v.id, layer: r.layer, status: r.status, score: r.score, findings: r.findings, ms: r.ms, createdAt: now })
      .onConflictDoUpdate({
        target: [layerResults.verificationId, layerResults.layer],
        set: { status: r.status, score: r.score, findings: r.findings, ms: r.ms, createdAt: now },
      });
  }
}

export type JobOutcome = "decided" | "already_final" | "not_found" | "not_submitted" | "lost_race";

/** Runs the pipeline for one job. Throws on any failure so the queue retries it. */
export async function processJob(s: Services, job: VerificationJob, deps: LayerDeps & { clock: () => number }): Promise<JobOutcome> {
  let v = await loadById(s, job.tenant_id, job.verification_id);
  if (!v || v.erasedAt) return "not_found";
  if (isFinal(v.status as Status)) return "already_final";
  if (v.status === "created") return "not_submitted";
  if (v.status === "submitted") {
    const started = await transition(s, v, "processing", { cause: "start", actor: SYSTEM, set: { processingStartedAt: s.now(), attempts: v.attempts + 1 } });
    if (!started) {
      v = await loadById(s, job.tenant_id, job.verification_id);
      if (!v || v.status !== "processing") return "lost_race";
    }
  } else {
    await s.db.update(verifications).set({ attempts: v.attempts + 1, processingStartedAt: s.now() }).where(eq(verifications.id, v.id));
  }

  const declared = await decryptDeclared(s, v);
  const inputs = {
    verificationId: v.id,
    tenantId: v.tenantId,
    declared,
    media: await loadMediaInputs(s, await listMedia(s, v.id)),
    request: { country: v.requestCountry, ip: v.requestIp },
  };
  const ctx = { clock: deps.clock, today: new Date(s.now()).toISOString().slice(0, 10), images: decodeOnce(resizerFromBinding(s.bindings.IMAGES)) };
  const test = v.mode === "test";
  const issued = v.challenge as { steps?: ChallengeStep[]; mirrored?: boolean } | null;
  const challenge = issued?.steps?.length ? { steps: issued.steps, mirrored: issued.mirrored ?? false } : null;
  const pipeline = test ? { layers: [sandboxLayer], analyses: null } : livePipeline(deps, { gallery: d1Gallery(s, v, declared), challenge, images: ctx.images });
  const results = await runPipeline(pipeline.layers, inputs, ctx);
  await storeLayerResults(s, v, results);

  const { version, settings } = await getSettings(s.db, v.tenantId);
  const outcome = test
    ? (() => {
        const forced = sandboxOutcome(declared.lastName);
        const codes = results.flatMap((r) => r.findings.map((f) => f.code));
        return { decision: forced, risk_score: results[0]?.score ?? 0, reasons: codes };
      })()
    : decide(results, settings);
  const to = outcome.decision as Status;
  const decided = await transition(s, v, to, {
    cause: "decide",
    reason: outcome.reasons[0] ?? null,
    actor: SYSTEM,
    set: {
      decision: outcome.decision === "error" ? null : outcome.decision,
      riskScore: outcome.risk_score,
      reasons: outcome.reasons,
      settingsVersion: version,
      completedAt: s.now(),
    },
  });
  if (!decided) return "lost_race";
  // Faces of verified (and in-review, possibly approved later) applicants feed the tenant's 1:N duplicate search.
  if (pipeline.analyses && (to === "verified" || to === "manual_review")) {
    const embedding = await pipeline.analyses.selfieEmbedding(inputs);
    if (embedding) await rememberFace(s, v, embedding);
  }
  return "decided";
}

/** A job that exhausted its retries: the verification goes to a reviewer with PROCESSING_FAILED. */
export async function deadLetter(s: Services, job: VerificationJob): Promise<"moved" | "already_final" | "not_found"> {
  const v = await loadById(s, job.tenant_id, job.verification_id);
  if (!v || v.erasedAt) return "not_found";
  if (isFinal(v.status as Status) || v.status === "created") return "already_final";
  const moved = await transition(s, v, "manual_review", {
    cause: "dead_letter",
    reason: "PROCESSING_FAILED",
    actor: SYSTEM,
    set: { decision: "manual_review", reasons: ["PROCESSING_FAILED"], completedAt: s.now() },
  });
  if (!moved) {
    const again = await loadById(s, job.tenant_id, job.verification_id);
    if (again && !isFinal(again.status as Status)) throw new Error("verification changed under the dead-letter consumer; retrying");
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
    if (v.attempts >= MAX_ATTEMPTS) {
      if ((await deadLetter(s, job)) === "moved") deadLettered++;
      continue;
    }
    // Pushing the clock forward keeps the next sweep from re-enqueueing the same verification again at once.
    await s.db
      .update(verifications)
      .set(v.status === "processing" ? { processingStartedAt: s.now() } : { submittedAt: s.now() })
      .where(and(eq(verifications.id, v.id), eq(verifications.status, v.status)));
    await enqueueVerification(s, v);
    requeued++;
  }
  if (requeued || deadLettered) log.warn("stuck_verifications_swept", { requeued, dead_lettered: deadLettered });
  return { requeued, deadLettered };
}
