import { describe, expect, it } from 'vitest';
import { boxesFromHeatmap } from '../../src/metrics/boxesFromHeatmap';
import { WsolEvaluator } from '../../src/metrics/evaluator';
import { bestBoxIoU } from '../../src/metrics/iou';
import { maskIoU } from '../../src/metrics/maskIoU';
import { Box, Heatmap, ObjectMask } from '../../src/types';
import { mapOf, maskOf, randomBox, randomMap, seeded } from './helpers';

interface Item {
  heatmap: Heatmap;
  boxes: Box[];
  mask: ObjectMask;
  classIndex: number;
  ranking: number[];
}

function randomSet(seed: number, count: number): Item[] {
  const rand = seeded(seed);
  return Array.from({ length: count }, () => {
    const w = 6 + Math.floor(rand() * 20);
    const h = 6 + Math.floor(rand() * 20);
    const heatmap = randomMap(rand, w, h);
    const boxes = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => randomBox(rand, w, h));
    const mask = { width: w, height: h, data: Uint8Array.from(heatmap.data, (v) => (v + 0.6 * (rand() - 0.5) > 0.5 ? 1 : 0)) };
    mask.data[0] = 1; // at least one object pixel per image
    const ranking = Array.from({ length: 10 }, (_, i) => i).sort(() => rand() - 0.5);
    return { heatmap, boxes, mask, classIndex: Math.floor(rand() * 10), ranking };
  });
}

const grid = Array.from({ length: 100 }, (_, i) => i * 0.01);

/** Every figure straight from its definition, image by image and threshold by threshold. */
function bruteForce(items: Item[]) {
  const boxAccuracy = (choice: 'largest' | 'all', iou: number): number[] =>
    grid.map(
      (t) =>
        items.filter((it) => bestBoxIoU(boxesFromHeatmap(it.heatmap, t, { thresholdMode: 'absolute', components: choice }), it.boxes) >= iou)
          .length / items.length,
    );
  const camIoU = items.map((it) => bestBoxIoU(boxesFromHeatmap(it.heatmap, 0.2), it.boxes));
  const gtKnown = camIoU.filter((v) => v >= 0.5).length / items.length;
  const top1Loc = items.filter((it, j) => camIoU[j] >= 0.5 && it.ranking[0] === it.classIndex).length / items.length;
  const top5Loc = items.filter((it, j) => camIoU[j] >= 0.5 && it.ranking.slice(0, 5).includes(it.classIndex)).length / items.length;
  // PxAP: count pixels v ≥ e directly for e = 1, .99, …, 0
  const edges = [1, ...grid.slice().reverse()];
  let positives = 0;
  for (const it of items) for (const m of it.mask.data) positives += m;
  let pxap = 0;
  let previousRecall = 0;
  for (const e of edges) {
    let tp = 0;
    let fp = 0;
    for (const it of items) {
      it.heatmap.data.forEach((v, i) => {
        if (v >= Math.fround(e)) {
          if (it.mask.data[i]) tp++;
          else fp++;
        }
      });
    }
    const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
    pxap += precision * (tp / positives - previousRecall);
    previousRecall = tp / positives;
  }
  const maskCurve = grid.map((t) => items.reduce((s, it) => s + maskIoU(it.heatmap, it.mask, t), 0) / items.length);
  return {
    maxBoxAcc: Math.max(...boxAccuracy('largest', 0.5)),
    v2: [0.3, 0.5, 0.7].map((d) => Math.max(...boxAccuracy('all', d))),
    gtKnown,
    top1Loc,
    top5Loc,
    pxap,
    bestMaskIoU: Math.max(...maskCurve),
    maskIoU05: items.reduce((s, it) => s + maskIoU(it.heatmap, it.mask, 0.5), 0) / items.length,
  };
}

