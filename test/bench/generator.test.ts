import * as fs from 'fs';
import * as path from 'path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Benchmark, BenchmarkSample, createBenchmark, maskBox, sizeBuckets } from '../../src/bench/generator';
import { defaultAssetsDir } from '../../src/bench/assets';
import { BACKGROUND_SPLITS, SPLITS } from '../../src/bench/splits';
import { assertBoxInside } from '../../src/types';

const SIZE = 64;
let bench: Benchmark;
let twin: Benchmark;

beforeAll(async () => {
  bench = await createBenchmark({ size: SIZE, seed: 7 });
  twin = await createBenchmark({ size: SIZE, seed: 7 });
});

function samples(n: number): BenchmarkSample[] {
  return SPLITS.flatMap((split) => Array.from({ length: n }, (_, i) => bench.sample(split, i)));
}

describe('createBenchmark: determinism', () => {
  it('same seed → identical image, box, mask and alpha, whatever the drawing order', () => {
    const later = [5, 3, 0].map((i) => twin.sample('test', i));
    [5, 3, 0].forEach((i, k) => {
      const a = bench.sample('test', i);
      expect(Buffer.compare(Buffer.from(a.image), Buffer.from(later[k].image))).toBe(0);
      expect(a.box).toEqual(later[k].box);
      expect(Buffer.compare(Buffer.from(a.mask), Buffer.from(later[k].mask))).toBe(0);
      expect(Buffer.compare(Buffer.from(a.alpha.buffer), Buffer.from(later[k].alpha.buffer))).toBe(0);
    });
  });

  it('another seed, split or index gives another image', async () => {
    const other = await createBenchmark({ size: SIZE, seed: 8 });
    const a = bench.sample('train', 1).image;
    expect(Buffer.compare(Buffer.from(a), Buffer.from(other.sample('train', 1).image))).not.toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(bench.sample('val', 1).image))).not.toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(bench.sample('train', 21).image))).not.toBe(0);
  });
});

