import { describe, expect, it } from 'vitest';
import { cropBilinear, drawSprite, premultiplyRgba, rotatedHalfExtent, Sprite, toBytes } from '../../src/bench/raster';

/** An opaque n×n sprite of one premultiplied colour. */
function solidSprite(n: number, rgb: [number, number, number]): Sprite {
  const data = new Float32Array(n * n * 4);
  for (let i = 0; i < n * n; i++) data.set([...rgb, 1], i * 4);
  return { size: n, data };
}

const identity = { angle: 0, flip: false, gains: [1, 1, 1] as [number, number, number] };

describe('premultiplyRgba', () => {
  it('multiplies colour by alpha and scales to [0, 1]', () => {
    const s = premultiplyRgba(new Uint8Array([255, 102, 0, 51]), 1);
    const a = 51 / 255;
    expect(Array.from(s.data)).toEqual([a, (102 / 255) * a, 0, a].map(Math.fround));
  });

  it('names the expected length', () => {
    expect(() => premultiplyRgba(new Uint8Array(10), 2)).toThrow(/2×2×4 = 16 bytes, got 10/);
  });
});

describe('cropBilinear', () => {
  it('is the identity for the full image at its own size', () => {
    const data = new Uint8Array(5 * 4 * 3).map((_, i) => (i * 37) % 256);
    const out = cropBilinear({ width: 5, height: 4, data }, { x: 0, y: 0, width: 5, height: 4 }, 5, 4);
    expect(Array.from(out)).toEqual(Array.from(data));
  });

  it('halves a linear ramp exactly: out(x) = 10·(2x + ½)', () => {
    const w = 8;
    const data = new Uint8Array(w * 3);
    for (let x = 0; x < w; x++) data.fill(10 * x, x * 3, x * 3 + 3);
    const out = cropBilinear({ width: w, height: 1, data }, { x: 0, y: 0, width: 8, height: 1 }, 4, 1);
    for (let x = 0; x < 4; x++) expect(out[x * 3]).toBeCloseTo(10 * (2 * x + 0.5), 5);
  });

  it('mirrors left–right', () => {
    const data = new Uint8Array([0, 0, 0, 100, 100, 100, 200, 200, 200]);
    const out = cropBilinear({ width: 3, height: 1, data }, { x: 0, y: 0, width: 3, height: 1 }, 3, 1, true);
    expect(Array.from(out)).toEqual([200, 200, 200, 100, 100, 100, 0, 0, 0]);
  });
});

describe('rotatedHalfExtent', () => {
  it('is side/2 · (|cos θ| + |sin θ|)', () => {
    expect(rotatedHalfExtent(2, 0)).toBeCloseTo(1, 12);
    expect(rotatedHalfExtent(2, Math.PI / 4)).toBeCloseTo(Math.SQRT2, 12);
    expect(rotatedHalfExtent(4, -Math.PI / 6)).toBeCloseTo(2 * (Math.cos(Math.PI / 6) + 0.5), 12);
  });
});

describe('drawSprite', () => {
  it('covers exactly the pixels of an axis-aligned sprite on the pixel grid, with its colour', () => {
    const W = 10;
    const canvas = new Float32Array(W * W * 3).fill(20);
    const alpha = new Float32Array(W * W);
    drawSprite(canvas, W, W, solidSprite(4, [0.5, 0.25, 0]), { ...identity, cx: 5, cy: 5, side: 4 }, alpha);
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        const inside = x >= 3 && x <= 6 && y >= 3 && y <= 6;
        const p = y * W + x;
        expect(alpha[p]).toBe(inside ? 1 : 0);
        expect(Array.from(canvas.subarray(p * 3, p * 3 + 3))).toEqual(inside ? [127.5, 63.75, 0] : [20, 20, 20]);
      }
    }
  });

  it('keeps soft alpha: a sprite shifted by half a pixel covers its edge pixels by ½', () => {
    const W = 10;
    const canvas = new Float32Array(W * W * 3);
    const alpha = new Float32Array(W * W);
    drawSprite(canvas, W, W, solidSprite(4, [1, 1, 1]), { ...identity, cx: 5.5, cy: 5, side: 4 }, alpha);
    const row = Array.from(alpha.subarray(5 * W, 6 * W));
    expect(row).toEqual([0, 0, 0, 0.5, 1, 1, 1, 0.5, 0, 0]);
    // Over a black background the colour is the coverage itself: C = 255·α.
    expect(canvas[(5 * W + 3) * 3]).toBeCloseTo(127.5, 5);
  });

  it('mirrors and rotates by a quarter turn exactly on the grid', () => {
    // A 2×2 sprite with alpha 0.1, 0.2 / 0.3, 0.4.
    const data = new Float32Array(16);
    [0.1, 0.2, 0.3, 0.4].forEach((a, i) => (data[i * 4 + 3] = a));
    const sprite: Sprite = { size: 2, data };
    const draw = (angle: number, flip: boolean): number[] => {
      const alpha = new Float32Array(16);
      drawSprite(new Float32Array(48), 4, 4, sprite, { ...identity, angle, flip, cx: 2, cy: 2, side: 2 }, alpha);
      return [alpha[5], alpha[6], alpha[9], alpha[10]].map((v) => Math.round(v * 1000) / 1000);
    };
    expect(draw(0, false)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(draw(0, true)).toEqual([0.2, 0.1, 0.4, 0.3]);
    const quarter = draw(Math.PI / 2, false);
    const rotations = [
      [0.3, 0.1, 0.4, 0.2], // clockwise on screen
      [0.2, 0.4, 0.1, 0.3], // counter-clockwise
    ];
    expect(rotations).toContainEqual(quarter);
  });

  it('applies the colour gains to the premultiplied colour', () => {
    const canvas = new Float32Array(3);
    drawSprite(canvas, 1, 1, solidSprite(1, [0.4, 0.4, 0.4]), { ...identity, gains: [1, 0.5, 2], cx: 0.5, cy: 0.5, side: 1 });
    expect(Array.from(canvas).map((v) => Math.round(v * 1000) / 1000)).toEqual([102, 51, 204]);
  });
});

describe('toBytes', () => {
  it('rounds and clamps to [0, 255]', () => {
    expect(Array.from(toBytes(new Float32Array([-3, 0.49, 0.5, 254.6, 300])))).toEqual([0, 0, 1, 255, 255]);
  });
});