describe('WsolEvaluator', () => {
  it('agrees with a brute-force computation on a small random set', () => {
    const items = randomSet(5, 25);
    const evaluator = new WsolEvaluator();
    for (const it of items) evaluator.accumulate(it);
    const r = evaluator.compute();
    const ref = bruteForce(items);
    expect(r.images).toBe(25);
    expect(r.maxBoxAcc?.accuracy).toBeCloseTo(ref.maxBoxAcc, 12);
    r.maxBoxAccV2?.perIoU.forEach((p, d) => expect(p.accuracy).toBeCloseTo(ref.v2[d], 12));
    expect(r.maxBoxAccV2?.mean).toBeCloseTo((ref.v2[0] + ref.v2[1] + ref.v2[2]) / 3, 12);
    expect(r.gtKnownLoc).toBeCloseTo(ref.gtKnown, 12);
    expect(r.top1Loc).toBeCloseTo(ref.top1Loc, 12);
    expect(r.top5Loc).toBeCloseTo(ref.top5Loc, 12);
    expect(r.pxap).toBeCloseTo(ref.pxap, 12);
    expect(r.maskIoU?.best).toBeCloseTo(ref.bestMaskIoU, 12);
    expect(r.maskIoU?.atThreshold).toBeCloseTo(ref.maskIoU05, 12);
    // the set is not trivial: the figures are neither 0 nor 1
    expect(r.maxBoxAccV2?.mean).toBeGreaterThan(0);
    expect(r.maxBoxAccV2?.mean).toBeLessThan(1);
  });

  it('counts MaxBoxAcc at the best threshold of a hand-made two-image set', () => {
    // image A: object exactly on the 0.6 plateau; image B: the same shape at 0.3
    const a = mapOf([
      [0.6, 0.6, 0],
      [0.6, 0.6, 0],
      [0, 0, 0],
    ]);
    const b = mapOf([
      [0, 0, 0],
      [0, 0.3, 0.3],
      [0, 0.3, 0.3],
    ]);
    const evaluator = new WsolEvaluator();
    evaluator.accumulate({ heatmap: a, boxes: [{ x0: 0, y0: 0, x1: 1, y1: 1 }] });
    evaluator.accumulate({ heatmap: b, boxes: [{ x0: 1, y0: 1, x1: 2, y1: 2 }] });
    const r = evaluator.compute();
    // both correct for τ < 0.3 (τ_0 … τ_29), only A for 0.3 ≤ τ < 0.6, none above
    expect(r.curves.maxBoxAcc?.[29]).toBe(1);
    expect(r.curves.maxBoxAcc?.[30]).toBe(0.5);
    expect(r.curves.maxBoxAcc?.[60]).toBe(0);
    expect(r.maxBoxAcc).toEqual({ iou: 0.5, accuracy: 1, threshold: 0 });
    // CAM protocol is relative to each map's max: both boxes exact
    expect(r.gtKnownLoc).toBe(1);
    expect(r.pxap).toBeNull();
    expect(r.top1Loc).toBeNull();
  });

  it('reports PxAP and mask IoU only where masks exist, and averages faithfulness figures', () => {
    const evaluator = new WsolEvaluator();
    const heatmap = mapOf([[1, 0]]);
    evaluator.accumulate({ heatmap, mask: maskOf([[1, 0]]), deletionAuc: 0.2, insertionAuc: 0.6, confidence: { original: 0.8, explanation: 0.4 } });
    evaluator.accumulate({ heatmap, deletionAuc: 0.4, insertionAuc: 0.8, confidence: { original: 0.5, explanation: 0.6 } });
    const r = evaluator.compute();
    expect(r.maskImages).toBe(1);
    expect(r.boxImages).toBe(0);
    expect(r.maxBoxAcc).toBeNull();
    expect(r.pxap).toBe(1);
    expect(r.maskIoU?.best).toBe(1);
    expect(r.deletionAuc).toBeCloseTo(0.3, 15);
    expect(r.insertionAuc).toBeCloseTo(0.7, 15);
    expect(r.averageDrop).toBeCloseTo((0.5 + 0) / 2, 15);
    expect(r.increaseInConfidence).toBe(0.5);
  });

  it('rejects a bad sample without counting it', () => {
    const evaluator = new WsolEvaluator();
    const good = { heatmap: mapOf([[1, 0]]), boxes: [{ x0: 0, y0: 0, x1: 0, y1: 0 }] };
    evaluator.accumulate(good);
    expect(() => evaluator.accumulate({ heatmap: mapOf([[NaN, 0]]) })).toThrow(/NaN/);
    expect(() => evaluator.accumulate({ ...good, mask: maskOf([[1, 0, 0]]) })).toThrow(/mask is 3×1/);
    expect(() => evaluator.accumulate({ ...good, boxes: [{ x0: 0, y0: 0, x1: 5, y1: 0 }] })).toThrow(/not inside/);
    expect(() => evaluator.accumulate({ ...good, boxes: [] })).toThrow(/at least one box/);
    expect(() => evaluator.accumulate({ ...good, deletionAuc: 2 })).toThrow(/deletionAuc must be in \[0, 1\]/);
    expect(evaluator.compute().images).toBe(1);
    expect(() => new WsolEvaluator({ iouThresholds: [1.5] })).toThrow(/iouThresholds\[0\]/);
  });
});

