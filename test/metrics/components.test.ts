import { describe, expect, it } from 'vitest';
import { labelComponents, largestComponent } from '../../src/metrics/components';
import { floodFillComponents, seeded } from './helpers';

describe('labelComponents (8-connectivity, two-pass union-find)', () => {
  it('joins pixels that touch only at a corner', () => {
    // two diagonal pixels: one 8-connected component (two under 4-connectivity)
    const { components } = labelComponents([1, 0, 0, 1], 2, 2);
    expect(components).toHaveLength(1);
    expect(components[0]).toEqual({ size: 2, box: { x0: 0, y0: 0, x1: 1, y1: 1 }, firstIndex: 0 });
  });

  it('merges a U shape whose arms meet only in the last row (needs the union step)', () => {
    const mask = [
      1, 0, 0, 1,
      1, 0, 0, 1,
      1, 1, 1, 1,
      0, 0, 0, 0,
      0, 1, 0, 0,
    ];
    const { labels, components } = labelComponents(mask, 4, 5);
    expect(components.map((c) => c.size)).toEqual([8, 1]);
    expect(components[0].box).toEqual({ x0: 0, y0: 0, x1: 3, y1: 2 });
    expect(components[1].box).toEqual({ x0: 1, y0: 4, x1: 1, y1: 4 });
    expect(labels[3]).toBe(1);
    expect(labels[17]).toBe(2);
    expect(labels[16]).toBe(0);
  });

  it('handles an anti-diagonal staircase joined through NE neighbours', () => {
    const mask = [
      0, 0, 0, 1,
      0, 0, 1, 0,
      0, 1, 0, 0,
      1, 0, 0, 1,
    ];
    const { components } = labelComponents(mask, 4, 4);
    expect(components.map((c) => c.size)).toEqual([4, 1]);
  });

  it('agrees with a flood fill on 200 random masks of varied density', () => {
    const rand = seeded(11);
    for (let t = 0; t < 200; t++) {
      const w = 1 + Math.floor(rand() * 25);
      const h = 1 + Math.floor(rand() * 25);
      const density = rand();
      const mask = Array.from({ length: w * h }, () => (rand() < density ? 1 : 0));
      const { labels, components } = labelComponents(mask, w, h);
      const reference = floodFillComponents(mask, w, h);
      expect(components.length).toBe(reference.length);
      reference.forEach((pixels, k) => {
        expect(pixels.every((p) => labels[p] === k + 1)).toBe(true);
        const c = components[k];
        expect(c.size).toBe(pixels.length);
        expect(c.firstIndex).toBe(pixels[0]);
        const xs = pixels.map((p) => p % w);
        const ys = pixels.map((p) => Math.floor(p / w));
        expect(c.box).toEqual({ x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) });
      });
      expect(labels.filter((l) => l > 0).length).toBe(mask.filter((v) => v).length);
    }
  });

  it('returns no component for an empty mask and checks the length', () => {
    expect(labelComponents(new Uint8Array(12), 4, 3).components).toEqual([]);
    expect(() => labelComponents(new Uint8Array(11), 4, 3)).toThrow(/expected 12 values, got 11/);
  });
});

describe('largestComponent', () => {
  it('picks by pixel count, ties to the first in raster order', () => {
    const mask = [
      1, 1, 0, 1, 1,
      0, 0, 0, 0, 0,
      1, 1, 1, 0, 1,
    ];
    const { components } = labelComponents(mask, 5, 3);
    expect(largestComponent(components)?.box).toEqual({ x0: 0, y0: 2, x1: 2, y1: 2 });
    const tie = labelComponents([1, 1, 0, 1, 1], 5, 1).components;
    expect(largestComponent(tie)?.box).toEqual({ x0: 0, y0: 0, x1: 1, y1: 0 });
    expect(largestComponent([])).toBeUndefined();
  });
});
