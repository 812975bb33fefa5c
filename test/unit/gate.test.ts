/**
 * The isolate's image gate (src/lib/gate.ts): image-heavy tasks that arrive together run one after another, in
 * arrival order; a task that throws or a waiter that gives up never wedges the tasks behind it.
 */
import { describe, expect, it } from "vitest";
import { GateBusyError, createGate } from "../../src/lib/gate";

/** A task that records when it ran and finishes when told to (or fails). */
function controlled(log: string[], name: string) {
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const released = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const task = async () => {
    log.push(`start ${name}`);
    try {
      await released;
    } finally {
      log.push(`end ${name}`);
    }
    return name;
  };
  return { task, finish: () => finish(), fail: (e: Error) => fail(e) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the image gate", () => {
  it("runs tasks that arrive together one at a time, in arrival order", async () => {
    const gate = createGate();
    const log: string[] = [];
    const [a, b, c] = ["a", "b", "c"].map((n) => controlled(log, n));
    const results = [gate.run(a.task), gate.run(b.task), gate.run(c.task)];
    await tick();
    expect(log).toEqual(["start a"]);
    expect(gate.pending).toBe(3);
    a.finish();
    await tick();
    expect(log).toEqual(["start a", "end a", "start b"]);
    b.finish();
    await tick();
    c.finish();
    expect(await Promise.all(results)).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(gate.pending).toBe(0);
  });

  it("passes the turn on when a task throws, and the error reaches its caller", async () => {
    const gate = createGate();
    const log: string[] = [];
    const a = controlled(log, "a");
    const b = controlled(log, "b");
    const first = gate.run(a.task);
    const second = gate.run(b.task);
    a.fail(new Error("decode failed"));
    await expect(first).rejects.toThrow("decode failed");
    await tick();
    b.finish();
    await expect(second).resolves.toBe("b");
  });

  it("lets a waiter give up after its limit without holding back the tasks behind it", async () => {
    const gate = createGate();
    const log: string[] = [];
    const a = controlled(log, "a");
    const c = controlled(log, "c");
    const first = gate.run(a.task);
    const impatient = gate.run(async () => "never runs", 20);
    const third = gate.run(c.task);
    await expect(impatient).rejects.toBeInstanceOf(GateBusyError);
    expect(log).toEqual(["start a"]);
    a.finish();
    await first;
    await tick();
    expect(log).toEqual(["start a", "end a", "start c"]);
    c.finish();
    await expect(third).resolves.toBe("c");
    expect(gate.pending).toBe(0);
  });

  it("takes the turn from a holder that never released it (its request died) once it held the gate too long", async () => {
    let clock = 0;
    const gate = createGate({ maxHoldMs: 1000, now: () => clock });
    const log: string[] = [];
    const ghost = controlled(log, "ghost");
    const b = controlled(log, "b");
    const c = controlled(log, "c");
    const first = gate.run(ghost.task);
    // Within the limit, an arrival waits (and here gives up).
    await expect(gate.run(async () => "never runs", 20)).rejects.toBeInstanceOf(GateBusyError);
    clock = 1001;
    const second = gate.run(b.task);
    const third = gate.run(c.task);
    await tick();
    expect(log).toEqual(["start ghost", "start b"]);
    // The ghost finishing late must not end b's turn: c still waits for b.
    ghost.finish();
    await first;
    await tick();
    expect(log).toEqual(["start ghost", "start b", "end ghost"]);
    b.finish();
    await second;
    await tick();
    expect(log).toEqual(["start ghost", "start b", "end ghost", "end b", "start c"]);
    c.finish();
    await expect(third).resolves.toBe("c");
    expect(gate.pending).toBe(0);
  });
});
