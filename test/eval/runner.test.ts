import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cam } from '../../src/cam/cam';
import { readWsolDataset } from '../../src/eval/dataset';
import { crfRefiner, evaluateDataset, HeatmapRefiner } from '../../src/eval/runner';
import { LoadedModel } from '../../src/weights';
import { redChannelModel, writeFixture } from './fixture';

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

describe('evaluateDataset', () => {
  it('gives the closed-form figures of the red-square fixture with CAM', async () => {
    const data = readWsolDataset(root, 'test');
    const progress: number[] = [];
    const report = await evaluateDataset(loaded, data, {
      methods: [{ name: 'cam', method: cam }],
      batchSize: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([2, 3]);
    expect(report.dataset).toMatchObject({ split: 'test', images: 3, hasMasks: true });
    // classification: z0 = 2m > z1 = m → class 0 predicted; the class-1 image is a top-1 miss
    expect(report.classification.top1).toBeCloseTo(2 / 3, 12);
    expect(report.classification.top5).toBe(1);
    const r = report.rows[0].result;
    // CAM-protocol IoUs: 1, 1/7, 1
    expect(r.gtKnownLoc).toBeCloseTo(2 / 3, 12);
    expect(r.top1Loc).toBeCloseTo(2 / 3, 12);
    expect(r.top5Loc).toBeCloseTo(2 / 3, 12);
    expect(r.maxBoxAcc?.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.maxBoxAccV2?.perIoU.map((p) => p.accuracy)).toEqual([2 / 3, 2 / 3, 2 / 3]);
    // PxAP: at e = 1, TP 12 + 4 + 40, FP 4 + 12 + 8 of 76 object pixels; at e = 0 all 768 pixels
    expect(r.pxap).toBeCloseTo((56 / 80) * (56 / 76) + (76 / 768) * (20 / 76), 12);
    // mask IoU at 0.5: 12/16, 4/24, 40/60
    expect(r.maskIoU?.atThreshold).toBeCloseTo((12 / 16 + 4 / 24 + 40 / 60) / 3, 12);
    expect(report.rows[0].worst[0]).toMatchObject({ imageId: 'test/000001.png', classIndex: 1, predicted: 0 });
    expect(report.rows[0].worst[0].camIoU).toBeCloseTo(1 / 7, 12);
    expect(report.imagesPerSecond).toBeGreaterThan(0);
  });

  it('adds a refined row per method and runs the faithfulness metrics on the first images', async () => {
    const data = readWsolDataset(root, 'test');
    const invert: HeatmapRefiner = (_image, h) => ({ ...h, data: h.data.map((v) => 1 - v) });
    const report = await evaluateDataset(loaded, data, {
      methods: [{ name: 'cam', method: cam }],
      refiner: invert,
      refinerName: 'inverted',
      faithfulnessImages: 1,
      faithfulness: { steps: 8 },
    });
    expect(report.rows.map((row) => row.method)).toEqual(['cam', 'cam+inverted']);
    const plain = report.rows[0].result;
    const inverted = report.rows[1].result;
    expect(inverted.gtKnownLoc).toBe(0); // the inverted map boxes the background
    expect(inverted.pxap).toBeLessThan(plain.pxap as number);
    // deleting the red square first drops p(class 0) = σ(m) to ½ within the first 16 of 256 pixels
    // image 0: m = 16/256, p = σ(2m − m) = σ(1/16); the first step (32 of 256 pixels) removes all
    // red, leaving σ(0) = ½ for the 8 remaining points: AUC = (σ(1/16) + 8·½ − (σ(1/16) + ½)/2) / 8
    const s = 1 / (1 + Math.exp(-1 / 16));
    expect(plain.deletionAuc).toBeCloseTo((s / 2 + 3.75) / 8, 6);
    expect(plain.deletionAuc as number).toBeLessThan(inverted.deletionAuc as number);
    expect(plain.insertionAuc as number).toBeGreaterThan(inverted.insertionAuc as number);
    expect(plain.averageDrop).not.toBeNull();
  });

  it('evaluates a mask-only split: PxAP and mask IoU, no box figures', async () => {
    const masksOnly = await writeFixture({ boxes: false });
    try {
      const report = await evaluateDataset(loaded, readWsolDataset(masksOnly, 'test'), { methods: [{ name: 'cam', method: cam }] });
      const r = report.rows[0].result;
      expect(r.boxImages).toBe(0);
      expect(r.maxBoxAcc).toBeNull();
      expect(r.gtKnownLoc).toBeNull();
      expect(r.pxap).toBeCloseTo((56 / 80) * (56 / 76) + (76 / 768) * (20 / 76), 12);
      expect(report.rows[0].worst[0].maskIoU).toBeCloseTo(4 / 24, 12);
      expect(report.rows[0].worst[0].camIoU).toBeUndefined();
    } finally {
      fs.rmSync(masksOnly, { recursive: true, force: true });
    }
  });

  it('refines with the dense CRF into [0, 1] maps that still find the red squares', async () => {
    const data = readWsolDataset(root, 'test');
    const report = await evaluateDataset(loaded, data, { methods: [{ name: 'cam', method: cam }], refiner: crfRefiner(), limit: 2 });
    const refined = report.rows[1].result;
    expect(report.rows[1].method).toBe('cam+crf');
    expect(refined.images).toBe(2);
    expect(refined.gtKnownLoc).toBe(0.5);
  });

  it("doesn't leak and rejects bad options", async () => {
    const data = readWsolDataset(root, 'test');
    const before = tf.memory().numTensors;
    await evaluateDataset(loaded, data, { methods: [{ name: 'cam', method: cam }], faithfulnessImages: 1, faithfulness: { steps: 4 } });
    expect(tf.memory().numTensors).toBe(before);
    await expect(evaluateDataset(loaded, data, { methods: [] })).rejects.toThrow(/at least one method/);
    await expect(evaluateDataset(loaded, data, { methods: [{ name: 'cam', method: cam }], batchSize: 0 })).rejects.toThrow(/batchSize/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
