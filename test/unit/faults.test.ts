import { afterEach, describe, expect, it, vi } from "vitest";
import { generateDevSecrets } from "../../scripts/dev-secrets.mjs";
import type { Bindings } from "../../src/env";
import { loadConfig } from "../../src/env";
import { InjectedFault, createFaultSwitch, faultyMedia, faultyPublication, isWriteStatement, parseFaultPlan } from "../../src/faults";
import { memoryMediaStore } from "../../src/adapters/memory/twins";

const ALL = "pipeline=0.3,r2_read=0.3,d1_write=0.3,outbox=0.3";

/** The smallest env loadConfig accepts: wrangler.toml's vars and freshly generated secrets. */
async function envWith(vars: Record<string, string>): Promise<Bindings> {
  const secrets = await generateDevSecrets();
  return { ENVIRONMENT: "development", JWT_ISSUER: "https://edge-kyc.local", JWT_AUDIENCE: "edge-kyc-api", ...secrets, ...vars } as unknown as Bindings;
}

describe("FAULTS in the configuration", () => {
  it("refuses to start in production with faults configured", async () => {
    const env = await envWith({ ENVIRONMENT: "production", FAULTS: ALL });
    expect(() => loadConfig(env)).toThrow(/Invalid configuration: FAULTS: fault injection is for development and test only; refused in production/);
  });

  it("refuses staging too, which mirrors production", async () => {
    const env = await envWith({ ENVIRONMENT: "staging", FAULTS: "pipeline=0.1" });
    expect(() => loadConfig(env)).toThrow(/refused in staging/);
  });

  it("starts in production without faults, and with an empty FAULTS", async () => {
    expect(loadConfig(await envWith({ ENVIRONMENT: "production" })).FAULTS).toBeNull();
    expect(loadConfig(await envWith({ ENVIRONMENT: "production", FAULTS: "  " })).FAULTS).toBeNull();
  });

  it("parses the rates and the seed in development", async () => {
    const config = loadConfig(await envWith({ FAULTS: `${ALL},seed=7` }));
    expect(config.FAULTS).toEqual({ rates: { pipeline: 0.3, r2_read: 0.3, d1_write: 0.3, outbox: 0.3 }, seed: 7, source: `${ALL},seed=7` });
  });

  it("fails loudly on an unknown kind, a rate outside 0..1 and a malformed entry, naming each", async () => {
    const env = await envWith({ FAULTS: "disk=0.5,pipeline=1.5,outbox" });
    expect(() => loadConfig(env)).toThrow(/unknown fault "disk".*pipeline: rate must be between 0 and 1.*"outbox" is not name=value/);
    expect(parseFaultPlan("d1_write=abc")).toMatchObject({ ok: false });
    expect(parseFaultPlan("seed=1.5")).toMatchObject({ ok: false });
  });
});

describe("the fault switch", () => {
  afterEach(() => vi.restoreAllMocks());

  it("fires at about the configured rate, only for kinds with a rate, and logs each fault by kind", () => {
    const lines: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    const faults = createFaultSwitch({ rates: { d1_write: 0.3 }, seed: 42, source: "d1_write=0.3,seed=42" });
    let fired = 0;
    for (let i = 0; i < 10_000; i++) if (faults.fires("d1_write", "run")) fired++;
    expect(fired).toBeGreaterThan(2_800);
    expect(fired).toBeLessThan(3_200);
    for (let i = 0; i < 1_000; i++) expect(faults.fires("pipeline", "run")).toBe(false);
    expect(lines).toHaveLength(fired);
    expect(JSON.parse(lines[0])).toEqual({ level: "warn", event: "fault_injected", kind: "d1_write", operation: "run" });
  });

  it("repeats the same decisions for the same seed", () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const draw = () => {
      const faults = createFaultSwitch({ rates: { pipeline: 0.5 }, seed: 9, source: "pipeline=0.5,seed=9" });
      return Array.from({ length: 64 }, () => faults.fires("pipeline", "run"));
    };
    expect(draw()).toEqual(draw());
  });

  it("throws a recognisable InjectedFault from check", () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const faults = createFaultSwitch({ rates: { pipeline: 1 }, seed: 1, source: "pipeline=1" });
    expect(() => faults.check("pipeline", "run")).toThrow(InjectedFault);
    expect(() => faults.check("pipeline", "run")).toThrow("injected fault: pipeline: run");
  });
});

describe("fault adapters", () => {
  afterEach(() => vi.restoreAllMocks());

  it("recognises write statements by their verb, whatever drizzle's casing and leading whitespace", () => {
    expect(isWriteStatement('insert into "outbox" ("id") values (?)')).toBe(true);
    expect(isWriteStatement("\n  UPDATE verifications SET status = ?")).toBe(true);
    expect(isWriteStatement('delete from "idempotency_keys" where "key" = ?')).toBe(true);
    expect(isWriteStatement('select "id" from "verifications" where "deleted" = 0')).toBe(false);
    expect(isWriteStatement("SELECT 1 AS ok")).toBe(false);
  });

  it("makes media reads time out after the delay, and leaves writes alone", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const media = memoryMediaStore();
    await media.put("t/v/doc.jpg", new Uint8Array([1, 2, 3]), { contentType: "image/jpeg" });
    const faulty = faultyMedia(media, createFaultSwitch({ rates: { r2_read: 1 }, seed: 1, source: "r2_read=1" }), 50);
    const started = Date.now();
    await expect(faulty.get("t/v/doc.jpg")).rejects.toThrow(/r2_read: R2 get timed out/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await expect(faulty.open("t/v/doc.jpg")).rejects.toBeInstanceOf(InjectedFault);
    await faulty.put("t/v/selfie.jpg", new Uint8Array([4]), { contentType: "image/jpeg" });
    expect(media.objects.has("t/v/selfie.jpg")).toBe(true);
    const clean = faultyMedia(media, createFaultSwitch({ rates: {}, seed: 1, source: "" }), 50);
    expect(await clean.get("t/v/doc.jpg")).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("fails the outbox publication before it runs", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const published: string[] = [];
    const publish = faultyPublication(async (row: string) => void published.push(row), createFaultSwitch({ rates: { outbox: 1 }, seed: 1, source: "outbox=1" }));
    await expect(publish("evt_1")).rejects.toThrow(/outbox: publish/);
    expect(published).toEqual([]);
  });
});
