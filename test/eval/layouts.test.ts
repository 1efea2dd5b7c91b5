/**
 * The evaluator on folders laid out as wsolevaluation's repository documents them
 * (test/fixtures/wsol, written by scripts/fixtures/make_wsol_fixtures.ts): CUB-like boxes,
 * ILSVRC-like several boxes per image, OpenImages-like masks with ignore regions and an empty
 * image_sizes.txt — all in mixed image sizes, with the red-channel model of ./fixture.ts (16×16
 * input; the map of either class is the red rectangle after resizing).
 *
 * How the hand figures come about: the model sees each image resized to 16×16 (tfjs bilinear,
 * corners not aligned: a 2× or 3× reduction samples every 2nd or 3rd pixel, so the red rectangles,
 * aligned on those pixels, stay sharp). Its map is brought back to the image's size bilinearly
 * (half-pixel centres): a 2× enlargement of a sharp edge gives 0.75 and 0.25 on the two pixels on
 * either side of it, a 3× one 2/3 and 1/3. The CAM box keeps v > 0.2: the 0.25 edge is kept where
 * the other axis is at 1 (0.25·0.75 < 0.2), so the box grows by one pixel on each enlarged side.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cam } from '../../src/cam/cam';
import { readObjectMask, readRgbImage, readWsolDataset, WsolDataset } from '../../src/eval/dataset';
import { locateWsolDataset } from '../../src/eval/layout';
import { resizeBoxTruncated } from '../../src/eval/frame';
import { checkFilesPresent, matchClasses } from '../../src/eval/preflight';
import { EvaluationCheckpoint } from '../../src/eval/checkpoint';
import { evaluateDataset, HeatmapRefiner, ImageEvaluationError } from '../../src/eval/runner';
import { cutoff, thresholdGrid } from '../../src/metrics/thresholds';
import { Heatmap, ObjectMask } from '../../src/types';
import { LoadedModel } from '../../src/weights';
import { redChannelModel } from './fixture';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'wsol');
const CAM = [{ name: 'cam', method: cam }];
let loaded: LoadedModel;
const temps: string[] = [];

beforeAll(() => {
  loaded = redChannelModel();
});

afterAll(() => {
  loaded.model.dispose();
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

/** A writable copy of the fixture. */
function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-layout-'));
  temps.push(dir);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function read(dataset: string): WsolDataset {
  return readWsolDataset({ data: FIXTURE, dataset, split: 'test' });
}

describe('locateWsolDataset: the layout of wsolevaluation', () => {
  it('finds metadata/<DATASET>/<split> and dataset/<DATASET> from the repository root, the metadata root or the split folder', () => {
    const expected = {
      dataset: 'CUB',
      split: 'test',
      metadataDir: path.join(FIXTURE, 'metadata', 'CUB', 'test'),
      imageRoot: path.join(FIXTURE, 'dataset', 'CUB'),
      maskRoot: path.join(FIXTURE, 'dataset', 'CUB'),
    };
    expect(locateWsolDataset({ data: FIXTURE, dataset: 'CUB', split: 'test' })).toMatchObject(expected);
    expect(locateWsolDataset({ data: FIXTURE, split: 'CUB/test' })).toMatchObject(expected);
    expect(locateWsolDataset({ metadata: path.join(FIXTURE, 'metadata'), images: path.join(FIXTURE, 'dataset'), dataset: 'CUB', split: 'test' })).toMatchObject(expected);
    // --images may name the dataset's own folder; --metadata alone finds ../dataset
    expect(locateWsolDataset({ metadata: path.join(FIXTURE, 'metadata'), images: path.join(FIXTURE, 'dataset', 'CUB'), dataset: 'CUB', split: 'test' })).toMatchObject(expected);
    expect(locateWsolDataset({ metadata: path.join(FIXTURE, 'metadata'), dataset: 'CUB', split: 'test' })).toMatchObject(expected);
    expect(locateWsolDataset({ data: path.join(FIXTURE, 'metadata'), dataset: 'CUB', split: 'test' })).toMatchObject(expected);
    expect(locateWsolDataset({ data: path.join(FIXTURE, 'metadata', 'CUB', 'test'), split: 'test' })).toMatchObject(expected);
    expect(locateWsolDataset({ data: FIXTURE, dataset: 'OpenImages', split: 'test', masks: path.join(FIXTURE, 'dataset') })).toMatchObject({
      maskRoot: path.join(FIXTURE, 'dataset', 'OpenImages'),
    });
  });

  it('says what it looked for, and which datasets there are when the name is missing or wrong', () => {
    expect(() => locateWsolDataset({ data: FIXTURE, split: 'test' })).toThrow(/several datasets with split 'test' \(CUB, ILSVRC, OpenImages\): choose one with --dataset/);
    expect(() => locateWsolDataset({ data: FIXTURE, dataset: 'CUB', split: 'val' })).toThrow(/CUB\/val\/image_ids.txt: not found \(no dataset there has split 'val'\)/);
    expect(() => locateWsolDataset({ data: FIXTURE, dataset: 'Cub', split: 'test' })).toThrow(/datasets with split 'test' there: CUB, ILSVRC, OpenImages/);
    expect(() => locateWsolDataset({ data: path.join(FIXTURE, 'dataset'), split: 'test' })).toThrow(/no split 'test' found — looked for metadata\/<DATASET>\/test\/image_ids.txt/);
    expect(() => locateWsolDataset({ metadata: path.join(FIXTURE, 'metadata'), images: '/nonexistent', dataset: 'CUB', split: 'test' })).toThrow(/nonexistent: no image folder for dataset 'CUB'/);
    expect(() => locateWsolDataset({ data: FIXTURE, dataset: 'ILSVRC', split: 'CUB/test' })).toThrow(/names dataset 'CUB' but --dataset is 'ILSVRC'/);
  });
});

