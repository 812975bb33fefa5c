/**
 * Head-pose challenges: the server issues a random sequence of moves; the applicant's frames,
 * in capture order, must show them in that order. Pure: randomness is passed in.
 *
 * Directions are the applicant's own ("turn your head to your left"). In an unmirrored camera
 * image that is positive yaw (nose towards the image's right, see pose.ts); set `mirrored`
 * when the client sends selfie-preview (mirrored) frames.
 */
import type { HeadPose } from "./pose";

export type ChallengeStep = "turn_left" | "turn_right" | "look_up" | "look_down";
export const CHALLENGE_STEPS: readonly ChallengeStep[] = ["turn_left", "turn_right", "look_up", "look_down"];

/** Angles (degrees) a frame must reach to count as a move, and how frontal a neutral frame is. */
export const CHALLENGE_ANGLES = { yaw: 15, pitch: 10 } as const;

/**
 * A random sequence of `length` moves with no move repeated back to back.
 *
 * @example
 * createChallenge(() => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32) // ["look_up", "turn_left", "turn_right"]
 */
export function createChallenge(random: () => number, length = 3): ChallengeStep[] {
  const steps: ChallengeStep[] = [];
  while (steps.length < length) {
    const options = CHALLENGE_STEPS.filter((s) => s !== steps[steps.length - 1]);
    steps.push(options[Math.min(options.length - 1, Math.floor(random() * options.length))]);
  }
  return steps;
}

/** Whether a pose shows `step`, in the applicant's own directions. */
export function poseMatchesStep(pose: HeadPose, step: ChallengeStep, mirrored = false): boolean {
  const yaw = mirrored ? -pose.yaw : pose.yaw;
  switch (step) {
    case "turn_left":
      return yaw >= CHALLENGE_ANGLES.yaw;
    case "turn_right":
      return yaw <= -CHALLENGE_ANGLES.yaw;
    case "look_up":
      return pose.pitch >= CHALLENGE_ANGLES.pitch;
    case "look_down":
      return pose.pitch <= -CHALLENGE_ANGLES.pitch;
  }
}

export interface ChallengeCheck {
  passed: boolean;
  /** For each step, the index of the frame that showed it, or -1. */
  matchedFrames: number[];
}

/**
 * Checks that the frames' poses (capture order; `null` = no face) show the steps in order: each
 * step is matched by a later frame than the previous step's.
 */
export function checkChallenge(steps: readonly ChallengeStep[], poses: readonly (HeadPose | null)[], mirrored = false): ChallengeCheck {
  const matchedFrames: number[] = [];
  let from = 0;
  for (const step of steps) {
    let found = -1;
    for (let i = from; i < poses.length; i++) {
      const p = poses[i];
      if (p && poseMatchesStep(p, step, mirrored)) {
        found = i;
        break;
      }
    }
    matchedFrames.push(found);
    if (found >= 0) from = found + 1;
  }
  return { passed: steps.length > 0 && matchedFrames.every((i) => i >= 0), matchedFrames };
}
