import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../../src/crf/fast-exp';

describe('expNonPositive', () => {
  it('is exact at 0 and at multiples of ln2/64, where the polynomial is not needed', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    for (const k of [1, 63, 64, 65, 640, 6399]) {
      const x = (-k * Math.LN2) / 64;
      expect(Math.abs(expNonPositive(x) / Math.exp(x) - 1)).toBeLessThan(1e-14);
    }
  });

  it('agrees with Math.exp to 1e-13 relative over the whole range used', () => {
    let worst = 0;
    // dense grid near 0 (mean field's usual range) plus a coarse sweep down to −138
    for (let i = 0; i <= 200_000; i++) {
      const x = -i * 1.7e-4;
      worst = Math.max(worst, Math.abs(expNonPositive(x) / Math.exp(x) - 1));
    }
    for (let x = -34; x > -138.6; x -= 0.0137) worst = Math.max(worst, Math.abs(expNonPositive(x) / Math.exp(x) - 1));
    expect(worst).toBeLessThan(1e-13);
  });

  it('returns 0 far below float32 range and propagates NaN', () => {
    expect(expNonPositive(-139)).toBe(0);
    expect(expNonPositive(-1e6)).toBe(0);
    expect(expNonPositive(-1e10)).toBe(0); // where a bare (x·64·log2 e) | 0 would wrap around
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(NaN)).toBeNaN();
  });
});