describe('readWsolDataset on the three layouts', () => {
  it('CUB: one box per image, sizes from image_sizes.txt, images under dataset/CUB, no class names', () => {
    const cub = read('CUB');
    expect(cub).toMatchObject({ name: 'CUB', split: 'test', hasBoxes: true, hasMasks: false, classes: undefined });
    expect(cub.items.map((it) => [it.imageId, it.classIndex, it.width, it.height])).toEqual([
      ['001.Apple/Apple_0001.png', 0, 16, 16],
      ['001.Apple/Apple_0002.png', 0, 32, 32],
      ['002.Bus/Bus_0003.png', 1, 32, 16],
      ['002.Bus/Bus_0004.png', 1, 48, 48],
    ]);
    expect(cub.items[1].imagePath).toBe(path.join(FIXTURE, 'dataset', 'CUB', '001.Apple', 'Apple_0002.png'));
    expect(cub.items[3].boxes).toEqual([{ x0: 30, y0: 30, x1: 45, y1: 45 }]);
  });

  it('ILSVRC: every box of an image', () => {
    expect(read('ILSVRC').items.map((it) => it.boxes.length)).toEqual([2, 3, 2]);
  });

  it('OpenImages: mask and ignore paths from localization.txt, no sizes (empty image_sizes.txt)', () => {
    const oi = read('OpenImages');
    expect(oi).toMatchObject({ hasBoxes: false, hasMasks: true });
    const root = path.join(FIXTURE, 'dataset', 'OpenImages', 'test');
    expect(oi.items[1].width).toBeUndefined();
    expect(oi.items[1]).toMatchObject({
      maskPaths: [path.join(root, '01apple', '1b2c3d4e5f607182_m01apple_0.png'), path.join(root, '01apple', '1b2c3d4e5f607182_m01apple_1.png')],
      ignorePath: path.join(root, '01apple', '1b2c3d4e5f607182_ignore.png'),
    });
    expect(() => checkFilesPresent(oi)).not.toThrow();
  });

  it('masks: any non-zero pixel is object (a 0/1 mask works), instances merged, smaller masks resized by nearest neighbour, ignore minus object', async () => {
    const oi = read('OpenImages');
    const sizeOf = async (i: number): Promise<{ width: number; height: number }> => readRgbImage(oi.items[i].imagePath);
    const count = (a: Uint8Array | undefined): number => (a ?? new Uint8Array()).reduce((s, v) => s + v, 0);
    const a = (await readObjectMask(oi.items[0], await sizeOf(0))) as ObjectMask;
    expect(count(a.data)).toBe(16); // the 0/1 mask: 4×4
    expect(count(a.ignore)).toBe(36 - 16); // the 6×6 ignore box minus the object
    const b = (await readObjectMask(oi.items[1], await sizeOf(1))) as ObjectMask;
    expect(b.width).toBe(32);
    // 8×8 at 255, plus the grey-80 instance, 2×2 in its 16×16 file → 4×4 at x, y ∈ [20, 23]
    expect(count(b.data)).toBe(64 + 16);
    expect(b.data[20 * 32 + 20]).toBe(1);
    expect(b.data[19 * 32 + 20]).toBe(0);
    expect(count(b.ignore)).toBe(32 * 8);
    const c = (await readObjectMask(oi.items[2], await sizeOf(2))) as ObjectMask;
    expect(count(c.ignore)).toBe(0);
  });

  it('decodes JPEG and greyscale images to RGB (ImageNet has both)', async () => {
    const dir = copyFixture();
    const file = path.join(dir, 'grey.jpg');
    await sharp(Buffer.alloc(8 * 4, 200), { raw: { width: 8, height: 4, channels: 1 } }).jpeg({ quality: 100 }).toFile(file);
    const image = await readRgbImage(file, { width: 8, height: 4 });
    expect([image.width, image.height, image.data.length]).toEqual([8, 4, 8 * 4 * 3]);
    expect(Math.abs(image.data[0] - 200)).toBeLessThanOrEqual(1);
    expect(image.data[0]).toBe(image.data[2]);
  });

  it('names the file and line of bad OpenImages lines', () => {
    const dir = copyFixture();
    const loc = path.join(dir, 'metadata', 'OpenImages', 'test', 'localization.txt');
    const text = fs.readFileSync(loc, 'utf8');
    fs.writeFileSync(loc, text.replace('_m01apple_1.png,', '_m01apple_1.png,test/01apple/other_ignore.png'));
    expect(() => readWsolDataset({ data: dir, dataset: 'OpenImages', split: 'test' })).toThrow(/localization.txt:3: a second ignore mask for 'test\/01apple\/1b2c3d4e5f607182.png'/);
    fs.writeFileSync(loc, text.replace('test/01apple/0a1b2c3d4e5f6071_m01apple_0.png', ''));
    expect(() => readWsolDataset({ data: dir, dataset: 'OpenImages', split: 'test' })).toThrow(/localization.txt:1: the mask path is empty/);
    fs.writeFileSync(loc, text);
    fs.rmSync(path.join(dir, 'dataset', 'OpenImages', 'test', '02bus', '2c3d4e5f60718293_ignore.png'));
    expect(() => checkFilesPresent(readWsolDataset({ data: dir, dataset: 'OpenImages', split: 'test' }))).toThrow(
      /1 file\(s\) of OpenImages not found .*\n .*2c3d4e5f60718293_ignore.png \(of 'test\/02bus\/2c3d4e5f60718293.png'\)/,
    );
  });
});