describe('WsolEvaluator state (checkpoints)', () => {
  it('a restored state continues to the numbers of one uninterrupted evaluator, through JSON', () => {
    const samples = [
      { heatmap: mapOf([[1, 0.5], [0.2, 0]]), boxes: [{ x0: 0, y0: 0, x1: 0, y1: 1 }], mask: maskOf([[1, 1], [0, 0]]), classIndex: 0, ranking: [0, 1], deletionAuc: 0.25 },
      { heatmap: mapOf([[0, 0.3], [0.9, 1]]), boxes: [{ x0: 1, y0: 1, x1: 1, y1: 1 }], mask: maskOf([[0, 0], [1, 1]]), classIndex: 1, ranking: [0, 1] },
      { heatmap: mapOf([[0.4, 0.4], [0.7, 0.1]]), boxes: [{ x0: 0, y0: 0, x1: 1, y1: 1 }], mask: maskOf([[0, 1], [0, 0]]), classIndex: 1, ranking: [1, 0], deletionAuc: 0.5 },
    ];
    const whole = new WsolEvaluator({ camCurveInterval: 0.05 });
    samples.forEach((x) => whole.accumulate(x));
    const first = new WsolEvaluator({ camCurveInterval: 0.05 });
    first.accumulate(samples[0]);
    const resumed = WsolEvaluator.restore(JSON.parse(JSON.stringify(first.state())));
    samples.slice(1).forEach((x) => resumed.accumulate(x));
    expect(resumed.compute()).toEqual(whole.compute());
    expect(() => WsolEvaluator.restore({ ...first.state(), largestCorrect: [1, 2] })).toThrow(/does not match its options/);
  });

  it('gives PxAP null, not an error, when the masks hold no object pixel (box figures kept)', () => {
    const ev = new WsolEvaluator();
    ev.accumulate({ heatmap: mapOf([[1, 0]]), boxes: [{ x0: 0, y0: 0, x1: 0, y1: 0 }], mask: maskOf([[0, 0]]) });
    const r = ev.compute();
    expect(r.pxap).toBeNull();
    expect(r.gtKnownLoc).toBe(1);
    expect(r.maskIoU?.atThreshold).toBe(0);
  });
});

describe('pure metrics', () => {
  it("don't leak tensors (no export of this folder but the faithfulness ones touches tfjs)", async () => {
    const tf = await import('@tensorflow/tfjs');
    const before = tf.memory().numTensors;
    const items = randomSet(9, 3);
    const evaluator = new WsolEvaluator();
    for (const it of items) evaluator.accumulate(it);
    evaluator.compute();
    bruteForce(items);
    expect(tf.memory().numTensors).toBe(before);
  });
});
