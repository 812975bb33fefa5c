/** The runner's side of the evidence contract, over the in-memory MediaStore twin. */
import { describe, expect, it } from "vitest";
import { fixedClock, InjectedFault, memoryMediaStore } from "../../../src/adapters/memory/twins";
import type { LayerResult } from "../../../src/pipeline/types";
import { storeArtifacts } from "../../../src/verifications/processing";

const v = { id: "ver_1", tenantId: "ten_1" };
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const result = (artifacts: LayerResult["artifacts"]): LayerResult => ({ layer: "face", status: "passed", score: 0, findings: [], ms: 1, artifacts });

describe("storeArtifacts", () => {
  it("stores each file under the verification's evidence prefix and returns a row per file for the decision batch", async () => {
    const media = memoryMediaStore();
    const rows = await storeArtifacts({ media, clock: fixedClock() }, v, [result([{ name: "face_document", contentType: "image/png", bytes: png }]), result(undefined)]);
    expect([...media.objects.keys()]).toEqual(["tenants/ten_1/verifications/ver_1/evidence/face_document.png"]);
    expect(media.objects.get("tenants/ten_1/verifications/ver_1/evidence/face_document.png")?.contentType).toBe("image/png");
    expect(rows).toHaveLength(1);
    expect(rows[0].values).toMatchObject({ verificationId: "ver_1", tenantId: "ten_1", layer: "face", name: "face_document", bytes: png.byteLength, contentType: "image/png" });
    expect(rows[0].values.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a repeated or unsafe name instead of overwriting evidence", async () => {
    const media = memoryMediaStore();
    await expect(storeArtifacts({ media, clock: fixedClock() }, v, [result([{ name: "x", contentType: "image/png", bytes: png }, { name: "x", contentType: "image/png", bytes: png }])])).rejects.toThrow(/repeated/);
    await expect(storeArtifacts({ media, clock: fixedClock() }, v, [result([{ name: "../../other", contentType: "image/png", bytes: png }])])).rejects.toThrow(/bad/);
  });

  it("a storage failure throws, so the job is retried rather than decided without its evidence", async () => {
    await expect(storeArtifacts({ media: memoryMediaStore({ failOn: "put" }), clock: fixedClock() }, v, [result([{ name: "ela", contentType: "image/png", bytes: png }])])).rejects.toBeInstanceOf(InjectedFault);
  });
});
