import { describe, expect, it } from 'vitest';
import { bestBoxIoU, boxArea, boxIoU, scaleBox } from '../../src/metrics/iou';
import { pixelCountIoU, randomBox, seeded } from './helpers';

describe('boxIoU (inclusive corners)', () => {
  it('gives 8/27 for a 3×5 and a 4×5 box overlapping on 2×4 pixels', () => {
    const a = { x0: 0, y0: 0, x1: 2, y1: 4 }; // 3 wide, 5 high: 15 pixels
    const b = { x0: 1, y0: 1, x1: 4, y1: 5 }; // 4 wide, 5 high: 20 pixels
    expect(boxArea(a)).toBe(15);
    expect(boxArea(b)).toBe(20);
    // intersection x 1..2, y 1..4 = 8 pixels; union 15 + 20 − 8 = 27
    expect(boxIoU(a, b)).toBeCloseTo(8 / 27, 15);
    // the exclusive convention would give (1·3)/(2·4 + 3·4 − 3) = 3/17
    expect(boxIoU(a, b)).not.toBeCloseTo(3 / 17, 3);
  });

  it('counts a shared column and a single pixel as overlap', () => {
    expect(boxIoU({ x0: 0, y0: 0, x1: 1, y1: 0 }, { x0: 1, y0: 0, x1: 2, y1: 0 })).toBeCloseTo(1 / 3, 15);
    expect(boxIoU({ x0: 5, y0: 5, x1: 5, y1: 5 }, { x0: 5, y0: 5, x1: 5, y1: 5 })).toBe(1);
    expect(boxIoU({ x0: 0, y0: 0, x1: 1, y1: 1 }, { x0: 2, y0: 0, x1: 3, y1: 1 })).toBe(0);
  });

  it('matches pixel counting on 500 random boxes and is symmetric', () => {
    const rand = seeded(7);
    for (let t = 0; t < 500; t++) {
      const a = randomBox(rand, 20, 15);
      const b = randomBox(rand, 20, 15);
      expect(boxIoU(a, b)).toBeCloseTo(pixelCountIoU(a, b), 12);
      expect(boxIoU(b, a)).toBe(boxIoU(a, b));
    }
  });

  it('rejects non-integer or out-of-order corners with a message naming them', () => {
    expect(() => boxIoU({ x0: 0.5, y0: 0, x1: 2, y1: 2 }, { x0: 0, y0: 0, x1: 1, y1: 1 })).toThrow(/x0 must be an integer/);
    expect(() => boxIoU({ x0: 3, y0: 0, x1: 2, y1: 2 }, { x0: 0, y0: 0, x1: 1, y1: 1 })).toThrow(/out of order/);
  });
});

describe('bestBoxIoU', () => {
  it('takes the best pair, and 0 for empty lists', () => {
    const truth = [{ x0: 0, y0: 0, x1: 2, y1: 4 }, { x0: 10, y0: 10, x1: 11, y1: 11 }];
    const predicted = [{ x0: 10, y0: 10, x1: 11, y1: 12 }, { x0: 1, y0: 1, x1: 4, y1: 5 }];
    expect(bestBoxIoU(predicted, truth)).toBeCloseTo(4 / 6, 15);
    expect(bestBoxIoU([], truth)).toBe(0);
    expect(bestBoxIoU(predicted, [])).toBe(0);
  });
});

describe('scaleBox', () => {
  it('maps pixel footprints between sizes', () => {
    expect(scaleBox({ x0: 2, y0: 4, x1: 5, y1: 7 }, 8, 8, 4, 4)).toEqual({ x0: 1, y0: 2, x1: 2, y1: 3 });
    expect(scaleBox({ x0: 1, y0: 2, x1: 2, y1: 3 }, 4, 4, 8, 8)).toEqual({ x0: 2, y0: 4, x1: 5, y1: 7 });
    expect(scaleBox({ x0: 0, y0: 0, x1: 9, y1: 9 }, 10, 10, 3, 7)).toEqual({ x0: 0, y0: 0, x1: 2, y1: 6 });
  });
});
