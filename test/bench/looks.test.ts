import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { allStyles, createBenchmark, EVALUATION_STYLES } from '../../src/bench/generator';
import { readIconSet } from '../../src/bench/assets';
import { channelSwapMap, flatFillMap, greyscaleMap, hueRotationMap, invertMap, LOOK_SHARES, randomColorMap } from '../../src/bench/looks';
import { augmentBatch } from '../../src/bench/augment';
import { splitmix32 } from '../../src/bench/random';
import { ColorMap, drawSprite, Sprite } from '../../src/bench/raster';

const apply = (m: ColorMap, c: [number, number, number]): number[] =>
  [0, 1, 2].map((i) => m.matrix[i * 3] * c[0] + m.matrix[i * 3 + 1] * c[1] + m.matrix[i * 3 + 2] * c[2] + m.offset[i]);

describe('colour maps', () => {
  it('hue rotation: 0 is the identity, grey stays grey, 120° cycles the channels (r → g → b)', () => {
    const c: [number, number, number] = [0.9, 0.3, 0.1];
    apply(hueRotationMap(0), c).forEach((v, i) => expect(v).toBeCloseTo(c[i], 12));
    apply(hueRotationMap(1.234), [0.4, 0.4, 0.4]).forEach((v) => expect(v).toBeCloseTo(0.4, 12));
    const turned = apply(hueRotationMap((2 * Math.PI) / 3), c);
    expect(turned[0]).toBeCloseTo(c[2], 12);
    expect(turned[1]).toBeCloseTo(c[0], 12);
    expect(turned[2]).toBeCloseTo(c[1], 12);
  });

  it('greyscale, swap, invert, flat fill', () => {
    const c: [number, number, number] = [0.9, 0.3, 0.1];
    const y = 0.299 * 0.9 + 0.587 * 0.3 + 0.114 * 0.1;
    apply(greyscaleMap(), c).forEach((v) => expect(v).toBeCloseTo(y, 12));
    expect(apply(channelSwapMap([2, 0, 1]), c)).toEqual([0.1, 0.9, 0.3]);
    apply(invertMap(), c).forEach((v, i) => expect(v).toBeCloseTo(1 - c[i], 12));
    expect(apply(flatFillMap([0.2, 0.5, 0.7]), c)).toEqual([0.2, 0.5, 0.7]);
  });

  it('the shares sum to 1 and random looks follow them (10 000 draws, ±2 %)', () => {
    expect(Object.values(LOOK_SHARES).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const rng = splitmix32(3);
    let natural = 0;
    for (let i = 0; i < 10000; i++) if (randomColorMap(rng) === undefined) natural++;
    expect(Math.abs(natural / 10000 - LOOK_SHARES.natural)).toBeLessThan(0.02);
  });

  it('drawSprite applies the map to premultiplied colour: an opaque red pixel drawn inverted is cyan, half-transparent it blends', () => {
    const sprite: Sprite = { size: 1, data: new Float32Array([1, 0, 0, 1]) };
    const half: Sprite = { size: 1, data: new Float32Array([0.5, 0, 0, 0.5]) };
    const place = { cx: 0.5, cy: 0.5, side: 1, angle: 0, flip: false, gains: [1, 1, 1] as [number, number, number], colorMap: invertMap() };
    const canvas = new Float32Array([100, 100, 100]);
    drawSprite(canvas, 1, 1, sprite, place);
    expect(Array.from(canvas)).toEqual([0, 255, 255]);
    const c2 = new Float32Array([100, 100, 100]);
    drawSprite(c2, 1, 1, half, place);
    // 0.5 · (0, 1, 1) · 255 + 0.5 · 100
    expect(Array.from(c2)).toEqual([50, 177.5, 177.5]);
  });
});

describe("createBenchmark({ looks: 'varied' })", () => {
  it('changes colours only: box, mask, background and style are those of the natural sample', async () => {
    const natural = await createBenchmark({ size: 48, seed: 3 });
    const varied = await createBenchmark({ size: 48, seed: 3, looks: 'varied' });
    let differing = 0;
    for (let i = 0; i < 40; i++) {
      const a = natural.sample('train', i);
      const b = varied.sample('train', i);
      expect(b.box).toEqual(a.box);
      expect(Buffer.compare(Buffer.from(a.mask), Buffer.from(b.mask))).toBe(0);
      expect(b.background).toBe(a.background);
      expect(b.style).toBe(a.style);
      if (Buffer.compare(Buffer.from(a.image), Buffer.from(b.image)) !== 0) differing++;
    }
    expect(differing).toBeGreaterThan(15); // half the objects and distractors are recoloured
  });

  it('the default styles are the evaluation styles; all four can be chosen for training', async () => {
    expect((await createBenchmark({ size: 32 })).options.styles).toEqual(EVALUATION_STYLES);
    expect(allStyles(readIconSet())).toEqual(['noto', 'fluent-emoji-flat', 'openmoji', 'fluent-emoji-high-contrast']);
    await expect(createBenchmark({ size: 32, looks: 'wild' as 'varied' })).rejects.toThrow(/looks must be 'natural' or 'varied', got 'wild'/);
  });
});

describe('augmentBatch', () => {
  const batch = (): tf.Tensor4D => tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;

  it("'none' is the identity; 'photometric' is gains, contrast about the mean and a shift, clipped", () => {
    const x = batch();
    expect(augmentBatch(x, 'none', 0, 1)).toBe(x);
    const y = augmentBatch(x, 'photometric', 0, 1);
    const xs = x.arraySync()[0];
    const ys = y.arraySync()[0];
    // The map is affine per channel before clipping: y_c = a_c x_c + b with one b per image.
    const pick = (c: number): Array<[number, number]> => {
      const pairs: Array<[number, number]> = [];
      for (let r = 0; r < 16; r++) for (let q = 0; q < 16; q++) if (ys[r][q][c] > 0 && ys[r][q][c] < 1) pairs.push([xs[r][q][c], ys[r][q][c]]);
      return pairs;
    };
    for (let c = 0; c < 3; c++) {
      const p = pick(c);
      const [x0, y0] = p[0];
      const [x1, y1] = p[p.length - 1];
      const slope = (y1 - y0) / (x1 - x0);
      for (const [xv, yv] of p) expect(yv).toBeCloseTo(y0 + slope * (xv - x0), 5);
      expect(slope).toBeGreaterThan(0.9 * 0.8 - 1e-6);
      expect(slope).toBeLessThan(1.1 * 1.2 + 1e-6);
    }
    tf.dispose([x, y]);
  });

  it("'strong' stays in [0, 1], is the same for the same step, differs for another, and leaks nothing", () => {
    const x = batch();
    const before = tf.memory().numTensors;
    const a = augmentBatch(x, 'strong', 0, 7);
    const b = augmentBatch(x, 'strong', 0, 7);
    const c = augmentBatch(x, 'strong', 0, 8);
    const [lo, hi, same, other] = tf.tidy(() => [a.min(), a.max(), tf.abs(tf.sub(a, b)).max(), tf.abs(tf.sub(a, c)).max()].map((t) => t.dataSync()[0]));
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(same).toBe(0);
    expect(other).toBeGreaterThan(0);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
