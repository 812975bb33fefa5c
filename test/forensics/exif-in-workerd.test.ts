/**
 * XMP parses inside workerd (no global DOMParser there: exifreader gets our xmldom parser), so an editor named only
 * in the XMP packet is found, and nothing is printed on the way.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { examineExif } from "../../src/imaging/exif";
import { imageOrientation } from "../../src/media/orientation";
import { generatedDocument } from "../helpers/documents";

afterEach(() => vi.restoreAllMocks());

describe("EXIF and XMP in workerd", () => {
  it("reads the XMP CreatorTool of an editor's save and prints no DOMParser warning", async () => {
    expect(typeof (globalThis as { DOMParser?: unknown }).DOMParser).toBe("undefined");
    const printed = [vi.spyOn(console, "warn"), vi.spyOn(console, "log"), vi.spyOn(console, "error")];
    const { bytes } = await generatedDocument("/tamper?seed=21&type=editor_resave");
    const exam = examineExif(bytes, { today: "2026-12-03" });
    expect(exam.summary.creatorTool).toMatch(/Photoshop/);
    expect(exam.findings.map((f) => f.code)).toContain("EXIF_EDITED");
    expect(imageOrientation(bytes)).toBe(1);
    for (const spy of printed) expect(spy).not.toHaveBeenCalled();
  });
});
