import { describe, expect, it } from "vitest";
import { CHALLENGE_STEPS, checkChallenge, createChallenge } from "../../../src/face/challenge";

const pose = (yaw: number, pitch = 0) => ({ yaw, pitch, roll: 0 });

describe("createChallenge", () => {
  it("draws valid steps without immediate repeats", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let n = 0; n < 50; n++) {
      const steps = createChallenge(random, 4);
      expect(steps).toHaveLength(4);
      for (let i = 0; i < steps.length; i++) {
        expect(CHALLENGE_STEPS).toContain(steps[i]);
        if (i > 0) expect(steps[i]).not.toBe(steps[i - 1]);
      }
    }
  });
});

describe("checkChallenge", () => {
  it("passes when the frames show the moves in order (turn left = positive yaw in an unmirrored image)", () => {
    const r = checkChallenge(["turn_left", "look_up", "turn_right"], [pose(0), pose(25), pose(2, 18), pose(-22)]);
    expect(r).toEqual({ passed: true, matchedFrames: [1, 2, 3] });
  });

  it("fails when the moves come in the wrong order", () => {
    const r = checkChallenge(["turn_left", "turn_right"], [pose(-25), pose(25)]);
    expect(r.passed).toBe(false);
    expect(r.matchedFrames).toEqual([1, -1]);
  });

  it("fails on frames that barely move or have no face", () => {
    expect(checkChallenge(["turn_left"], [pose(8), null]).passed).toBe(false);
    expect(checkChallenge(["look_down"], [pose(0, -5)]).passed).toBe(false);
  });

  it("swaps left and right for mirrored frames", () => {
    expect(checkChallenge(["turn_left"], [pose(-25)], true).passed).toBe(true);
  });
});
