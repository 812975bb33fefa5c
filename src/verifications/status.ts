/**
 * The verification status machine. Any transition not listed here is refused (409 INVALID_TRANSITION).
 *   created → submitted → processing → verified | not_verified | manual_review | error
 *   manual_review → verified | not_verified            (a reviewer's final decision)
 *   manual_review → resubmission_requested             (a reviewer asks for new images; not final)
 *   resubmission_requested → submitted                 (the tenant uploaded again and resubmitted; the pipeline reruns)
 *   submitted | processing → manual_review              (dead letter: PROCESSING_FAILED)
 *   verified | not_verified | manual_review → each other (an admin's re-decision under new settings)
 */
export const STATUSES = ["created", "submitted", "processing", "verified", "not_verified", "manual_review", "error", "resubmission_requested"] as const;
export type Status = (typeof STATUSES)[number];

export type TransitionCause = "submit" | "start" | "decide" | "review" | "dead_letter" | "redecide";

const ALLOWED: Record<TransitionCause, Partial<Record<Status, Status[]>>> = {
  submit: { created: ["submitted"], resubmission_requested: ["submitted"] },
  start: { submitted: ["processing"] },
  decide: { processing: ["verified", "not_verified", "manual_review", "error"] },
  review: { manual_review: ["verified", "not_verified", "resubmission_requested"] },
  dead_letter: { submitted: ["manual_review"], processing: ["manual_review"] },
  redecide: { verified: ["not_verified", "manual_review"], not_verified: ["verified", "manual_review"], manual_review: ["verified", "not_verified"] },
};

export function canTransition(from: Status, to: Status, cause: TransitionCause): boolean {
  return ALLOWED[cause][from]?.includes(to) ?? false;
}

/** States in which the pipeline will not run again (`resubmission_requested` is not one: it waits for new images). */
export const FINAL_STATUSES: readonly Status[] = ["verified", "not_verified", "manual_review", "error"];
export const isFinal = (s: Status) => FINAL_STATUSES.includes(s);
