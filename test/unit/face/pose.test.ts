import { describe, expect, it } from "vitest";
import { poseFromCorrespondences } from "../../../src/face/pose";

const MODEL: [number, number, number][] = [
  [0, 0, 0], [0, -330, -65], [-225, 170, -135], [225, 170, -135], [-150, -150, -125], [150, -150, -125],
];
const rad = Math.PI / 180;

/** Rotates the model (yaw about y, then pitch about x, then roll about z), projects orthographically, y up. */
function project(yawDeg: number, pitchDeg: number, rollDeg: number): [number, number][] {
  const [y, p, r] = [yawDeg * rad, pitchDeg * rad, rollDeg * rad];
  return MODEL.map(([X, Y, Z]) => {
    // yaw: nose (+z) towards +x
    let x = X * Math.cos(y) + Z * Math.sin(y);
    let z = -X * Math.sin(y) + Z * Math.cos(y);
    // pitch: nose towards +y (up)
    const y1 = Y * Math.cos(p) + z * Math.sin(p);
    z = -Y * Math.sin(p) + z * Math.cos(p);
    // roll: clockwise in the image (y down) = negative angle with y up
    const xr = x * Math.cos(-r) - y1 * Math.sin(-r);
    const yr = x * Math.sin(-r) + y1 * Math.cos(-r);
    x = xr;
    return [x * 0.4 + 300, yr * 0.4 + 200];
  });
}

describe("poseFromCorrespondences", () => {
  it.each([
    [0, 0, 0],
    [25, 0, 0],
    [-30, 0, 0],
    [0, 20, 0],
    [0, -15, 0],
    [0, 0, 12],
  ])("recovers yaw %d°, pitch %d°, roll %d° from an orthographic view", (yaw, pitch, roll) => {
    const pose = poseFromCorrespondences(MODEL, project(yaw, pitch, roll));
    expect(pose.yaw).toBeCloseTo(yaw, 0);
    expect(pose.pitch).toBeCloseTo(pitch, 0);
    expect(pose.roll).toBeCloseTo(roll, 0);
  });

  it("approximates combined rotations (angles are read from the face's axes, not an Euler order)", () => {
    const pose = poseFromCorrespondences(MODEL, project(20, -10, 8));
    expect(Math.abs(pose.yaw - 20)).toBeLessThan(5);
    expect(Math.abs(pose.pitch + 10)).toBeLessThan(5);
    expect(Math.abs(pose.roll - 8)).toBeLessThan(5);
  });
});
