/**
 * Coalesced catch-up work (src/lib/coalesce.ts, used for audit sealing and outbox publication): concurrent callers share runs, yet every
 * caller's data — committed before it called — is covered by a run that started after its call.
 */
import { describe, expect, it } from "vitest";
import { batching, coalescing } from "../../src/lib/coalesce";
import { WaitTimeoutError } from "../../src/lib/deadline";

/** A task that snapshots the "committed rows" when it starts reading, and finishes when told to. */
function harness() {
  const committed: number[] = [];
  const runs: { key: string; saw: number[]; finish: () => void; fail: (e: Error) => void }[] = [];
  const task = (key: string) =>
    new Promise<void>((resolve, reject) => {
      runs.push({ key, saw: [...committed], finish: resolve, fail: reject });
    });
  return { committed, runs, run: coalescing(task) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("coalescing", () => {
  it("runs once for a lone caller, and again for a caller that arrives while it runs; later arrivals share that run", async () => {
    const h = harness();
    h.committed.push(1);
    const first = h.run("ten_a");
    h.committed.push(2, 3, 4);
    const [second, third, fourth] = [h.run("ten_a"), h.run("ten_a"), h.run("ten_a")];
    await tick();
    expect(h.runs.map((r) => r.saw)).toEqual([[1]]);
    h.runs[0].finish();
    await first;
    await tick();
    // The follow-up started after every caller's commit, so it sees all of them.
    expect(h.runs.map((r) => r.saw)).toEqual([[1], [1, 2, 3, 4]]);
    h.runs[1].finish();
    await Promise.all([second, third, fourth]);
    expect(h.runs).toHaveLength(2);
    // Nothing in flight: the next call runs at once.
    h.committed.push(5);
    const fifth = h.run("ten_a");
    await tick();
    expect(h.runs).toHaveLength(3);
    expect(h.runs[2].saw).toEqual([1, 2, 3, 4, 5]);
    h.runs[2].finish();
    await fifth;
  });

  it("keeps keys apart and still runs the follow-up when the run in flight fails", async () => {
    const h = harness();
    const a = h.run("ten_a");
    const b = h.run("ten_b");
    const again = h.run("ten_a");
    await tick();
    expect(h.runs.map((r) => r.key)).toEqual(["ten_a", "ten_b"]);
    h.runs[0].fail(new Error("chain object unavailable"));
    await expect(a).rejects.toThrow("chain object unavailable");
    await tick();
    expect(h.runs.map((r) => r.key)).toEqual(["ten_a", "ten_b", "ten_a"]);
    h.runs[1].finish();
    h.runs[2].finish();
    await Promise.all([b, again]);
  });
});

describe("batching", () => {
  /** A task over items that records each run's items and finishes (or fails) when told to. */
  function batchHarness(options?: { waitMs?: number; now?: () => number }) {
    const runs: { items: string[]; finish: (n: number) => void; fail: (e: Error) => void }[] = [];
    const run = batching((items: string[]) => new Promise<number>((resolve, reject) => runs.push({ items, finish: resolve, fail: reject })), options);
    return { runs, run };
  }

  it("runs a lone item at once; items arriving meanwhile share one follow-up run that starts after it", async () => {
    const h = batchHarness();
    const first = h.run("ver_1");
    const later = ["ver_2", "ver_3", "ver_2", "ver_4"].map((id) => h.run(id));
    await tick();
    expect(h.runs.map((r) => r.items)).toEqual([["ver_1"]]);
    h.runs[0].finish(1);
    await expect(first).resolves.toBe(1);
    await tick();
    // One follow-up for every item that joined, each once.
    expect(h.runs.map((r) => r.items)).toEqual([["ver_1"], ["ver_2", "ver_3", "ver_4"]]);
    h.runs[1].finish(3);
    expect(await Promise.all(later)).toEqual([3, 3, 3, 3]);
    // Idle again: the next item runs at once, alone.
    const next = h.run("ver_5");
    await tick();
    expect(h.runs[2].items).toEqual(["ver_5"]);
    h.runs[2].finish(1);
    await next;
  });

  it("still runs the follow-up when the run in flight fails, and a failing follow-up reaches its callers", async () => {
    const h = batchHarness();
    const first = h.run("ver_1");
    const second = h.run("ver_2");
    h.runs[0].fail(new Error("D1 unavailable"));
    await expect(first).rejects.toThrow("D1 unavailable");
    await tick();
    expect(h.runs.map((r) => r.items)).toEqual([["ver_1"], ["ver_2"]]);
    h.runs[1].fail(new Error("queue refused"));
    await expect(second).rejects.toThrow("queue refused");
    const third = h.run("ver_3");
    await tick();
    expect(h.runs[2].items).toEqual(["ver_3"]);
    h.runs[2].finish(1);
    await third;
  });

  it("bounds every wait, and passes by a run in flight for too long instead of queueing behind it for ever", async () => {
    // A run whose request ended in workerd never settles (src/lib/deadline.ts): here, runs[0] is never finished.
    let clock = 0;
    const h = batchHarness({ waitMs: 30, now: () => clock });
    const lost = h.run("ver_1");
    const behind = h.run("ver_2");
    await expect(lost).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(behind).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(h.runs.map((r) => r.items)).toEqual([["ver_1"]]);
    // Later on, the next caller runs at once, taking along the item stranded behind the lost run.
    clock = 31;
    const fresh = h.run("ver_3");
    await tick();
    expect(h.runs.map((r) => r.items)).toEqual([["ver_1"], ["ver_2", "ver_3"]]);
    h.runs[1].finish(2);
    await expect(fresh).resolves.toBe(2);
    // The lost run settling at last disturbs nothing: the next item runs alone, once.
    h.runs[0].finish(1);
    await tick();
    const after = h.run("ver_4");
    await tick();
    expect(h.runs.map((r) => r.items)).toEqual([["ver_1"], ["ver_2", "ver_3"], ["ver_4"]]);
    h.runs[2].finish(1);
    await expect(after).resolves.toBe(1);
  });
});

describe("coalescing, bounded", () => {
  it("gives up on a run that never settles, and the next caller starts a fresh one", async () => {
    let clock = 0;
    const runs: { key: string; finish: () => void }[] = [];
    const seal = coalescing((key) => new Promise<void>((finish) => runs.push({ key, finish })), { waitMs: 30, now: () => clock });
    const lost = seal("ten_a");
    const behind = seal("ten_a");
    await expect(lost).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(behind).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(runs).toHaveLength(1);
    clock = 31;
    const fresh = seal("ten_a");
    await tick();
    expect(runs).toHaveLength(2);
    runs[1].finish();
    await expect(fresh).resolves.toBeUndefined();
  });
});
