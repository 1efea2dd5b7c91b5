import { describe, expect, it } from 'vitest';
import {
  applyColormap,
  drawBoxes,
  jet,
  makeHeatmap,
  overlayHeatmap,
  overlayMask,
  outlineMask,
  resizeHeatmap,
  tf,
  tileImages,
  upscaleNearest,
  viridis,
} from '../src/index';

describe('colour maps', () => {
  it('jet matches OpenCV COLORMAP_JET at its anchors', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect(jet(0.25)).toEqual([0, 128, 255]);
  });

  it('viridis hits its end colours and clips out-of-range and NaN values', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    expect(viridis(2)).toEqual([253, 231, 37]);
    expect(viridis(Number.NaN)).toEqual([68, 1, 84]);
  });

  it('colours each pixel of a heatmap', () => {
    const image = applyColormap(makeHeatmap(2, 1, Float32Array.from([0, 1])), 'gray');
    expect(Array.from(image.data)).toEqual([0, 0, 0, 255, 255, 255]);
    expect(() => applyColormap(makeHeatmap(1, 1, new Float32Array(1)), 'hot' as never)).toThrow(/unknown colour map 'hot'/);
  });
});

describe('resizeHeatmap', () => {
  it('uses half-pixel centres: [0, 1] → [0, .25, .75, 1]', () => {
    const out = resizeHeatmap(makeHeatmap(2, 1, Float32Array.from([0, 1])), 4, 1);
    expect(Array.from(out.data)).toEqual([0, 0.25, 0.75, 1]);
  });

  it('agrees with tf.image.resizeBilinear(halfPixelCenters) on a random map', () => {
    const data = Float32Array.from({ length: 5 * 7 }, (_, i) => Math.sin(i * 1.7) * 0.5 + 0.5);
    const ours = resizeHeatmap(makeHeatmap(7, 5, data), 23, 17);
    const theirs = tf.tidy(() =>
      tf.image.resizeBilinear(tf.tensor4d(data, [1, 5, 7, 1]), [17, 23], false, true).dataSync(),
    );
    let maxDiff = 0;
    for (let i = 0; i < theirs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - ours.data[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });
});

describe('overlays and boxes', () => {
  const grey = { width: 4, height: 4, channels: 3 as const, data: new Uint8Array(48).fill(100) };

  it('blends (1 − α)·image + α·jet(h)', () => {
    const out = overlayHeatmap(grey, makeHeatmap(4, 4, new Float32Array(16).fill(1)), { alpha: 0.25 });
    expect(Array.from(out.data.subarray(0, 3))).toEqual([Math.round(75 + 32), 75, 75]);
    expect(grey.data[0]).toBe(100);
  });

  it('tints only masked pixels', () => {
    const mask = new Uint8Array(16);
    mask[5] = 1;
    const out = overlayMask(grey, mask, [200, 0, 0], 0.5);
    expect(Array.from(out.data.subarray(15, 18))).toEqual([150, 50, 50]);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([100, 100, 100]);
    expect(() => overlayMask(grey, new Uint8Array(3))).toThrow(/16 values, got 3/);
  });

  it('outlines a mask: masked pixels with a 4-neighbour outside it or on the border', () => {
    const mask = new Uint8Array(16);
    for (const p of [5, 6, 9, 10, 13, 14]) mask[p] = 1; // a 2×3 block touching the bottom border
    const out = outlineMask(grey, mask, [1, 2, 3]);
    for (let p = 0; p < 16; p++) {
      expect(Array.from(out.data.subarray(3 * p, 3 * p + 3)), `pixel ${p}`).toEqual(mask[p] ? [1, 2, 3] : [100, 100, 100]);
    }
    const solid = new Uint8Array(25).fill(1);
    const big = { width: 5, height: 5, channels: 1 as const, data: new Uint8Array(25).fill(100) };
    const ring = outlineMask(big, solid, [9, 9, 9]);
    expect(Array.from(ring.data.subarray(3 * 12, 3 * 12 + 3)), 'the centre is not an edge').toEqual([100, 100, 100]);
    expect(Array.from(ring.data.subarray(3 * 7, 3 * 7 + 3)), 'nor its inner neighbours').toEqual([100, 100, 100]);
    expect(Array.from(ring.data.subarray(0, 3))).toEqual([9, 9, 9]);
    expect(() => outlineMask(grey, new Uint8Array(3))).toThrow(/16 values, got 3/);
  });

  it('draws an inclusive box outline of the given thickness', () => {
    const out = drawBoxes(grey, [{ box: { x0: 0, y0: 0, x1: 3, y1: 3 }, color: [0, 255, 0], thickness: 1 }]);
    let green = 0;
    for (let p = 0; p < 16; p++) if (out.data[p * 3 + 1] === 255) green++;
    expect(green).toBe(12);
  });

  it('tiles images in a grid and upscales without blurring', () => {
    const a = { width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) };
    const b = { width: 1, height: 1, data: Uint8Array.from([4, 5, 6]) };
    const grid = tileImages([a, b], { gap: 1, background: [0, 0, 0] });
    expect([grid.width, grid.height]).toEqual([3, 1]);
    expect(Array.from(grid.data)).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6]);
    const big = upscaleNearest(a, 2);
    expect(Array.from(big.data)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });
});

describe('gradientToImage', () => {
  it('standardises the gradient and maps it around mid-grey', async () => {
    const { gradientToImage } = await import('../src/index');
    // values −1 and +1: mean 0, std 1 → 0.5 ∓ 0.15 → 89 and 166 (rounded from 89.25 and 165.75)
    const image = gradientToImage({ width: 2, height: 1, channels: 1, data: Float32Array.from([-1, 1]) });
    expect(Array.from(image.data)).toEqual([89, 89, 89, 166, 166, 166]);
    const flat = gradientToImage({ width: 1, height: 1, channels: 3, data: new Float32Array(3) });
    expect(Array.from(flat.data)).toEqual([128, 128, 128]);
    expect(() => gradientToImage({ width: 1, height: 1, channels: 2, data: new Float32Array(2) })).toThrow(/1 or 3 channels/);
  });
});
