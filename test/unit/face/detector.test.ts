import { describe, expect, it } from "vitest";
import { decodeDetections, iou, nonMaxSuppression, refineRegion, squareBox } from "../../../src/face/detector";

const box = (x: number, y: number, w: number, h: number) => ({ x, y, width: w, height: h });

describe("nonMaxSuppression", () => {
  it("keeps the highest-scoring box of an overlapping cluster, whatever the input order", () => {
    const kept = nonMaxSuppression(
      [
        { box: box(12, 10, 100, 100), score: 0.8 },
        { box: box(10, 10, 100, 100), score: 0.95 },
        { box: box(300, 10, 50, 50), score: 0.7 },
        { box: box(8, 12, 100, 100), score: 0.9 },
      ],
      0.4,
    );
    expect(kept.map((d) => d.score)).toEqual([0.95, 0.7]);
  });

  it("keeps boxes that overlap less than the threshold", () => {
    expect(nonMaxSuppression([{ box: box(0, 0, 10, 10), score: 0.9 }, { box: box(8, 0, 10, 10), score: 0.8 }], 0.4)).toHaveLength(2);
  });
});

describe("decodeDetections", () => {
  it("thresholds on the face column and maps boxes from the input region to source pixels", () => {
    const scores = new Float32Array([0.1, 0.9, 0.7, 0.3, 0.2, 0.8]);
    const boxes = new Float32Array([0.5, 0.5, 0.75, 1, 0, 0, 1, 1, 0.5, 0.5, 0.76, 1]);
    const out = decodeDetections(scores, boxes, box(100, 200, 400, 300), { scoreThreshold: 0.6 });
    expect(out).toHaveLength(1);
    expect(out[0].score).toBeCloseTo(0.9);
    expect(out[0].box.x).toBeCloseTo(300);
    expect(out[0].box.y).toBeCloseTo(350);
    expect(out[0].box.width).toBeCloseTo(100);
    expect(out[0].box.height).toBeCloseTo(150);
  });
});

describe("geometry", () => {
  it("computes IoU", () => {
    expect(iou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(50 / 150);
    expect(iou(box(0, 0, 10, 10), box(20, 20, 5, 5))).toBe(0);
  });

  it("squares a box around its centre with side = height", () => {
    expect(squareBox(box(10, 20, 40, 60))).toEqual(box(0, 20, 60, 60));
  });

  it("keeps the refinement region 4:3 and inside the image", () => {
    const r = refineRegion(box(1900, 10, 40, 40), 2000, 1000);
    expect(r.width / r.height).toBeCloseTo(4 / 3);
    expect(r.x + r.width).toBeLessThanOrEqual(2000);
    expect(r.y).toBeGreaterThanOrEqual(0);
  });
});
