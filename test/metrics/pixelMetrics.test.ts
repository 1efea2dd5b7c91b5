import { describe, expect, it } from 'vitest';
import { maskIoU, maskIoUSweep } from '../../src/metrics/maskIoU';
import { binarizeMask, SOFT_MASK_OBJECT_LEVEL } from '../../src/metrics/objectMask';
import {
  addPixelHistograms,
  emptyPixelHistograms,
  pixelAveragePrecision,
  pixelPrecisionRecall,
  pixelScoreHistograms,
} from '../../src/metrics/pixelPrecisionRecall';
import { mapOf, maskOf } from './helpers';

// A 3×3 map with a PR curve worked out by hand on the grid δ = 0.25 (thresholds 0, .25, .5, .75, and 1).
const map = mapOf([
  [0.9, 0.8, 0.1],
  [0.6, 0.3, 0.0],
  [1.0, 0.5, 0.2],
]);
const mask = maskOf([
  [1, 1, 0],
  [1, 0, 0],
  [0, 1, 0],
]);

describe('PxAP on a 3×3 map with a known PR curve', () => {
  it('gives the hand-computed precision and recall at 1, .75, .5, .25, 0', () => {
    // object pixels 0.9 0.8 0.6 0.5; background 0.1 0.3 0.0 1.0 0.2
    // e = 1: TP 0 FP 1 → P 0, R 0;   e = .75: TP 2 FP 1 → P 2/3, R 1/2
    // e = .5: TP 4 FP 1 → P 4/5, R 1; e = .25: TP 4 FP 2 → 2/3, R 1; e = 0: TP 4 FP 5 → 4/9, R 1
    const pr = pixelPrecisionRecall(pixelScoreHistograms(map, mask, 0.25));
    expect(Array.from(pr.thresholds)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    const expectedP = [0, 2 / 3, 4 / 5, 2 / 3, 4 / 9];
    const expectedR = [0, 1 / 2, 1, 1, 1];
    expectedP.forEach((p, k) => expect(pr.precision[k]).toBeCloseTo(p, 15));
    expectedR.forEach((r, k) => expect(pr.recall[k]).toBeCloseTo(r, 15));
  });

  it('integrates to PxAP = 0·0 + 2/3·1/2 + 4/5·1/2 = 11/15', () => {
    expect(pixelAveragePrecision(pixelScoreHistograms(map, mask, 0.25))).toBeCloseTo(11 / 15, 15);
  });

  it('is 1 for a perfect map and the object share for a constant map', () => {
    const perfect = { ...map, data: Float32Array.from(mask.data, (m) => (m ? 1 : 0)) };
    expect(pixelAveragePrecision(pixelScoreHistograms(perfect, mask))).toBe(1);
    const constant = { ...map, data: new Float32Array(9).fill(0.4) };
    expect(pixelAveragePrecision(pixelScoreHistograms(constant, mask))).toBeCloseTo(4 / 9, 15);
    const zero = { ...map, data: new Float32Array(9) };
    expect(pixelAveragePrecision(pixelScoreHistograms(zero, mask))).toBeCloseTo(4 / 9, 15);
  });

  it('sums histograms over images; no object pixel at all is a clear error', () => {
    const total = emptyPixelHistograms(0.25);
    addPixelHistograms(total, pixelScoreHistograms(map, mask, 0.25));
    addPixelHistograms(total, pixelScoreHistograms(map, mask, 0.25));
    expect(pixelAveragePrecision(total)).toBeCloseTo(11 / 15, 15);
    expect(() => addPixelHistograms(total, pixelScoreHistograms(map, mask, 0.01))).toThrow(/different threshold grids/);
    const empty = maskOf([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(() => pixelAveragePrecision(pixelScoreHistograms(map, empty))).toThrow(/at least one object pixel/);
  });

  it('rejects NaN maps, values outside [0, 1], masks of another size or not 0/1', () => {
    expect(() => pixelScoreHistograms(mapOf([[NaN, 0, 0], [0, 0, 0], [0, 0, 0]]), mask)).toThrow(/NaN at \(x=0, y=0\)/);
    expect(() => pixelScoreHistograms(mapOf([[2, 0, 0], [0, 0, 0], [0, 0, 0]]), mask)).toThrow(/outside \[0, 1\]/);
    expect(() => pixelScoreHistograms(mapOf([[0, 0]]), mask)).toThrow(/mask is 3×3 but the heatmap is 2×1/);
    expect(() => pixelScoreHistograms(map, maskOf([[255, 0, 0], [0, 0, 0], [0, 0, 0]]))).toThrow(/expected 0 or 1 .*binarizeMask/);
  });
});

describe('ignore regions (OpenImages in wsolevaluation)', () => {
  // ignore the background pixel at 1.0 and the object pixel at 0.9 (an object pixel is never ignored)
  const ignore = Uint8Array.from([1, 0, 0, 0, 0, 0, 1, 0, 0]);
  const withIgnore = { ...mask, ignore };

  it('leave ignored background out of PxAP: e = 1: no pixel → P 1; e = .75: TP 2 FP 0; e = .5: TP 4 FP 0 → PxAP 1', () => {
    const pr = pixelPrecisionRecall(pixelScoreHistograms(map, withIgnore, 0.25));
    expect(Array.from(pr.precision)).toEqual([1, 1, 1, 4 / 5, 4 / 8]);
    expect(pixelAveragePrecision(pixelScoreHistograms(map, withIgnore, 0.25))).toBe(1);
  });

  it('leave ignored background out of mask IoU: at τ = 0.5 TP 4, FP 0 → 1', () => {
    expect(maskIoU(map, withIgnore, 0.5)).toBe(1);
    expect(maskIoU(map, withIgnore, 0.75)).toBeCloseTo(2 / 4, 15);
  });

  it('must be 0/1 and of the mask\'s size', () => {
    expect(() => pixelScoreHistograms(map, { ...mask, ignore: new Uint8Array(4) })).toThrow(/ignore region 3×3: must have 9 values, got 4/);
    expect(() => maskIoU(map, { ...mask, ignore: new Uint8Array(9).fill(255) }, 0.5)).toThrow(/ignore value 255 at \(x=0, y=0\): expected 0 or 1/);
  });
});

describe('mask IoU', () => {
  it('at τ = 0.5: predicted {0.9, 0.8, 0.6, 1.0, 0.5} → TP 4, FP 1, FN 0 → 4/5', () => {
    expect(maskIoU(map, mask, 0.5)).toBeCloseTo(4 / 5, 15);
    // τ = 0.75: {0.9, 0.8, 1.0}: TP 2, FP 1, FN 2 → 2/5
    expect(maskIoU(map, mask, 0.75)).toBeCloseTo(2 / 5, 15);
  });

  it('over the grid equals the direct count at every threshold', () => {
    const sweep = maskIoUSweep(pixelScoreHistograms(map, mask, 0.01));
    for (let i = 0; i < 100; i++) expect(sweep[i]).toBeCloseTo(maskIoU(map, mask, i * 0.01), 15);
  });

  it('is 1 when both prediction and mask are empty', () => {
    expect(maskIoU(mapOf([[0.1, 0.2]]), maskOf([[0, 0]]), 0.5)).toBe(1);
  });
});

describe('binarizeMask', () => {
  it('keeps any non-zero grey as object (wsolevaluation), or grey ≥ level', () => {
    expect(Array.from(binarizeMask([0, 1, 127, 128, 255], 5, 1).data)).toEqual([0, 1, 1, 1, 1]);
    expect(Array.from(binarizeMask([0, 1, 127, 128, 255], 5, 1, SOFT_MASK_OBJECT_LEVEL).data)).toEqual([0, 0, 0, 1, 1]);
    expect(() => binarizeMask([0, 1, 2], 2, 2)).toThrow(/expected width\*height = 4 grey values, got 3/);
  });
});
