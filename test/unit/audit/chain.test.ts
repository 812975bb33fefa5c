/**
 * The audit chain's pure code through the in-memory twin: sealing order and links, what verification reports for
 * each kind of tampering, resuming from checkpoints, and faults that leave rows pending rather than lost.
 */
import { describe, expect, it } from "vitest";
import { memoryAuditLog, memorySigner } from "../../../src/adapters/memory/audit-log";
import { GENESIS_HASH, canonicalAudit, hashRow, sealRows } from "../../../src/audit/chain";
import type { AuditEventInput, AuditRow } from "../../../src/audit/types";

const T = "ten_a";
const event = (i: number, tenantId = T): AuditEventInput => ({ tenantId, actorType: "user", actorId: "usr_1", action: `test.${i}`, targetType: "thing", targetId: `thg_${i}`, metadata: { n: i } });

let clock = 1_800_000_000_000;
const tick = () => ++clock;

async function logWith(n: number, opts: Parameters<typeof memoryAuditLog>[0] = {}) {
  const log = memoryAuditLog({ now: tick, ...opts });
  for (let i = 0; i < n; i++) await log.append(event(i), { ip: "198.51.100.7" });
  return log;
}

const rowAt = (log: { rows: AuditRow[] }, seq: number, tenantId = T) => log.rows.find((r) => r.tenantId === tenantId && r.seq === seq)!;

describe("sealing", () => {
  it("chains pending rows in (created_at, id) order with consecutive seqs, each linked to the one before", async () => {
    const pending: AuditRow[] = [3, 1, 2].map((t) => ({
      id: `aud_${t}`, tenantId: T, seq: null, actorType: "system", actorId: null, action: "x", targetType: null, targetId: null, ipHash: null, metadata: null, createdAt: t, prevHash: null, hash: null,
    }));
    pending.sort((a, b) => a.createdAt - b.createdAt);
    const { rows, head } = await sealRows({ seq: 0, hash: GENESIS_HASH }, pending);
    expect(rows.map((r) => [r.id, r.seq])).toEqual([["aud_1", 1], ["aud_2", 2], ["aud_3", 3]]);
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    expect(rows[1].prevHash).toBe(rows[0].hash);
    expect(head).toEqual({ seq: 3, hash: rows[2].hash });
    const { hash, ...rest } = rows[1];
    expect(await hashRow(rest)).toBe(hash);
  });

  it("the hash covers every stored field but itself, so any edit changes it", async () => {
    const base = { id: "aud_1", tenantId: T, seq: 1, actorType: "user", actorId: "usr_1", action: "x", targetType: "t", targetId: "i", ipHash: "ab", metadata: "{}", createdAt: 5, prevHash: GENESIS_HASH };
    const h = await hashRow(base);
    for (const [k, v] of Object.entries({ id: "aud_2", tenantId: "ten_b", seq: 2, actorType: "system", actorId: null, action: "y", targetType: null, targetId: "j", ipHash: null, metadata: null, createdAt: 6, prevHash: "f".repeat(64) })) {
      expect(await hashRow({ ...base, [k]: v }), k).not.toBe(h);
    }
    expect(canonicalAudit(base)).not.toContain("198.51.100.7");
  });

  it("stores no IP: only a keyed hash, equal for the same address and tenant", async () => {
    const log = await logWith(2);
    await log.append(event(9), { ip: "203.0.113.9" });
    expect(JSON.stringify(log.rows)).not.toContain("198.51.100.7");
    expect(log.rows[0].ipHash).toMatch(/^[0-9a-f]{64}$/);
    expect(log.rows[0].ipHash).toBe(log.rows[1].ipHash);
    expect(log.rows[2].ipHash).not.toBe(log.rows[0].ipHash);
  });

  it("seals many concurrent appends into one unbroken chain, in pages", async () => {
    const log = memoryAuditLog({ now: tick, pageSize: 7 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => log.append(event(i))));
    expect(log.rows.map((r) => r.seq).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await log.verify(T, { full: true })).toMatchObject({ valid: true, events: 60, head: { seq: 60 } });
  });

  it("keeps each tenant's chain separate", async () => {
    const log = memoryAuditLog({ now: tick });
    for (let i = 0; i < 3; i++) {
      await log.append(event(i, "ten_a"));
      await log.append(event(i, "ten_b"));
    }
    expect(rowAt(log, 3, "ten_b").tenantId).toBe("ten_b");
    expect((await log.verify("ten_a")).head?.seq).toBe(3);
    expect((await log.verify("ten_b")).head?.seq).toBe(3);
  });

  it("a failed seal leaves the row pending, and the next seal chains it", async () => {
    const failing = memoryAuditLog({ now: tick, failOn: "seal" });
    await failing.append(event(1));
    expect(failing.rows[0]).toMatchObject({ seq: null, hash: null });
    await expect(failing.seal(T)).rejects.toThrow(/injected/);

    const log = await logWith(1);
    log.rows.push({ ...failing.rows[0] });
    expect((await log.sealNow(T)).sealed).toBe(1);
    expect(rowAt(log, 2).id).toBe(failing.rows[0].id);
  });

  it("refuses to extend a chain whose head signature does not verify, or whose head is gone", async () => {
    const log = await logWith(2);
    log.heads.get(T)!.jws = await memorySigner().sign({ typ: "audit_head", tenant_id: T, seq: 2, hash: log.heads.get(T)!.hash, sealed_at: "x" });
    // A seal with nothing to do reads the forged head; that must not make it trusted for the next one.
    expect((await log.verify(T)).broken_at?.reason).toBe("head_signature_invalid");
    await log.append(event(3));
    expect(log.rows.at(-1)!.seq).toBeNull();
    await expect(log.sealNow(T)).rejects.toThrow(/signature/);

    const headless = await logWith(2);
    headless.heads.delete(T);
    expect((await headless.sealNow(T)).sealed).toBe(0);
    await headless.append(event(3));
    await expect(headless.sealNow(T)).rejects.toThrow(/head is missing/);
  });

  it("failOn pendingRow and append throw without storing anything", async () => {
    for (const failOn of ["pendingRow", "append"] as const) {
      const log = memoryAuditLog({ failOn });
      await expect(log.append(event(1))).rejects.toThrow(/injected/);
      expect(log.rows).toHaveLength(0);
    }
  });
});

