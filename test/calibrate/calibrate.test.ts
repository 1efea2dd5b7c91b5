import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cam } from '../../src/cam/cam';
import { calibrateBoxThreshold } from '../../src/calibrate/box-threshold';
import { CalibrationCase, collectCalibrationCases } from '../../src/calibrate/cases';
import { CAM_CRF_PRESETS, scoreCamCrf, scoreHeatmaps, searchCamCrf, SEED_CAM_CRF } from '../../src/calibrate/crf-search';
import { boxThresholdFor, crfOptionsFor, writeCalibration } from '../../src/calibrate/manifest';
import { readWsolDataset } from '../../src/eval/dataset';
import { boxesFromHeatmap } from '../../src/metrics/boxesFromHeatmap';
import { boxIoU } from '../../src/metrics/iou';
import { splitmix32 } from '../../src/bench/random';
import { Box } from '../../src/types';
import { load, LoadedModel, readManifest } from '../../src/weights';
import { redChannelModel, saveRedChannelModel, writeFixture } from '../eval/fixture';

let root = '';
let loaded: LoadedModel;

beforeAll(async () => {
  root = await writeFixture();
  loaded = redChannelModel();
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  loaded.model.dispose();
});

describe('collectCalibrationCases', () => {
  it("keeps each image's CAM of the true class (closed form: 1 on the red square, 0 elsewhere), its truth, and leaks nothing", async () => {
    const data = readWsolDataset(root, 'test');
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const cases = await collectCalibrationCases(loaded, data, cam, { batchSize: 2, onProgress: (n) => progress.push(n) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([2, 3]);
    expect(cases.map((c) => c.imageId)).toEqual(['test/000000.png', 'test/000001.png', 'test/000002.png']);
    const squares = [16, 16, 48]; // red squares 4×4, 4×4, 6×8
    cases.forEach((c, i) => {
      expect(c.heatmap.width).toBe(16);
      expect(c.heatmap.data.reduce((a, b) => a + b, 0)).toBeCloseTo(squares[i], 4);
      expect(c.boxes).toEqual(data.items[i].boxes);
      expect(c.mask?.data.reduce((a, b) => a + b, 0)).toBe(data.items[i].boxes.reduce((s, b) => s + (b.x1 - b.x0) * (b.y1 - b.y0 + 1), 0));
    });
    expect((await collectCalibrationCases(loaded, data, cam, { limit: 1 })).length).toBe(1);
    await expect(collectCalibrationCases(loaded, data, cam, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
  });
});

/** A `size²` map: a Gaussian blob of std `s` at (cx, cy), max 1. */
function blob(size: number, cx: number, cy: number, s: number): Float32Array {
  const d = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) d[y * size + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
  return d;
}

describe('calibrateBoxThreshold', () => {
  it('closed form on the fixture: every τ of the grid boxes the red square (foreground v > τ·max; IoUs 1, 1/7, 1), so the first, 0, wins with 2/3', async () => {
    const cases = await collectCalibrationCases(loaded, readWsolDataset(root, 'test'), cam);
    const r = calibrateBoxThreshold(cases, 'test');
    expect(r.threshold).toBe(0);
    expect(r.maxBoxAcc).toBeCloseTo(2 / 3, 12);
    expect(r.paperThreshold).toBe(0.2);
    expect(r.accuracyAtPaperThreshold).toBeCloseTo(2 / 3, 12);
    expect(r.images).toBe(3);
  });

  it('is the arg-max of a brute-force sweep with boxesFromHeatmap (largest component, IoU ≥ 0.5) on random blobs', () => {
    const rng = splitmix32(11);
    const size = 32;
    const cases: CalibrationCase[] = Array.from({ length: 40 }, (_, i) => {
      const cx = rng.uniform(8, 24);
      const cy = rng.uniform(8, 24);
      const s = rng.uniform(2, 6);
      const half = Math.round(rng.uniform(3, 9));
      const box: Box = { x0: Math.max(0, Math.round(cx) - half), y0: Math.max(0, Math.round(cy) - half), x1: Math.min(31, Math.round(cx) + half), y1: Math.min(31, Math.round(cy) + half) };
      return { imageId: String(i), image: { width: size, height: size, channels: 3, data: new Uint8Array(size * size * 3) }, heatmap: { width: size, height: size, data: blob(size, cx, cy, s) }, boxes: [box], classIndex: 0 };
    });
    const accuracy = (t: number): number =>
      cases.filter((c) => {
        const [b] = boxesFromHeatmap(c.heatmap, t);
        return b !== undefined && boxIoU(b, c.boxes[0]) >= 0.5;
      }).length / cases.length;
    const grid = Array.from({ length: 100 }, (_, k) => k / 100);
    const brute = Math.max(...grid.map(accuracy));
    const r = calibrateBoxThreshold(cases, 'val');
    expect(r.maxBoxAcc).toBeCloseTo(brute, 12);
    expect(accuracy(r.threshold)).toBeCloseTo(brute, 12);
    expect(r.accuracyAtPaperThreshold).toBeCloseTo(accuracy(0.2), 12);
    expect(brute).toBeGreaterThan(accuracy(0.2)); // the blobs are wider than the boxes: a higher τ does better
  });
});

/** Images with a coloured disc on a noisy background and a coarse CAM-like blob around it. */
function discCases(n: number, size = 24): CalibrationCase[] {
  const rng = splitmix32(5);
  return Array.from({ length: n }, (_, i) => {
    const cx = rng.uniform(8, 16);
    const cy = rng.uniform(8, 16);
    const r = rng.uniform(3.5, 6);
    const image = new Uint8Array(size * size * 3);
    const mask = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const p = y * size + x;
        const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
        mask[p] = inside ? 1 : 0;
        const base = inside ? [220, 60, 40] : [40, 90, 160];
        for (let c = 0; c < 3; c++) image[p * 3 + c] = Math.max(0, Math.min(255, base[c] + rng.uniform(-15, 15)));
      }
    }
    let x0 = size, y0 = size, x1 = -1, y1 = -1;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (mask[y * size + x]) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    return {
      imageId: String(i),
      image: { width: size, height: size, channels: 3, data: image },
      heatmap: { width: size, height: size, data: blob(size, cx + rng.uniform(-2, 2), cy + rng.uniform(-2, 2), 1.4 * r) },
      boxes: [{ x0, y0, x1, y1 }],
      mask: { width: size, height: size, data: mask },
      classIndex: 0,
    };
  });
}

describe('searchCamCrf', () => {
  const cases = discCases(8);

  it('trial 0 is the seed preset; the best is the admissible trial of highest mask IoU; the same seed gives the same search', () => {
    const onTrial: number[] = [];
    const r = searchCamCrf(cases, { trials: 7, seed: 2, onTrial: (t, _b, total) => onTrial.push(t.index + total * 0) });
    expect(onTrial).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r.trials[0].origin).toBe('seed');
    expect(r.trials[0].options).toEqual({ ...SEED_CAM_CRF, iterations: 5 });
    expect(r.trials[0].scores).toEqual(scoreCamCrf(cases, SEED_CAM_CRF));
    expect(r.trials.slice(1).map((t) => t.origin)).toEqual(['random', 'random', 'random', 'random', 'local', 'local']);
    expect(r.baseline).toEqual(scoreHeatmaps(cases, cases.map((c) => c.heatmap)));
    for (const t of r.trials) expect(t.admissible).toBe(t.scores.gtKnownLoc >= r.baseline.gtKnownLoc);
    const admissible = r.trials.filter((t) => t.admissible);
    expect(admissible.length).toBeGreaterThan(0);
    expect(r.best.admissible).toBe(true);
    expect(r.best.scores.maskIoU).toBe(Math.max(...admissible.map((t) => t.scores.maskIoU)));
    expect(r.best.scores).toEqual(scoreCamCrf(cases, r.best.options)); // the recorded options reproduce the figures
    const again = searchCamCrf(cases, { trials: 7, seed: 2 });
    expect(again.best.options).toEqual(r.best.options);
  });

  it('starting trials come right after the seed, are scored like any trial, and win when they are the best', () => {
    const start = { background: 'complement' as const, backgroundPower: 1.5, gaussianSxy: 2, gaussianCompat: 3, bilateralSxy: 20, bilateralSrgb: 10, bilateralCompat: 5 };
    const r = searchCamCrf(cases, { trials: 6, seed: 2, starts: [start] });
    expect(r.trials.map((t) => t.origin)).toEqual(['seed', 'start', 'random', 'random', 'local', 'local']);
    expect(r.trials[1].options).toEqual({ ...start, iterations: 5 });
    expect(r.trials[1].scores).toEqual(scoreCamCrf(cases, { ...start, iterations: 5 }));
    const best = Math.max(...r.trials.filter((t) => t.admissible).map((t) => t.scores.maskIoU));
    expect(r.best.scores.maskIoU).toBe(best);
  });

  it('on colour-separable objects under coarse maps the calibrated CRF lifts the mean mask IoU well above the raw maps', () => {
    const r = searchCamCrf(cases, { trials: 10, seed: 0 });
    expect(r.best.scores.maskIoU).toBeGreaterThan(r.baseline.maskIoU + 0.1);
    expect(r.best.scores.gtKnownLoc).toBeGreaterThanOrEqual(r.baseline.gtKnownLoc);
  });

  it('names bad options', () => {
    expect(() => searchCamCrf([], {})).toThrow(/no calibration cases/);
    expect(() => searchCamCrf(cases, { trials: 0 })).toThrow(/trials must be a positive integer, got 0/);
    expect(() => searchCamCrf(cases, { randomShare: 2 })).toThrow(/randomShare must be in \[0, 1\], got 2/);
    const noMask = cases.map((c) => ({ ...c, mask: undefined }));
    expect(() => searchCamCrf(noMask, { trials: 1 })).toThrow(/needs cases with both boxes and masks/);
  });
});

describe('calibration in the manifest', () => {
  let weightsDir = '';
  beforeAll(async () => {
    weightsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-calib-'));
    await saveRedChannelModel(weightsDir);
  });
  afterAll(() => fs.rmSync(weightsDir, { recursive: true, force: true }));

  it('is merged per method, leaves the rest and the hashes valid (load still verifies), no temporary file; the defaults follow it', async () => {
    const dir = path.join(weightsDir, 'red-channel');
    const before = readManifest(dir);
    expect(crfOptionsFor(before)).toBe(SEED_CAM_CRF);
    expect(CAM_CRF_PRESETS.seed).toBe(SEED_CAM_CRF);
    expect(boxThresholdFor(before)).toBe(0.2);
    const options = { ...SEED_CAM_CRF, bilateralSxy: 12, bilateralSrgb: 7 };
    const scores = { maskIoU: 0.5, gtKnownLoc: 0.6, maxBoxAccV2: 0.7, pxap: 0.8 };
    writeCalibration(dir, 'cam', {
      crf: { options, split: 'val', images: 3, trials: 2, seed: 0, command: 'test', date: 'now', scores: { none: scores, seed: scores, calibrated: scores } },
    });
    writeCalibration(dir, 'cam', { boxThreshold: { threshold: 0.35, maxBoxAcc: 0.7, paperThreshold: 0.2, accuracyAtPaperThreshold: 0.6, split: 'val', images: 3 } });
    writeCalibration(dir, 'gradCam', { boxThreshold: { threshold: 0.1, maxBoxAcc: 0.5, paperThreshold: 0.2, accuracyAtPaperThreshold: 0.4, split: 'val', images: 3 } });
    const after = readManifest(dir);
    expect({ ...after, calibration: undefined }).toEqual({ ...before, calibration: undefined });
    expect(crfOptionsFor(after)).toEqual(options);
    expect(crfOptionsFor(after, 'gradCam')).toBe(SEED_CAM_CRF);
    expect(boxThresholdFor(after)).toBe(0.35);
    expect(boxThresholdFor(after, 'gradCam')).toBe(0.1);
    expect(fs.readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
    const reloaded = await load('red-channel', { weightsDir });
    expect(reloaded.manifest.calibration?.cam?.crf?.options).toEqual(options);
    reloaded.model.dispose();
  });

  it('names the file it cannot read', () => {
    expect(() => writeCalibration(path.join(weightsDir, 'missing'), 'cam', {})).toThrow(/missing/);
  });
});
