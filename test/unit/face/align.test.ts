import { describe, expect, it } from "vitest";
import { ARCFACE_TEMPLATE, alignFace, applySimilarity, estimateSimilarity, inverseAffine, type Point } from "../../../src/face/align";
import { makeImage } from "../../../src/face/image";

describe("estimateSimilarity", () => {
  it("recovers a known rotation, scale and translation exactly", () => {
    const angle = 0.3;
    const scale = 2.5;
    const t = { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx: 40, ty: -12 };
    const src: Point[] = [[10, 20], [50, 22], [30, 40], [15, 60], [48, 61]];
    const dst = src.map((p) => applySimilarity(t, p));
    const fit = estimateSimilarity(src, dst);
    expect(fit.a).toBeCloseTo(t.a, 9);
    expect(fit.b).toBeCloseTo(t.b, 9);
    expect(fit.tx).toBeCloseTo(t.tx, 9);
    expect(fit.ty).toBeCloseTo(t.ty, 9);
  });

  it("never reflects: mirrored points give the best rotation, not a flip", () => {
    const src: Point[] = [[0, 0], [10, 0], [0, 10]];
    const mirrored: Point[] = src.map(([x, y]) => [-x, y]);
    const fit = estimateSimilarity(src, mirrored);
    const det = fit.a * fit.a + fit.b * fit.b;
    expect(det).toBeGreaterThan(0);
    expect(applySimilarity(fit, [10, 0])[0]).not.toBeCloseTo(-10, 1);
  });

  it("inverts", () => {
    const t = estimateSimilarity(ARCFACE_TEMPLATE, ARCFACE_TEMPLATE.map(([x, y]) => [x * 3 + 5, y * 3 - 7] as const));
    const [a, b, c, d, e, f] = inverseAffine(t);
    const p = applySimilarity(t, [20, 30]);
    expect(a * p[0] + b * p[1] + c).toBeCloseTo(20, 9);
    expect(d * p[0] + e * p[1] + f).toBeCloseTo(30, 9);
  });
});

describe("alignFace", () => {
  it("puts a marked point of the source where the template says", () => {
    // A bright dot at the left-eye landmark of a face drawn at 3× template scale plus an offset.
    const scale = 3;
    const off = [100, 50];
    const pts: Point[] = ARCFACE_TEMPLATE.map(([x, y]) => [(x + 0.5) * scale + off[0], (y + 0.5) * scale + off[1]]);
    const [ex, ey] = pts[0];
    const img = makeImage(600, 500, (x, y) => (Math.hypot(x + 0.5 - ex, y + 0.5 - ey) < 6 ? [255, 255, 255] : [0, 0, 0]));
    const { rgb } = alignFace(img, pts);
    const at = (x: number, y: number) => rgb[(y * 112 + x) * 3];
    const [tx, ty] = ARCFACE_TEMPLATE[0].map(Math.round);
    expect(at(tx, ty)).toBeGreaterThan(200);
    expect(at(tx + 6, ty)).toBeLessThan(30);
  });
});
