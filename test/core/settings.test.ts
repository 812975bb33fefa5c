/** Settings take only codes and layer names from the closed lists; a refused patch changes nothing. */
import { describe, expect, it } from "vitest";
import { call, expectErrorShape } from "../helpers/http";
import { bearer, registerTenant } from "../helpers/identity";

describe("settings vocabulary", () => {
  it("PATCH with an unknown reason code or layer → 400 VALIDATION_ERROR naming the field; the version stays", async () => {
    const t = await registerTenant();
    const auth = bearer(t.accessToken);
    const before = (await call("/v1/settings", { headers: auth })).data;
    const bad = expectErrorShape(await call("/v1/settings", { method: "PATCH", headers: auth, json: { hard_fail_codes: ["NO_FACE", "FACE_MISMATCHH"] } }), 400, "VALIDATION_ERROR");
    expect(JSON.stringify(bad.details)).toContain("hard_fail_codes");
    expectErrorShape(await call("/v1/settings", { method: "PATCH", headers: auth, json: { layer_weights: { facial: 2 } } }), 400, "VALIDATION_ERROR");
    expect((await call("/v1/settings", { headers: auth })).data.version).toBe(before.version);

    const ok = await call("/v1/settings", { method: "PATCH", headers: auth, json: { review_codes: ["DUPLICATE_FACE", "LOW_QUALITY"], abandoned_after_days: 3 } });
    expect(ok.status).toBe(200);
    expect(ok.data.version).toBe(before.version + 1);
    expect(ok.data.settings.abandoned_after_days).toBe(3);
  });
});