describe('matchClasses', () => {
  it('without class names: indices must be the model\'s', () => {
    const cub = read('CUB');
    expect(matchClasses(cub, ['apple', 'bus'], 'm').note).toMatch(/no class names: its class indices are taken as model 'm''s \(2 classes\)/);
    expect(() => matchClasses(cub, ['apple'], 'm')).toThrow(/class_labels.txt: '002.Bus\/Bus_0003.png' has class 1 but model 'm' has 1 classes/);
  });

  it('with classes.txt: a reordering is mapped by name (and said), a foreign name is an error with file and line', () => {
    const dir = copyFixture();
    const file = path.join(dir, 'metadata', 'CUB', 'classes.txt');
    fs.writeFileSync(file, 'bus\napple\n');
    const cub = readWsolDataset({ data: dir, dataset: 'CUB', split: 'test' });
    expect(cub.classes).toEqual(['bus', 'apple']);
    const matched = matchClasses(cub, ['apple', 'bus'], 'm');
    expect(matched.note).toMatch(/another order \(2 of 2 moved\): labels mapped to model 'm''s indices by name/);
    expect(matched.dataset.items.map((it) => it.classIndex)).toEqual([1, 1, 0, 0]);
    expect(matchClasses(cub, ['bus', 'apple'], 'm').note).toBeUndefined();
    fs.writeFileSync(file, 'bus\npear\n');
    expect(() => matchClasses(readWsolDataset({ data: dir, dataset: 'CUB', split: 'test' }), ['apple', 'bus'], 'm')).toThrow(/classes.txt:2: class 'pear' is not a class of model 'm'/);
  });
});

describe('evaluateDataset on the wsolevaluation layouts (mixed sizes)', () => {
  it('CUB: CAM-protocol IoU 1, 0.64, 0.8, 0 by hand; any batch size gives the same figures', async () => {
    const one = await evaluateDataset(loaded, read('CUB'), { methods: CAM, batchSize: 1, cases: 4 });
    const all = await evaluateDataset(loaded, read('CUB'), { methods: CAM, batchSize: 4, cases: 4 });
    const ious = new Map(one.rows[0].best.map((c) => [c.imageId, c.camIoU]));
    // 16×16 exact; 32×32: box 10×10 around the 8×8 truth; 32×16: 10×4 around 8×4; 48×48: far from the truth
    expect(ious.get('001.Apple/Apple_0001.png')).toBe(1);
    expect(ious.get('001.Apple/Apple_0002.png')).toBeCloseTo(64 / 100, 12);
    expect(ious.get('002.Bus/Bus_0003.png')).toBeCloseTo(32 / 40, 12);
    expect(ious.get('002.Bus/Bus_0004.png')).toBe(0);
    const r = one.rows[0].result;
    expect(r.gtKnownLoc).toBe(3 / 4);
    // the model predicts class 0 wherever there is red: the two Bus images are top-1 misses
    expect(one.classification.top1).toBe(1 / 2);
    expect(r.top1Loc).toBe(2 / 4);
    expect(r.top5Loc).toBe(3 / 4);
    expect(all.rows[0].result).toEqual(r);
    expect(all.classification).toEqual(one.classification);
  });

  it('ILSVRC: the best of several boxes: IoU 1, 0.8 (16×32), 0', async () => {
    const e = await evaluateDataset(loaded, read('ILSVRC'), { methods: CAM, batchSize: 3, cases: 3 });
    const ious = new Map(e.rows[0].best.map((c) => [c.imageId, c.camIoU]));
    expect(ious.get('val/ILSVRC2012_val_00000001.png')).toBe(1);
    expect(ious.get('val/ILSVRC2012_val_00000002.png')).toBeCloseTo(32 / 40, 12);
    expect(ious.get('val/ILSVRC2012_val_00000003.png')).toBe(0);
    expect(e.rows[0].result.gtKnownLoc).toBeCloseTo(2 / 3, 12);
    expect(e.rows[0].result.top1Loc).toBeCloseTo(1 / 3, 12);
  });

  it('OpenImages: PxAP without the ignored pixels equals a brute-force count; mask IoU at 0.5 by hand', async () => {
    const oi = read('OpenImages');
    const e = await evaluateDataset(loaded, oi, { methods: CAM, batchSize: 2, cases: 3 });
    const r = e.rows[0].result;
    // mask IoU at 0.5: 16×16 image: the ring around the object is ignored → 16/16; 32×32: {v ≥ .5} is
    // the 8×8 red square, the object 64 + 16 → 64/80; 32×16: 16×16 predicted, 16×8 object → 1/2
    const byId = new Map(e.rows[0].best.map((c) => [c.imageId, c.maskIoU]));
    expect(byId.get('test/01apple/0a1b2c3d4e5f6071.png')).toBe(1);
    expect(byId.get('test/01apple/1b2c3d4e5f607182.png')).toBeCloseTo(64 / 80, 12);
    expect(byId.get('test/02bus/2c3d4e5f60718293.png')).toBe(0.5);
    expect(r.maskIoU?.atThreshold).toBeCloseTo((1 + 0.8 + 0.5) / 3, 12);

    // brute force: every pixel's map value (the red mask through tfjs' own resizes), object/ignore from the files
    const pixels: { v: number; object: boolean; ignored: boolean }[] = [];
    for (const item of oi.items) {
      const image = await readRgbImage(item.imagePath);
      const mask = (await readObjectMask(item, image)) as ObjectMask;
      const map = referenceMap(image);
      for (let i = 0; i < map.data.length; i++) {
        pixels.push({ v: map.data[i], object: mask.data[i] === 1, ignored: mask.ignore?.[i] === 1 && mask.data[i] === 0 });
      }
    }
    const kept = pixels.filter((p) => !p.ignored);
    expect(r.pxap).toBeCloseTo(bruteForcePxap(kept), 12);
    // the ignore regions matter: counting them as background gives less
    expect(bruteForcePxap(pixels)).toBeLessThan(bruteForcePxap(kept) - 0.01);
  });

  it("in wsolevaluation's frame (the model's input, 16×16): boxes truncated, masks nearest — every red square then fits exactly", async () => {
    const cub = await evaluateDataset(loaded, read('CUB'), { methods: CAM, batchSize: 4, cases: 4, frame: 'input' });
    expect(cub.frame).toBe('input');
    // 32×32: box (8,8)–(15,15) → (4,4)–(7,7) = the red square seen by the model; 48×48: (30..45) → (10..15), far off
    expect(cub.rows[0].best.map((c) => [c.imageId, c.camIoU])).toEqual([
      ['001.Apple/Apple_0001.png', 1],
      ['001.Apple/Apple_0002.png', 1],
      ['002.Bus/Bus_0003.png', 1],
      ['002.Bus/Bus_0004.png', 0],
    ]);
    const oi = await evaluateDataset(loaded, read('OpenImages'), { methods: CAM, cases: 3, frame: 'input' });
    // 32×32: the object 4×4 + 2×2 (the grey-80 instance), the map the 4×4 square → 16/20; 32×16: 8×16 predicted, 8×8 object
    const byId = new Map(oi.rows[0].best.map((c) => [c.imageId, c.maskIoU]));
    expect(byId.get('test/01apple/0a1b2c3d4e5f6071.png')).toBe(1);
    expect(byId.get('test/01apple/1b2c3d4e5f607182.png')).toBeCloseTo(16 / 20, 12);
    expect(byId.get('test/02bus/2c3d4e5f60718293.png')).toBe(0.5);
    expect(resizeBoxTruncated({ x0: 3, y0: 5, x1: 299, y1: 100 }, { width: 300, height: 101 }, { width: 224, height: 224 })).toEqual({ x0: 2, y0: 11, x1: 223, y1: 221 });
  });

  it('without image_sizes.txt boxes are checked against the decoded image', async () => {
    const dir = copyFixture();
    const meta = path.join(dir, 'metadata', 'CUB', 'test');
    fs.writeFileSync(path.join(meta, 'image_sizes.txt'), '');
    fs.appendFileSync(path.join(meta, 'localization.txt'), '001.Apple/Apple_0001.png,0,0,16,3\n');
    const data = readWsolDataset({ data: dir, dataset: 'CUB', split: 'test' });
    await expect(evaluateDataset(loaded, data, { methods: CAM })).rejects.toThrow(/image '001.Apple\/Apple_0001.png' \(.*Apple_0001.png\): box \(0,0\)–\(16,3\) is not inside a 16×16 image/);
  });
});

describe('runs that never lose work', () => {
  it('a run interrupted after a batch resumes from its checkpoint to the same figures as one run', async () => {
    const cub = read('CUB');
    const whole = await evaluateDataset(loaded, cub, { methods: CAM, batchSize: 2 });
    let saved: EvaluationCheckpoint | undefined;
    await expect(
      evaluateDataset(loaded, cub, {
        methods: CAM,
        batchSize: 2,
        onCheckpoint: (c) => {
          saved = JSON.parse(JSON.stringify(c));
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(saved?.done).toBe(2);
    const resumed = await evaluateDataset(loaded, cub, { methods: CAM, batchSize: 2, resumeFrom: saved });
    expect(resumed.resumedAt).toBe(2);
    expect(resumed.rows[0].result).toEqual(whole.rows[0].result);
    expect(resumed.rows[0].best).toEqual(whole.rows[0].best);
    expect(resumed.classification).toEqual(whole.classification);
    // a checkpoint of another run is refused
    await expect(evaluateDataset(loaded, cub, { methods: CAM, target: 'predicted', resumeFrom: saved })).rejects.toThrow(/checkpoint belongs to another evaluation/);
  });

  it('a failing image is named; with keepGoing it is skipped and the rest evaluates as without it', async () => {
    const dir = copyFixture();
    fs.writeFileSync(path.join(dir, 'dataset', 'CUB', '001.Apple', 'Apple_0002.png'), 'not a png');
    const broken = readWsolDataset({ data: dir, dataset: 'CUB', split: 'test' });
    const error = await evaluateDataset(loaded, broken, { methods: CAM }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageEvaluationError);
    expect((error as ImageEvaluationError).imageId).toBe('001.Apple/Apple_0002.png');
    expect((error as Error).message).toMatch(/image '001.Apple\/Apple_0002.png' \(.*Apple_0002.png\): .*cannot decode the image/);
    const skipped: string[] = [];
    const kept = await evaluateDataset(loaded, broken, { methods: CAM, batchSize: 4, keepGoing: true, onSkip: (s) => skipped.push(s.imageId) });
    expect(skipped).toEqual(['001.Apple/Apple_0002.png']);
    expect(kept.skipped.map((s) => s.imageId)).toEqual(['001.Apple/Apple_0002.png']);
    const without = { ...broken, items: broken.items.filter((it) => it.imageId !== '001.Apple/Apple_0002.png') };
    const reference = await evaluateDataset(loaded, without, { methods: CAM });
    expect(kept.rows[0].result).toEqual(reference.rows[0].result);
  });

  it('a refiner failing on one image of a batch: that image is named, the batch is retried image by image', async () => {
    const cub = read('CUB');
    const failsOn48: HeatmapRefiner = (image, h) => {
      if (image.width === 48) throw new Error('worker failed');
      return h;
    };
    const before = tf.memory().numTensors;
    await expect(evaluateDataset(loaded, cub, { methods: CAM, refiner: failsOn48, batchSize: 4 })).rejects.toThrow(/image '002.Bus\/Bus_0004.png' .*: worker failed/);
    const kept = await evaluateDataset(loaded, cub, { methods: CAM, refiner: failsOn48, batchSize: 4, keepGoing: true });
    expect(kept.skipped).toEqual([{ imageId: '002.Bus/Bus_0004.png', error: 'worker failed' }]);
    // both rows count the same three images: no row holds a half-evaluated image
    expect(kept.rows.map((row) => row.result.images)).toEqual([3, 3]);
    expect(kept.rows[1].result.gtKnownLoc).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** The red-channel model's CAM in the image's frame, through tfjs' resizes (not the runner's code). */
function referenceMap(image: { width: number; height: number; data: Uint8Array }): Heatmap {
  return tf.tidy(() => {
    const rgb = tf.tensor3d(image.data, [image.height, image.width, 3], 'float32');
    const red = tf.image.resizeBilinear(rgb.slice([0, 0, 0], [-1, -1, 1]) as tf.Tensor3D, [16, 16]);
    const normalized = tf.div(red, tf.max(red));
    const back = tf.image.resizeBilinear(normalized as tf.Tensor3D, [image.height, image.width], false, true);
    return { width: image.width, height: image.height, data: back.dataSync() as Float32Array };
  });
}

/** PxAP by counting, at each threshold e ∈ {1, τ_99, …, τ_0}, the pixels with v ≥ e. */
function bruteForcePxap(pixels: readonly { v: number; object: boolean }[]): number {
  const grid = Array.from(thresholdGrid()).reverse();
  const objects = pixels.filter((p) => p.object).length;
  let area = 0;
  let previous = 0;
  for (const e of [1, ...grid.map((t) => cutoff(t))]) {
    const predicted = pixels.filter((p) => p.v >= e);
    const tp = predicted.filter((p) => p.object).length;
    const precision = predicted.length > 0 ? tp / predicted.length : 1;
    area += precision * (tp / objects - previous);
    previous = tp / objects;
  }
  return area;
}
