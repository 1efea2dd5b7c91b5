import { describe, expect, it } from 'vitest';
import { CAM_PROTOCOL_THRESHOLD, boxesFromHeatmap } from '../../src/metrics/boxesFromHeatmap';
import { mapOf } from './helpers';

describe('boxesFromHeatmap', () => {
  const map = mapOf([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.9, 1.0, 0.0, 0.0, 0.3],
    [0.0, 0.5, 0.6, 0.0, 0.0, 0.4],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.2],
  ]);

  it('boxes the largest component above 20 % of the max, inclusive corners', () => {
    expect(boxesFromHeatmap(map, CAM_PROTOCOL_THRESHOLD)).toEqual([{ x0: 1, y0: 1, x1: 2, y1: 2 }]);
  });

  it('keeps every component with components: all, in raster order', () => {
    expect(boxesFromHeatmap(map, 0.2, { components: 'all' })).toEqual([
      { x0: 1, y0: 1, x1: 2, y1: 2 },
      { x0: 5, y0: 1, x1: 5, y1: 2 },
    ]);
  });

  it('uses a strict threshold: a pixel equal to the cut-off is background', () => {
    // cut-off 0.2·1.0 = 0.2: the 0.2 pixel at (5,3) stays out
    expect(boxesFromHeatmap(map, 0.2, { components: 'all' })[1].y1).toBe(2);
    // relative to the max: a map scaled by 10 gives the same boxes
    const scaled = { ...map, data: map.data.map((v) => v * 10) };
    expect(boxesFromHeatmap(scaled, 0.2, { components: 'all' })).toEqual(boxesFromHeatmap(map, 0.2, { components: 'all' }));
    // absolute mode compares with τ itself
    expect(boxesFromHeatmap(map, 0.55, { thresholdMode: 'absolute', components: 'all' })).toEqual([{ x0: 1, y0: 1, x1: 2, y1: 2 }]);
    expect(boxesFromHeatmap(map, 0.95, { thresholdMode: 'absolute' })).toEqual([{ x0: 2, y0: 1, x1: 2, y1: 1 }]);
  });

  it('handles degenerate maps: all zero → no box, constant → the whole image, threshold 1 → nothing', () => {
    expect(boxesFromHeatmap(mapOf([[0, 0], [0, 0]]), 0.2)).toEqual([]);
    expect(boxesFromHeatmap(mapOf([[0.7, 0.7, 0.7], [0.7, 0.7, 0.7]]), 0.2)).toEqual([{ x0: 0, y0: 0, x1: 2, y1: 1 }]);
    expect(boxesFromHeatmap(map, 1)).toEqual([]);
    expect(boxesFromHeatmap(map, 0, { components: 'all' })).toEqual([
      { x0: 1, y0: 1, x1: 2, y1: 2 },
      { x0: 5, y0: 1, x1: 5, y1: 3 },
    ]);
  });

  it('rejects NaN maps, wrong lengths and bad thresholds with clear errors', () => {
    const nan = mapOf([[0, 1], [NaN, 0.5]]);
    expect(() => boxesFromHeatmap(nan, 0.2)).toThrow(/NaN at \(x=0, y=1\)/);
    expect(() => boxesFromHeatmap({ width: 2, height: 2, data: new Float32Array(3) }, 0.2)).toThrow(/width\*height = 4 values, got 3/);
    expect(() => boxesFromHeatmap(map, 1.5)).toThrow(/in \[0, 1\], got 1.5/);
    expect(() => boxesFromHeatmap(map, NaN)).toThrow(/finite/);
  });
});
