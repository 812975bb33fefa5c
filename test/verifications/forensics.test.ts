/**
 * Document forensics through the API, on generated identity cards (scripts/docgen via the DOCGEN binding): a
 * phone-like photo of a card whose portrait is the selfie's person, and the same photo edited the way a forger
 * would. The genuine twin must end `verified`; an editor's save must say so; a pasted portrait and a re-typed field
 * must be flagged with their boxes and a heatmap that shows where; the same document image under another name is
 * found in the tenant and never across tenants.
 */
import { SELF } from "cloudflare:test";
import { PhotonImage } from "@cf-wasm/photon";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/http";
import type { TenantFixture } from "../helpers/identity";
import { apiKeyHeader, bearer, createApiKey, registerTenant } from "../helpers/identity";
import { selfiePortrait } from "../helpers/portraits";
import { createBody, createVerification, upload, waitForFinal } from "../helpers/verifications";
import { type Box, generatedDocument as generated } from "../helpers/documents";

let tenant: TenantFixture;
let key: Record<string, string>;

beforeAll(async () => {
  tenant = await registerTenant();
  key = apiKeyHeader((await createApiKey(tenant.accessToken)).key);
});

type Result = { id: string; status: string; reasons: string[]; layers: Record<string, { status: string; findings: { code: string; data?: Record<string, unknown> }[] }>; evidence: { name: string; url: string }[] };

async function verify(document: Uint8Array, headers = key, applicant?: Record<string, string>, number = "T22000129", declaredDocument?: Record<string, string>): Promise<Result> {
  const body = createBody({ ...(applicant ? { applicant } : {}), document: declaredDocument ?? { type: "id_card", number, issuing_country: "NL", expiry_date: "2032-02-18" } });
  const { id } = await createVerification(headers, body);
  await upload(headers, id, "document_front", document);
  await upload(headers, id, "selfie", selfiePortrait());
  await call(`/v1/verifications/${id}/submit`, { method: "POST", headers });
  return (await waitForFinal(headers, id, 90_000)) as Result;
}

type Holder = { givenNames: string; surname: string; birthDate: string; nationality: string; issuingState: string; documentNumber: string; expiryDate: string };

/** The card's MRZ is read too (the mrz layer): declare what the genuine card says, as its holder would. */
function verifyAsHolder(doc: { bytes: Uint8Array; truth: unknown; genuine?: unknown }): Promise<Result> {
  const h = ((doc.genuine ?? doc.truth) as { holder: Holder }).holder;
  const applicant = { first_name: h.givenNames, last_name: h.surname, date_of_birth: h.birthDate, country: h.nationality };
  return verify(doc.bytes, key, applicant, h.documentNumber, { type: "id_card", number: h.documentNumber, issuing_country: h.issuingState, expiry_date: h.expiryDate });
}

const codes = (r: Result, layer: string) => r.layers[layer]?.findings.map((f) => f.code) ?? [];

/** Mean heat (0..1, from the black→red→yellow colour map) inside and outside a box given in document pixels. */
function heatInside(png: Uint8Array, box: Box, docWidth: number) {
  const img = PhotonImage.new_from_byteslice(png);
  try {
    const width = img.get_width();
    const height = img.get_height();
    const px = img.get_raw_pixels();
    const k = width / docWidth;
    const [x0, y0, x1, y1] = [box.x * k, box.y * k, (box.x + box.width) * k, (box.y + box.height) * k];
    let inside = 0;
    let nIn = 0;
    let outside = 0;
    let nOut = 0;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 4;
        const heat = (px[o] + px[o + 1]) / 510;
        if (x >= x0 && x < x1 && y >= y0 && y < y1) (inside += heat), nIn++;
        else (outside += heat), nOut++;
      }
    return { inside: inside / nIn, outside: outside / nOut, width, height };
  } finally {
    img.free();
  }
}

