import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSplit, maskBytes, sampleId } from '../../src/bench/export';
import { Benchmark, createBenchmark } from '../../src/bench/generator';
import { readObjectMask, readRgbImage, readWsolDataset } from '../../src/eval/dataset';

const SIZE = 48;
let bench: Benchmark;
let root: string;

beforeAll(async () => {
  bench = await createBenchmark({ size: SIZE, seed: 3 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-export-'));
  await exportSplit(bench, 'val', 4, root, { first: 10 });
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const lines = (rel: string): string[] => fs.readFileSync(path.join(root, rel), 'utf8').trimEnd().split('\n');

/** The pixels of a PNG and the channel count stored in the file (sharp reads greyscale as RGB). */
async function readRaw(file: string): Promise<{ data: Buffer; channels: number }> {
  const { channels } = await sharp(file).metadata();
  const pipeline = channels === 1 ? sharp(file).extractChannel(0) : sharp(file);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([SIZE, SIZE, channels]);
  return { data, channels: channels ?? 0 };
}

describe('exportSplit (wsolevaluation layout)', () => {
  it("writes wsolevaluation's files: boxes in metadata/synthetic, masks in metadata/synthetic-masks, one line per image", () => {
    const ids = [10, 11, 12, 13].map((i) => `val/${sampleId(i)}.png`);
    expect(ids[0]).toBe('val/000010.png');
    expect(lines('metadata/synthetic/classes.txt')).toEqual([...bench.classes]);
    const samples = [10, 11, 12, 13].map((i) => bench.sample('val', i));
    for (const name of ['synthetic', 'synthetic-masks']) {
      expect(fs.readdirSync(path.join(root, 'metadata', name, 'val')).sort()).toEqual(['class_labels.txt', 'image_ids.txt', 'image_sizes.txt', 'localization.txt']);
      expect(lines(`metadata/${name}/val/image_ids.txt`)).toEqual(ids);
      expect(lines(`metadata/${name}/val/class_labels.txt`)).toEqual(ids.map((id, k) => `${id},${samples[k].classIndex}`));
      expect(lines(`metadata/${name}/val/image_sizes.txt`)).toEqual(ids.map((id) => `${id},${SIZE},${SIZE}`));
    }
    expect(lines('metadata/synthetic/val/localization.txt')).toEqual(
      ids.map((id, k) => `${id},${samples[k].box.x0},${samples[k].box.y0},${samples[k].box.x1},${samples[k].box.y1}`),
    );
    expect(lines('metadata/synthetic-masks/val/localization.txt')).toEqual(ids.map((id) => `${id},${id.replace('.png', '_mask.png')},${id.replace('.png', '_ignore.png')}`));
  });

  it('stores the exact RGB image (once, linked into the masks dataset), the binary mask at 255 and an empty ignore mask', async () => {
    for (const i of [10, 13]) {
      const s = bench.sample('val', i);
      const file = path.join(root, 'dataset', 'synthetic', 'val', `${sampleId(i)}.png`);
      const image = await readRaw(file);
      expect(image.channels).toBe(3);
      expect(Buffer.compare(image.data, Buffer.from(s.image))).toBe(0);
      expect(fs.statSync(path.join(root, 'dataset', 'synthetic-masks', 'val', `${sampleId(i)}.png`)).ino).toBe(fs.statSync(file).ino);
      const mask = await readRaw(path.join(root, 'dataset', 'synthetic-masks', 'val', `${sampleId(i)}_mask.png`));
      expect(mask.channels).toBe(1);
      expect(Buffer.compare(mask.data, Buffer.from(maskBytes(s)))).toBe(0);
      for (let p = 0; p < s.mask.length; p++) expect(mask.data[p]).toBe(s.mask[p] * 255);
      const ignore = await readRaw(path.join(root, 'dataset', 'synthetic-masks', 'val', `${sampleId(i)}_ignore.png`));
      expect(ignore.data.every((v) => v === 0)).toBe(true);
    }
  });

  it('validates its arguments', async () => {
    await expect(exportSplit(bench, 'val', 0, root)).rejects.toThrow(/count must be a positive integer, got 0/);
    await expect(exportSplit(bench, 'dev' as 'val', 1, root)).rejects.toThrow(/unknown split 'dev'/);
    await expect(exportSplit(bench, 'val', 1, root, { name: 'a/b' })).rejects.toThrow(/name must be letters/);
  });

  it("is read back exactly by the evaluator's dataset reader (src/eval), boxes and masks in one split", async () => {
    const dataset = readWsolDataset(root, 'val');
    expect(dataset.name).toBe('synthetic');
    expect(dataset.hasBoxes && dataset.hasMasks).toBe(true);
    expect(dataset.classes).toEqual([...bench.classes]);
    expect(dataset.items.length).toBe(4);
    for (const [k, item] of dataset.items.entries()) {
      const s = bench.sample('val', 10 + k);
      expect(item.classIndex).toBe(s.classIndex);
      expect(item.boxes).toEqual([s.box]);
      const rgb = await readRgbImage(item.imagePath, item);
      expect(Buffer.compare(Buffer.from(rgb.data), Buffer.from(s.image))).toBe(0);
      const mask = await readObjectMask(item);
      expect(Buffer.compare(Buffer.from(mask!.data), Buffer.from(s.mask))).toBe(0);
      expect(mask!.ignore?.every((v) => v === 0)).toBe(true);
    }
    // the masks dataset alone, as wsolevaluation would read it
    const masksOnly = readWsolDataset({ data: root, dataset: 'synthetic-masks', split: 'val' });
    expect(masksOnly.hasBoxes).toBe(false);
    expect(masksOnly.items[0].imagePath).toBe(path.join(root, 'dataset', 'synthetic-masks', 'val', '000010.png'));
  });
});
