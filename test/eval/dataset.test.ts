import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObjectMask, readRgbImage, readWsolDataset } from '../../src/eval/dataset';
import { FIXTURE, SIZE, writeFixture } from './fixture';

let root = '';
const roots: string[] = [];

beforeAll(async () => {
  root = await writeFixture();
  roots.push(root);
});

afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

function edit(file: string, change: (text: string) => string): void {
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
}

async function freshCopy(): Promise<string> {
  const r = await writeFixture();
  roots.push(r);
  return r;
}

describe('readWsolDataset', () => {
  it('reads classes, labels, sizes, every box and the mask paths', () => {
    const data = readWsolDataset(root, 'test');
    expect(data.classes).toEqual(['apple', 'bus']);
    expect(data.hasMasks).toBe(true);
    expect(data.hasBoxes).toBe(true);
    expect(data.items.map((it) => it.imageId)).toEqual(FIXTURE.map((f) => `test/${f.id}.png`));
    expect(data.items.map((it) => it.classIndex)).toEqual([0, 1, 0]);
    expect(data.items[2].boxes).toEqual(FIXTURE[2].boxes);
    expect(data.items[0]).toMatchObject({ width: SIZE, height: SIZE, imagePath: path.join(root, 'test', '000000.png') });
    expect(data.items[1].maskPaths).toEqual([path.join(root, 'masks', 'test', '000001.png')]);
  });

  it('copes with a missing mask_localization.txt', async () => {
    const r = await writeFixture({ masks: false });
    roots.push(r);
    const data = readWsolDataset(r, 'test');
    expect(data.hasMasks).toBe(false);
    expect(data.items.every((it) => it.maskPaths.length === 0)).toBe(true);
    expect(await readObjectMask(data.items[0])).toBeUndefined();
  });

  it('copes with a missing localization.txt (masks only, as OpenImages), but needs boxes or masks', async () => {
    const r = await writeFixture({ boxes: false });
    roots.push(r);
    const data = readWsolDataset(r, 'test');
    expect(data.hasBoxes).toBe(false);
    expect(data.items[0].boxes).toEqual([]);
    const none = await writeFixture({ boxes: false, masks: false });
    roots.push(none);
    expect(() => readWsolDataset(none, 'test')).toThrow(/localization.txt is missing or empty: no boxes or masks to evaluate against/);
    const partial = await freshCopy();
    edit(path.join(partial, 'metadata', 'test', 'mask_localization.txt'), (t) => t.split('\n').slice(1).join('\n'));
    expect(() => readWsolDataset(partial, 'test')).toThrow(/'test\/000000.png': no mask in the mask localization file/);
  });

  it('names the file and line of malformed or inconsistent metadata', async () => {
    const r = await freshCopy();
    const meta = path.join(r, 'metadata', 'test');
    expect(() => readWsolDataset(r, 'val')).toThrow(/no split 'val' found/);
    edit(path.join(meta, 'class_labels.txt'), (t) => t.replace('test/000001.png,1', 'test/000001.png,7'));
    expect(() => readWsolDataset(r, 'test')).toThrow(/class_labels.txt:2: class_index 7 is outside 0 … 1/);
    edit(path.join(meta, 'class_labels.txt'), (t) => t.replace('test/000001.png,7', 'test/000001.png,x'));
    expect(() => readWsolDataset(r, 'test')).toThrow(/class_labels.txt:2: class_index must be an integer, got 'x'/);
    edit(path.join(meta, 'class_labels.txt'), (t) => t.replace('test/000001.png,x', 'test/000009.png,1'));
    expect(() => readWsolDataset(r, 'test')).toThrow(/class_labels.txt:2: image_id 'test\/000009.png' is not in image_ids.txt/);
    edit(path.join(meta, 'class_labels.txt'), (t) => t.replace('test/000009.png,1', ''));
    expect(() => readWsolDataset(r, 'test')).toThrow(/'test\/000001.png': no line in class_labels.txt/);
  });

  it('rejects boxes outside the image, in the inclusive convention', async () => {
    const r = await freshCopy();
    const file = path.join(r, 'metadata', 'test', 'localization.txt');
    // x1 = 16 is one past the last column of a 16-pixel-wide image
    edit(file, (t) => t.replace('test/000000.png,2,2,5,5', 'test/000000.png,2,2,16,5'));
    expect(() => readWsolDataset(r, 'test')).toThrow(/localization.txt for 'test\/000000.png': box \(2,2\)–\(16,5\) is not inside a 16×16 image/);
    edit(file, (t) => t.replace('test/000000.png,2,2,16,5', 'test/000000.png,2,2,5'));
    expect(() => readWsolDataset(r, 'test')).toThrow(/localization.txt:1: expected 'image_id,x0,y0,x1,y1'/);
  });

  it('reads the ignore path of the earlier layout too', async () => {
    const r = await freshCopy();
    edit(path.join(r, 'metadata', 'test', 'mask_localization.txt'), (t) => t.replace('masks/test/000000.png,', 'masks/test/000000.png,ignore/x.png'));
    expect(readWsolDataset(r, 'test').items[0].ignorePath).toBe(path.join(r, 'ignore', 'x.png'));
  });
});

describe('readRgbImage and readObjectMask', () => {
  it('decode the pixels: red square in the image, ≥ 128 object in the mask', async () => {
    const data = readWsolDataset(root, 'test');
    const item = data.items[1];
    const image = await readRgbImage(item.imagePath, item);
    expect(image.width).toBe(SIZE);
    const at = (x: number, y: number): number[] => Array.from(image.data.slice((y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3));
    expect(at(4, 4)).toEqual([255, 0, 0]);
    expect(at(3, 4)).toEqual([0, 0, 0]);
    const mask = await readObjectMask(item);
    expect(mask?.data[3 * SIZE + 2]).toBe(0); // left column 127 → background
    expect(mask?.data[3 * SIZE + 3]).toBe(1); // 200 → object
    expect(mask?.data.reduce((s, v) => s + v, 0)).toBe(12); // 4×4 box minus its 4-pixel left column
  });

  it('merges instance masks and checks sizes against image_sizes.txt', async () => {
    const data = readWsolDataset(root, 'test');
    const item = data.items[2];
    const mask = await readObjectMask(item);
    expect(mask?.data.reduce((s, v) => s + v, 0)).toBe(3 * 4 + 5 * 8);
    await expect(readRgbImage(item.imagePath, { width: 20, height: 16 })).rejects.toThrow(/image is 16×16 but image_sizes.txt says 20×16/);
    await expect(readRgbImage(path.join(root, 'nope.png'))).rejects.toThrow(/nope.png: cannot decode the image/);
  });
});