describe("document forensics through the API", () => {
  it("the genuine phone photo of the card ends verified, with every forensic layer run and its ELA heatmap listed", async () => {
    const genuine = await generated("/genuine?seed=11&expiry=2035-08-24");
    const v = await verifyAsHolder(genuine);
    expect(v.status, JSON.stringify(v.reasons)).toBe("verified");
    for (const layer of ["exif", "jpeg", "ela", "copy_move", "document_duplicates"]) expect(v.layers[layer]?.status, layer).toBe("passed");
    expect(codes(v, "exif")).toContain("EXIF_CONSISTENT");
    expect(v.evidence.map((e) => e.name)).toEqual(expect.arrayContaining(["ela", "face_document", "face_selfie"]));
  });

  it("a document re-saved by an editor with its Software tag → EXIF_EDITED and JPEG_EDITOR_TABLES, sent to review", async () => {
    const edited = await generated("/tamper?seed=12&type=editor_resave");
    const v = await verify(edited.bytes);
    expect(v.reasons).toContain("EXIF_EDITED");
    expect(v.reasons).toContain("JPEG_EDITOR_TABLES");
    expect(v.status).toBe("manual_review");
  });

  it("a pasted portrait → DOC_TAMPER_SUSPECTED with its box, not verified, and the served heatmap is ≥ 3× hotter inside the paste", async () => {
    const forged = await generated("/tamper?seed=14&type=paste_portrait&exif=stripped&editor=save-as-10");
    const v = await verify(forged.bytes);
    expect(v.reasons).toContain("DOC_TAMPER_SUSPECTED");
    expect(v.status).not.toBe("verified");
    const kinds = [...v.layers.ela.findings, ...v.layers.copy_move.findings].filter((f) => f.code === "DOC_TAMPER_SUSPECTED").map((f) => f.data?.kind);
    expect(kinds).toEqual(expect.arrayContaining(["error_level", "portrait_boundary"]));
    const region = (v.layers.ela.findings.find((f) => f.data?.kind === "error_level")!.data!.regions as Box[])[0];
    const box = forged.truth.box!;
    expect(region.x < box.x + box.width && box.x < region.x + region.width && region.y < box.y + box.height && box.y < region.y + region.height).toBe(true);

    const res = await SELF.fetch(`https://api.test/v1/verifications/${v.id}/evidence/ela`, { headers: bearer(tenant.accessToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    const heat = heatInside(new Uint8Array(await res.arrayBuffer()), box, 1600);
    expect(heat.width / heat.height).toBeCloseTo(1600 / 1200, 1);
    expect(heat.inside).toBeGreaterThanOrEqual(3 * heat.outside);
  });

  it("a re-typed field saved by an editor → DOC_TAMPER_SUSPECTED (text_region) on the field, not verified, and the served heatmap is ≥ 3× hotter inside it", async () => {
    const forged = await generated("/tamper?seed=13&type=alter_text&exif=stripped&editor=save-as-12&expiry=2035-01-02");
    const v = await verifyAsHolder(forged);
    expect(v.status).toBe("manual_review");
    expect(v.reasons).toEqual(expect.arrayContaining(["DOC_TAMPER_SUSPECTED", "JPEG_EDITOR_TABLES", "JPEG_DOUBLE_COMPRESSED"]));
    const found = v.layers.ela.findings.find((f) => f.code === "DOC_TAMPER_SUSPECTED");
    expect(found?.data?.kind).toBe("text_region");
    const region = (found!.data!.regions as Box[])[0];
    const box = forged.truth.box!;
    expect(region.x < box.x + box.width && box.x < region.x + region.width && region.y < box.y + box.height && box.y < region.y + region.height).toBe(true);
    // The band of the field, not a large part of the card.
    expect(region.width * region.height).toBeLessThan(4 * box.width * box.height);

    const res = await SELF.fetch(`https://api.test/v1/verifications/${v.id}/evidence/ela`, { headers: bearer(tenant.accessToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    const heat = heatInside(new Uint8Array(await res.arrayBuffer()), box, 1600);
    expect(heat.inside).toBeGreaterThanOrEqual(3 * heat.outside);
  });

  it("the same document image under another name → DUPLICATE_DOCUMENT_IMAGE in the tenant; another tenant sees nothing", async () => {
    const genuine = await generated("/genuine?seed=15");
    const first = await verify(genuine.bytes, key, undefined, "DOC0000015");
    expect(codes(first, "document_duplicates")).toContain("NO_DUPLICATE_DOCUMENT_IMAGE");
    // Same picture, another applicant and another declared number: only the image gives it away.
    const second = await verify(genuine.bytes, key, { first_name: "Other", last_name: "Person", date_of_birth: "1979-02-03", country: "NL" }, "DOC0000016");
    expect(second.reasons).toContain("DUPLICATE_DOCUMENT_IMAGE");
    const dup = second.layers.document_duplicates.findings.find((f) => f.code === "DUPLICATE_DOCUMENT_IMAGE")!;
    expect(dup.data?.verification_ids).toContain(first.id);
    expect(second.status).toBe("manual_review");
    // The first applicant again, with the same picture: returning, not a duplicate of their own earlier verification.
    const returning = await verify(genuine.bytes, key, undefined, "DOC0000015");
    const back = returning.layers.document_duplicates.findings.find((f) => f.code === "RETURNING_APPLICANT");
    expect(back?.data?.verification_ids).toContain(first.id);
    const flagged = returning.layers.document_duplicates.findings.find((f) => f.code === "DUPLICATE_DOCUMENT_IMAGE");
    expect(flagged?.data?.verification_ids).toEqual([second.id]);

    const elsewhere = await registerTenant();
    const otherKey = apiKeyHeader((await createApiKey(elsewhere.accessToken)).key);
    const third = await verify(genuine.bytes, otherKey, { first_name: "Third", last_name: "Person", date_of_birth: "1970-01-01", country: "NL" }, "DOC0000017");
    expect(third.reasons).not.toContain("DUPLICATE_DOCUMENT_IMAGE");
    expect(codes(third, "document_duplicates")).toContain("NO_DUPLICATE_DOCUMENT_IMAGE");

    // Erasing the first takes its hash with it: the next applicant with the image no longer meets it.
    const erased = await call(`/v1/verifications/${first.id}`, { method: "DELETE", headers: key });
    expect(erased.data.payload.document_image_hashes_deleted).toBe(1);
    const fourth = await verify(genuine.bytes, key, { first_name: "Fourth", last_name: "Person", date_of_birth: "1988-08-08", country: "NL" }, "DOC0000018");
    const again = fourth.layers.document_duplicates.findings.find((f) => f.code === "DUPLICATE_DOCUMENT_IMAGE");
    expect(again?.data?.verification_ids ?? []).not.toContain(first.id);
  });

  it("test mode forces a forensic code by last name, decided by the tenant's rules", async () => {
    const testKey = apiKeyHeader((await createApiKey(tenant.accessToken, { mode: "test" })).key);
    const v = await verify((await generated("/genuine?seed=11")).bytes, testKey, { first_name: "Ada", last_name: "DOC_TAMPER_SUSPECTED", date_of_birth: "1990-01-01", country: "NL" });
    expect(v.status).toBe("manual_review");
    expect(v.reasons).toContain("DOC_TAMPER_SUSPECTED");
  });
});
