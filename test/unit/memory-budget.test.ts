/**
 * The memory budget, measured rather than estimated: the instrumented run of `npm run bench -- memory` (the real
 * pipeline and the faces path in workerd, every WebAssembly memory plus the JS heap and ArrayBuffers read over the
 * V8 inspector after each stage) on a generated 12 MP document and selfie. In Node because only Node reaches
 * workerd's inspector, and in a child process so Miniflare runs outside the test runner's module loader. Memory is
 * deterministic enough to assert; time is not asserted.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

interface Run {
  size: string;
  path: string;
  peak: number;
  decision: string;
  reasons?: string[];
}

describe("memory budget of one verification run and one faces call", () => {
  it("stays under 100 MB with a 12 MP document and selfie, with the same decision as at 2 MP", { timeout: 600_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, "bench/memory/run.mjs"), "--sizes", "2MP,12MP", "--json"], { cwd: root, maxBuffer: 1 << 24 });
    const { budgetMB, calibration, runs } = JSON.parse(stdout.trim().split("\n").at(-1)!) as { budgetMB: number; calibration: { delta: number }; runs: Run[] };
    expect(budgetMB).toBe(100);
    // The meter is real: allocating 50 MB inside the isolate moves it by 50 MB.
    expect(calibration.delta).toBeGreaterThan(49.5);
    expect(calibration.delta).toBeLessThan(50.5);

    const find = (size: string, kind: string) => runs.find((r) => r.size === size && r.path === kind)!;
    expect(find("12MP", "pipeline").peak).toBeLessThanOrEqual(budgetMB * 1e6);
    expect(find("12MP", "faces compare").peak).toBeLessThanOrEqual(budgetMB * 1e6);
    expect(find("12MP", "pipeline").decision).toBe("verified");
    expect(find("12MP", "pipeline").decision).toBe(find("2MP", "pipeline").decision);
    expect(find("12MP", "pipeline").reasons).toEqual(find("2MP", "pipeline").reasons);
  });
});