describe("verification", () => {
  it("an intact chain is valid and reports the head it was checked against", async () => {
    const log = await logWith(5);
    const res = await log.verify(T, { full: true });
    expect(res).toEqual({ valid: true, events: 5, from_seq: 0, pending: 0, head: { seq: 5, hash: rowAt(log, 5).hash } });
  });

  it("names an edited row", async () => {
    const log = await logWith(5);
    rowAt(log, 3).action = "test.rewritten";
    expect((await log.verify(T, { full: true })).broken_at).toMatchObject({ seq: 3, id: rowAt(log, 3).id, reason: "content_changed" });
  });

  it("catches a row rewritten with every later hash recomputed, at the signed head", async () => {
    const log = await logWith(5);
    rowAt(log, 3).action = "test.rewritten";
    let prev = rowAt(log, 2).hash!;
    for (let seq = 3; seq <= 5; seq++) {
      const r = rowAt(log, seq);
      r.prevHash = prev;
      const { hash: _h, ...rest } = r;
      r.hash = prev = await hashRow(rest);
    }
    expect((await log.verify(T, { full: true })).broken_at).toMatchObject({ seq: 5, reason: "head_mismatch" });
  });

  it("names the successor of a removed row as a sequence gap", async () => {
    const log = await logWith(5);
    log.rows.splice(log.rows.indexOf(rowAt(log, 2)), 1);
    expect((await log.verify(T, { full: true })).broken_at).toMatchObject({ seq: 3, reason: "sequence_gap", expected_seq: 2 });
  });

  it("reports a removed tail as truncated, with the head's seq and the log's end", async () => {
    const log = await logWith(6);
    for (const seq of [4, 5, 6]) log.rows.splice(log.rows.indexOf(rowAt(log, seq)), 1);
    const res = await log.verify(T);
    expect(res).toMatchObject({ valid: false, head: { seq: 6 }, broken_at: { reason: "truncated", head_seq: 6, log_end_seq: 3 } });
  });

  it("reports a whole log removed under its head as truncated", async () => {
    const log = await logWith(3);
    log.rows.length = 0;
    expect((await log.verify(T)).broken_at).toMatchObject({ reason: "truncated", head_seq: 3, log_end_seq: 0 });
  });

  it("reports a head whose JWS was altered, or one rolled back to hide a removed tail", async () => {
    const log = await logWith(4);
    const head = log.heads.get(T)!;
    const [h, p, s] = head.jws.split(".");
    head.jws = `${h}.${p}.${s.slice(0, -4)}AAAA`;
    expect((await log.verify(T)).broken_at).toMatchObject({ reason: "head_signature_invalid" });

    const other = await logWith(4);
    other.rows.splice(other.rows.indexOf(rowAt(other, 4)), 1);
    Object.assign(other.heads.get(T)!, { seq: 3, hash: rowAt(other, 3).hash });
    expect((await other.verify(T)).broken_at).toMatchObject({ reason: "head_signature_invalid" });
  });

  it("reports chained rows without a head, and rows beyond the signed head", async () => {
    const log = await logWith(2);
    log.heads.delete(T);
    expect((await log.verify(T)).broken_at).toMatchObject({ reason: "head_missing", seq: 1 });

    const forged = await logWith(2);
    const last = rowAt(forged, 2);
    const extra = { ...last, id: "aud_forged", seq: 3, prevHash: last.hash };
    const { hash: _h, ...rest } = extra;
    forged.rows.push({ ...extra, hash: await hashRow(rest) });
    expect((await forged.verify(T)).broken_at).toMatchObject({ reason: "beyond_head", head_seq: 2, log_end_seq: 3 });
  });

  it("resumes from the last signed checkpoint and checks only what was sealed after it", async () => {
    const log = await logWith(10);
    expect(await log.verify(T, { full: true })).toMatchObject({ valid: true, from_seq: 0, events: 10 });
    for (let i = 10; i < 13; i++) await log.append(event(i));
    expect(await log.verify(T)).toMatchObject({ valid: true, from_seq: 10, events: 3, head: { seq: 13 } });
    expect(await log.verify(T)).toMatchObject({ valid: true, from_seq: 13, events: 0 });
  });

  it("falls back past a checkpoint whose row changed or whose signature fails, down to genesis", async () => {
    const log = await logWith(6);
    await log.verify(T, { full: true });
    await log.append(event(7));
    rowAt(log, 6).action = "test.rewritten";
    expect((await log.verify(T)).broken_at).toMatchObject({ seq: 6, reason: "content_changed" });
    expect((await log.verify(T)).from_seq).toBe(0);

    const forged = await logWith(4);
    await forged.verify(T, { full: true });
    forged.checkpoints.get(T)![0].jws = await memorySigner().sign({ typ: "audit_checkpoint", tenant_id: T, seq: 4, hash: rowAt(forged, 4).hash!, verified_at: "x" });
    expect(await forged.verify(T)).toMatchObject({ valid: true, from_seq: 0, events: 4 });
  });

  it("an empty log is valid", async () => {
    expect(await memoryAuditLog().verify(T)).toEqual({ valid: true, events: 0, from_seq: 0, pending: 0, head: null });
  });
});
