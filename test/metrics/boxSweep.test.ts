import { describe, expect, it } from 'vitest';
import { boxesFromHeatmap } from '../../src/metrics/boxesFromHeatmap';
import { sweepBoxIoU } from '../../src/metrics/boxSweep';
import { bestBoxIoU } from '../../src/metrics/iou';
import { thresholdGrid } from '../../src/metrics/thresholds';
import { mapOf, randomBox, randomMap, seeded } from './helpers';

describe('thresholdGrid', () => {
  it('is np.arange(0, 1, δ)', () => {
    const grid = thresholdGrid(0.01);
    expect(grid.length).toBe(100);
    expect(grid[0]).toBe(0);
    expect(grid[99]).toBe(99 * 0.01);
    expect(Array.from(thresholdGrid(0.3))).toEqual([0, 0.3, 0.6, 0.3 * 3]);
    expect(() => thresholdGrid(0)).toThrow(/\(0, 0.5\]/);
  });
});

describe('sweepBoxIoU', () => {
  it('matches boxesFromHeatmap at every threshold on 60 random maps (brute force)', () => {
    const rand = seeded(3);
    for (let t = 0; t < 60; t++) {
      const w = 4 + Math.floor(rand() * 30);
      const h = 4 + Math.floor(rand() * 30);
      const map = randomMap(rand, w, h);
      const truth = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomBox(rand, w, h));
      const mode = t % 3 === 2 ? 'relative' : 'absolute';
      if (mode === 'relative') map.data.forEach((v, i) => (map.data[i] = v * 0.8));
      const interval = t % 4 === 0 ? 0.05 : 0.01;
      const sweep = sweepBoxIoU(map, truth, { thresholdMode: mode, camCurveInterval: interval });
      const grid = thresholdGrid(interval);
      for (let i = 0; i < grid.length; i++) {
        const all = boxesFromHeatmap(map, grid[i], { thresholdMode: mode, components: 'all' });
        const largest = boxesFromHeatmap(map, grid[i], { thresholdMode: mode, components: 'largest' });
        expect(sweep.best[i]).toBe(bestBoxIoU(all, truth));
        expect(sweep.largest[i]).toBe(bestBoxIoU(largest, truth));
      }
    }
  });

  it('handles the grid edges: τ = 0 keeps every positive pixel, τ = 0.99 only values above 0.99', () => {
    const map = mapOf([
      [0, 0.5, 0],
      [0, 0, 0],
      [0, 0.995, 1],
    ]);
    const truth = [{ x0: 1, y0: 0, x1: 2, y1: 2 }]; // 6 pixels
    const sweep = sweepBoxIoU(map, truth);
    // τ_0 = 0: two components, {0.5} and {0.995, 1}; largest is the pair (1,2)-(2,2)
    expect(sweep.largest[0]).toBeCloseTo(2 / 6, 15);
    expect(sweep.best[0]).toBeCloseTo(2 / 6, 15);
    // τ_99 = 0.99: 0.995 and 1 pass
    expect(sweep.largest[99]).toBeCloseTo(2 / 6, 15);
    // the 0.5 pixel passes τ_49 = 0.49 but not τ_50 = 0.5 (strict >, float32 cut-off)
    const onHalf = sweepBoxIoU(map, [{ x0: 1, y0: 0, x1: 1, y1: 0 }]);
    expect(onHalf.best[49]).toBe(1);
    expect(onHalf.best[50]).toBe(0);
  });

  it('takes the component that fits best for best[], not the largest', () => {
    const map = mapOf([
      [0.9, 0.9, 0.9, 0, 0.8],
      [0.9, 0.9, 0.9, 0, 0],
    ]);
    const truth = [{ x0: 4, y0: 0, x1: 4, y1: 0 }];
    const sweep = sweepBoxIoU(map, truth);
    expect(sweep.best[50]).toBe(1);
    expect(sweep.largest[50]).toBe(0);
    expect(sweep.best[85]).toBe(0); // 0.8 is gone above τ = 0.85
  });

  it('gives 0 everywhere for an all-zero map and a constant map gives the whole image up to its value', () => {
    const truth = [{ x0: 0, y0: 0, x1: 1, y1: 1 }];
    const zero = sweepBoxIoU(mapOf([[0, 0], [0, 0]]), truth);
    expect(Array.from(zero.best).every((v) => v === 0)).toBe(true);
    const constant = sweepBoxIoU(mapOf([[0.5, 0.5], [0.5, 0.5]]), truth);
    expect(constant.largest[0]).toBe(1);
    expect(constant.largest[49]).toBe(1);
    expect(constant.largest[50]).toBe(0);
  });

  it('rejects NaN, values outside [0, 1] in absolute mode, and boxes outside the map', () => {
    const truth = [{ x0: 0, y0: 0, x1: 0, y1: 0 }];
    expect(() => sweepBoxIoU(mapOf([[NaN, 0]]), truth)).toThrow(/NaN at \(x=0, y=0\)/);
    expect(() => sweepBoxIoU(mapOf([[1.5, 0]]), truth)).toThrow(/outside \[0, 1\]/);
    expect(() => sweepBoxIoU(mapOf([[0.5, 0]]), [{ x0: 0, y0: 0, x1: 2, y1: 0 }])).toThrow(/not inside a 2×1 image/);
    expect(sweepBoxIoU(mapOf([[1.5, 0]]), truth, { thresholdMode: 'relative' }).largest[0]).toBe(1);
  });
});
