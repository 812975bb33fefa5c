/**
 * Batched catch-up work (src/lib/coalesce.ts, used for outbox publication and after-commit audit seals): concurrent
 * callers are served by one leader's rounds, every caller's item is run after it called, failures reach the callers of
 * their round, a lost leader is taken over, rounds under a stream of callers are spaced (bigger, fewer), and leaders
 * take turns. No promise passes between callers (workerd forbids it across requests), so waiting callers poll on their
 * own timers.
 */
import { describe, expect, it, vi } from "vitest";
import { batching } from "../../src/lib/coalesce";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe("batching", () => {
  it("serves concurrent callers in two rounds: the first item alone, then every item that arrived meanwhile", async () => {
    const rounds: string[][] = [];
    const gate = deferred();
    const run = batching(async (items: string[]) => {
      rounds.push(items);
      if (rounds.length === 1) await gate.promise;
      return items.length;
    }, { pollMs: 1 });
    const first = run("a");
    const rest = [run("b"), run("c"), run("d")];
    await new Promise((r) => setTimeout(r, 10));
    gate.resolve();
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual([3, 3, 3]);
    expect(rounds).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("runs a caller's item only in a round that starts after its call", async () => {
    const seen: string[] = [];
    const committed = new Set<string>();
    const run = batching(async (items: string[]) => {
      for (const i of items) if (committed.has(i)) seen.push(i);
      await new Promise((r) => setTimeout(r, 5));
    }, { pollMs: 1 });
    const calls = ["v1", "v2", "v3", "v4", "v5"].map(async (id, n) => {
      await new Promise((r) => setTimeout(r, n * 2));
      committed.add(id); // the caller's data is committed before it calls
      await run(id);
    });
    await Promise.all(calls);
    expect(seen.sort()).toEqual(["v1", "v2", "v3", "v4", "v5"]);
  });

  it("gives a failed round's error to each of its callers, and the next call runs afresh", async () => {
    let fail = true;
    const run = batching(async (items: string[]) => {
      if (fail) throw new Error(`D1 down for ${items.join(",")}`);
      return "ok";
    }, { pollMs: 1 });
    await expect(run("x")).rejects.toThrow("D1 down for x");
    fail = false;
    expect(await run("x")).toBe("ok");
  });

  it("takes over from a leader silent for longer than waitMs, with the items it left waiting", async () => {
    let clock = 0;
    const rounds: string[][] = [];
    const never = new Promise<number>(() => {});
    const run = batching(async (items: string[]) => {
      rounds.push(items);
      return rounds.length === 1 ? never : items.length; // the first leader's request ends mid-run
    }, { waitMs: 1000, pollMs: 1, now: () => clock });
    void run("lost");
    const waiting = run("behind");
    await new Promise((r) => setTimeout(r, 10));
    expect(rounds).toEqual([["lost"]]);
    clock = 2000;
    expect(await waiting).toBe(1);
    expect(rounds).toEqual([["lost"], ["behind"]]);
  });

  it("spaces a leader's rounds under a stream of callers: the first item at once, then everything of each interval together", async () => {
    const rounds: { at: number; items: number[] }[] = [];
    const t0 = performance.now();
    const run = batching(async (items: number[]) => {
      rounds.push({ at: performance.now() - t0, items });
      await new Promise((r) => setTimeout(r, 1)); // a round trip
    }, { pollMs: 1, spacingMs: 30 });
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      calls.push(run(i));
      await new Promise((r) => setTimeout(r, 3));
    }
    await Promise.all(calls);
    expect(rounds[0]).toMatchObject({ items: [0] });
    expect(rounds[0].at).toBeLessThan(20); // a caller alone is not held back
    for (let i = 1; i < rounds.length; i++) expect(rounds[i].at - rounds[i - 1].at).toBeGreaterThanOrEqual(28); // timers may fire ~1 ms early
    // a caller every 3 ms, a round every 30 ms: several items a round, not a round per round trip (one item each)
    expect(rounds.length).toBeLessThanOrEqual(40 / 3);
    expect(rounds.flatMap((r) => r.items).sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
  });

  it("hands the lead over after maxLeadMs while callers keep coming, and the next waiting caller leads", async () => {
    const run = batching(async () => {
      await new Promise((r) => setTimeout(r, 5)); // callers arrive faster than rounds end: items are always waiting
    }, { pollMs: 2, spacingMs: 5, maxLeadMs: 40 });
    let firstDoneAt = Infinity;
    const t0 = performance.now();
    const first = run(-1).then(() => (firstDoneAt = performance.now() - t0));
    const calls: Promise<void>[] = [];
    while (performance.now() - t0 < 400) {
      calls.push(run(calls.length));
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all([first, ...calls]);
    // Without the hand-over the first caller would lead (and stay open) for as long as the stream lasts (400 ms).
    expect(firstDoneAt).toBeLessThan(300);
    expect(run.unclaimed).toBe(0);
  });

  it("drops an outcome its caller never came back for (its request was cancelled while it waited)", async () => {
    vi.useFakeTimers(); // a waiting caller's poll timer never fires: the caller is gone
    try {
      let clock = 0;
      const gate = deferred();
      const run = batching(async (items: string[]) => {
        if (items.includes("a")) await gate.promise;
        return items.length;
      }, { waitMs: 1000, spacingMs: 0, now: () => clock });
      const first = run("a");
      void run("gone");
      gate.resolve();
      expect(await first).toBe(1);
      expect(run.unclaimed).toBe(1); // "gone" was run in the leader's second round; nobody picked it up
      clock = 500;
      expect(await run("b")).toBe(1);
      expect(run.unclaimed).toBe(1); // still within waitMs: its caller might yet look
      clock = 5000;
      expect(await run("c")).toBe(1);
      expect(run.unclaimed).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
