/**
 * Every saved version of a tenant's settings is kept (tenant_settings_versions, written in the same D1 batch as the
 * current row), so a decision made under an older version is explained with the weights it was made under: the
 * versions read back exactly, racing saves keep exactly the winner's content, and the history lists who saved when.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { d1SettingsStore } from "../../src/adapters/d1/settings-store";
import { createDb } from "../../src/db/client";
import { DEFAULT_SETTINGS } from "../../src/pipeline/settings";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { bearer, registerTenant } from "../helpers/identity";

let tenant: TenantFixture;
const store = () => d1SettingsStore(createDb(env.DB), { now: () => Date.now() });

beforeAll(async () => {
  tenant = await registerTenant();
});

const patch = (body: unknown) => call("/v1/settings", { method: "PATCH", headers: { ...bearer(tenant.accessToken), "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("settings versions", () => {
  it("keeps each saved version readable, and lists them newest first with who saved them", async () => {
    expect((await patch({ layer_weights: { face: 5 } })).status).toBe(200);
    expect((await patch({ thresholds: { verified_max: 20, reject_min: 80 } })).status).toBe(200);
    const s = store();
    expect(await s.atVersion(tenant.tenantId, 0)).toEqual(DEFAULT_SETTINGS);
    const v1 = await s.atVersion(tenant.tenantId, 1);
    expect(v1?.layer_weights.face).toBe(5);
    expect(v1?.thresholds).toEqual(DEFAULT_SETTINGS.thresholds);
    const v2 = await s.atVersion(tenant.tenantId, 2);
    expect(v2?.layer_weights.face).toBe(5);
    expect(v2?.thresholds).toEqual({ verified_max: 20, reject_min: 80 });
    expect(await s.atVersion(tenant.tenantId, 3)).toBeNull();
    const history = await s.history(tenant.tenantId, 10);
    expect(history.map((h) => h.version)).toEqual([2, 1]);
    expect(history.every((h) => h.savedBy === tenant.userId && h.savedAt > 0)).toBe(true);
    // Another tenant sees none of them.
    const other = await registerTenant();
    expect(await s.history(other.tenantId, 10)).toEqual([]);
    expect(await s.atVersion(other.tenantId, 1)).toBeNull();
  });

  it("of two saves from the same version, one wins and the kept version holds the winner's settings", async () => {
    const fresh = await registerTenant();
    const s = store();
    const a = { ...DEFAULT_SETTINGS, retention_days: 11 };
    const b = { ...DEFAULT_SETTINGS, retention_days: 22 };
    const [first, second] = await Promise.all([s.save(fresh.tenantId, a, "usr_a", 0), s.save(fresh.tenantId, b, "usr_b", 0)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const winner = first ? a : b;
    expect((await s.get(fresh.tenantId)).settings.retention_days).toBe(winner.retention_days);
    expect((await s.atVersion(fresh.tenantId, 1))?.retention_days).toBe(winner.retention_days);
    expect((await s.history(fresh.tenantId, 10)).map((h) => h.savedBy)).toEqual([first ? "usr_a" : "usr_b"]);
    // The loser retries from version 1: version 2 is its own.
    expect(await s.save(fresh.tenantId, first ? b : a, "usr_retry", 1)).not.toBeNull();
    expect((await s.atVersion(fresh.tenantId, 2))?.retention_days).toBe((first ? b : a).retention_days);
  });
});