describe('createBenchmark: ground truth', () => {
  it('has the promised sizes and value ranges, and mask = (alpha ≥ 0.5)', () => {
    for (const s of samples(30)) {
      expect(s.width).toBe(SIZE);
      expect(s.height).toBe(SIZE);
      expect(s.image.length).toBe(SIZE * SIZE * 3);
      expect(s.mask.length).toBe(SIZE * SIZE);
      expect(s.alpha.length).toBe(SIZE * SIZE);
      for (let i = 0; i < s.alpha.length; i++) {
        if (!(s.alpha[i] >= 0 && s.alpha[i] <= 1)) throw new Error(`alpha[${i}] = ${s.alpha[i]}`);
        if (s.mask[i] !== (s.alpha[i] >= 0.5 ? 1 : 0)) throw new Error(`mask[${i}] = ${s.mask[i]} for alpha ${s.alpha[i]}`);
      }
    }
  });

  it('box and mask stay inside the image, and the box is tight around the mask', () => {
    for (const s of samples(30)) {
      assertBoxInside(s.box, s.width, s.height);
      const { x0, y0, x1, y1 } = s.box;
      let onLeft = false;
      let onRight = false;
      let onTop = false;
      let onBottom = false;
      for (let y = 0; y < s.height; y++) {
        for (let x = 0; x < s.width; x++) {
          if (s.mask[y * s.width + x] === 0) continue;
          expect(x >= x0 && x <= x1 && y >= y0 && y <= y1).toBe(true);
          onLeft ||= x === x0;
          onRight ||= x === x1;
          onTop ||= y === y0;
          onBottom ||= y === y1;
        }
      }
      expect([onLeft, onRight, onTop, onBottom]).toEqual([true, true, true, true]);
    }
  });

  it('keeps the soft alpha: every object has edge pixels with 0 < alpha < 1', () => {
    for (const s of samples(10)) {
      const soft = s.alpha.filter((a) => a > 0 && a < 1).length;
      const inside = s.mask.reduce((a, b) => a + b, 0);
      expect(soft).toBeGreaterThan(0);
      expect(inside).toBeGreaterThan(soft / 4);
    }
  });

  it('draws the object at 20–60 % of the side, rotated by at most 30°', () => {
    const maxExtent = 0.6 * SIZE * (Math.cos(Math.PI / 6) + Math.sin(Math.PI / 6));
    for (const s of samples(30)) {
      const w = s.box.x1 - s.box.x0 + 1;
      const h = s.box.y1 - s.box.y0 + 1;
      expect(Math.max(w, h)).toBeLessThanOrEqual(Math.ceil(maxExtent) + 1);
      expect(Math.max(w, h)).toBeGreaterThanOrEqual(Math.floor(0.2 * SIZE * 0.5)); // icons fill at least half their canvas
    }
  });

  it('balances the classes: classIndex = index mod 20, with the matching name', () => {
    expect(bench.classes.length).toBe(20);
    for (let i = 0; i < 45; i++) {
      const s = bench.sample('val', i);
      expect(s.classIndex).toBe(i % 20);
      expect(s.className).toBe(bench.classes[i % 20]);
    }
  });

  it('draws 0–3 distractors, and only distractors', async () => {
    const icons = JSON.parse(fs.readFileSync(path.join(defaultAssetsDir(), 'icons.json'), 'utf8')) as { distractors: string[] };
    const counts = new Set<number>();
    for (const s of samples(40)) {
      counts.add(s.distractors.length);
      for (const d of s.distractors) expect(icons.distractors).toContain(d);
    }
    expect([...counts].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('splits', () => {
  it('no photograph of the test split appears in train or val; at least 20 test photographs; together they are all of assets/backgrounds', () => {
    const { train, val, test } = BACKGROUND_SPLITS;
    for (const id of test) {
      expect(train).not.toContain(id);
      expect(val).not.toContain(id);
    }
    for (const id of val) expect(train).not.toContain(id);
    expect(test.length).toBeGreaterThanOrEqual(20);
    expect(new Set(test).size).toBe(test.length);
    const manifest = JSON.parse(fs.readFileSync(path.join(defaultAssetsDir(), 'backgrounds', 'manifest.json'), 'utf8')) as Array<{ id: string }>;
    expect([...train, ...val, ...test].sort()).toEqual(manifest.map((b) => b.id).sort());
  });

  it("no photograph comes from Debian's wallpaper packages (held-out sets are built from them)", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(defaultAssetsDir(), 'backgrounds', 'manifest.json'), 'utf8')) as Array<{ id: string; src: string }>;
    const heldOut = /^(lomiri-wallpapers|lxqt-themes|mate-backgrounds|plasma-workspace-wallpapers)/;
    for (const b of manifest) {
      expect(b.src, b.id).not.toMatch(heldOut);
      expect(b.id, b.id).not.toMatch(/^lomiri_/);
    }
    expect(fs.readdirSync(path.join(defaultAssetsDir(), 'backgrounds')).filter((f) => f.startsWith('lomiri_'))).toEqual([]);
  });

  it('each sample is cropped from a photograph of its own split', () => {
    for (const split of SPLITS) {
      for (let i = 0; i < 60; i++) expect(BACKGROUND_SPLITS[split]).toContain(bench.sample(split, i).background);
    }
  });
});

describe('validation', () => {
  it('names the problem', async () => {
    await expect(createBenchmark({ size: 100.5 })).rejects.toThrow(/size must be an integer in \[8, 1024\], got 100.5/);
    await expect(createBenchmark({ styles: ['pixel-art'] })).rejects.toThrow(/unknown style 'pixel-art'/);
    await expect(createBenchmark({ objectScale: [0.5, 0.2] })).rejects.toThrow(/objectScale/);
    expect(() => bench.sample('holdout' as 'test', 0)).toThrow(/unknown split 'holdout': expected one of train, val, test/);
    expect(() => bench.sample('test', -1)).toThrow(/index must be a non-negative integer/);
  });
});

describe('helpers', () => {
  it('maskBox is the inclusive box of the set pixels, undefined when none', () => {
    const m = new Uint8Array(20);
    expect(maskBox(m, 5, 4)).toBeUndefined();
    m[1 * 5 + 2] = 1;
    m[3 * 5 + 4] = 1;
    expect(maskBox(m, 5, 4)).toEqual({ x0: 2, y0: 1, x1: 4, y1: 3 });
  });

  it('size buckets grow by 1.5× and cover the largest side', () => {
    expect(sizeBuckets(77)).toEqual([12, 18, 27, 41, 62, 93]);
  });
});
