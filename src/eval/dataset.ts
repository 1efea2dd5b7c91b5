/**
 * Reader for a dataset folder in the wsolevaluation layout (Choe et al., "Evaluating Weakly
 * Supervised Object Localization Methods Right", CVPR 2020), with masks the OpenImages way:
 *
 * ```
 * <root>/<split>/<id>.png                       RGB image; image_id "<split>/<id>.png"
 * <root>/masks/<split>/<id>.png                 8-bit greyscale mask (≥ 128 = object)
 * <root>/metadata/classes.txt                   class names, line i = class i
 * <root>/metadata/<split>/image_ids.txt         image_id per line
 * <root>/metadata/<split>/class_labels.txt      image_id,class_index
 * <root>/metadata/<split>/image_sizes.txt       image_id,width,height
 * <root>/metadata/<split>/localization.txt      image_id,x0,y0,x1,y1 (inclusive; one line per box)
 * <root>/metadata/<split>/mask_localization.txt image_id,mask_path,ignore_path
 * ```
 *
 * Either of the last two may be missing (CUB and ImageNet have no masks, OpenImages has no boxes);
 * when a file is present, every image needs an entry in it.
 *
 * Metadata is read and cross-checked at once ({@link readWsolDataset}); pixels are decoded on
 * demand ({@link readRgbImage}, {@link readObjectMask}) so memory stays flat over large splits.
 * Every error names the file and, for metadata, the line.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Box, ObjectMask, assertBoxInside } from '../types';
import { RgbImage } from '../display/png';
import { binarizeMask } from '../metrics/objectMask';

/** One image of a split, with its ground truth. */
export interface WsolDatasetItem {
  /** "<split>/<id>.png", the key used by every metadata file. */
  readonly imageId: string;
  /** Absolute path of the image. */
  readonly imagePath: string;
  readonly classIndex: number;
  /** Size recorded in image_sizes.txt (checked against the file when it is decoded). */
  readonly width: number;
  readonly height: number;
  /** Ground-truth boxes in the image's pixels, inclusive corners ({@link Box}); empty when the split has none. */
  readonly boxes: readonly Box[];
  /** Absolute paths of the masks (instances are merged); empty when the image has none. */
  readonly maskPaths: readonly string[];
}

/** A split of a dataset folder. */
export interface WsolDataset {
  readonly root: string;
  readonly split: string;
  /** Class names, index = class index. */
  readonly classes: readonly string[];
  readonly items: readonly WsolDatasetItem[];
  /** Whether localization.txt exists for the split (box metrics are then computed). */
  readonly hasBoxes: boolean;
  /** Whether mask_localization.txt exists for the split (PxAP and mask IoU are then computed). */
  readonly hasMasks: boolean;
}

interface Line {
  readonly file: string;
  readonly number: number;
  readonly fields: string[];
}

function readLines(file: string, required: boolean): Line[] | undefined {
  if (!fs.existsSync(file)) {
    if (required) throw new Error(`${file}: file not found (expected the wsolevaluation layout, see src/eval/dataset.ts)`);
    return undefined;
  }
  const lines: Line[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((text, i) => {
      if (text.trim() === '') return;
      lines.push({ file, number: i + 1, fields: text.split(',').map((f) => f.trim()) });
    });
  return lines;
}

function fail(line: Line, problem: string): never {
  throw new Error(`${line.file}:${line.number}: ${problem}`);
}

function integerField(line: Line, index: number, name: string): number {
  const text = line.fields[index];
  if (text === undefined || !/^-?\d+$/.test(text)) fail(line, `${name} must be an integer, got '${text ?? ''}'`);
  return Number(text);
}

function expectFields(line: Line, count: number, format: string): void {
  if (line.fields.length < count) fail(line, `expected '${format}', got '${line.fields.join(',')}'`);
}

function readClasses(root: string): string[] {
  const file = path.join(root, 'metadata', 'classes.txt');
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (one class name per line)`);
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Looks up the entry of `line`'s image, failing when the image is not listed in image_ids.txt. */
function known<T>(byId: Map<string, T>, line: Line): T {
  const entry = byId.get(line.fields[0]);
  if (entry === undefined) fail(line, `image_id '${line.fields[0]}' is not in image_ids.txt`);
  return entry;
}

interface Draft {
  imageId: string;
  classIndex?: number;
  width?: number;
  height?: number;
  boxes: Box[];
  maskPaths: string[];
}

function readLabels(dir: string, byId: Map<string, Draft>, classCount: number): void {
  for (const line of readLines(path.join(dir, 'class_labels.txt'), true) ?? []) {
    expectFields(line, 2, 'image_id,class_index');
    const c = integerField(line, 1, 'class_index');
    if (c < 0 || (classCount > 0 && c >= classCount)) fail(line, `class_index ${c} is outside 0 … ${classCount - 1} (classes.txt)`);
    known(byId, line).classIndex = c;
  }
}

function readSizes(dir: string, byId: Map<string, Draft>): void {
  for (const line of readLines(path.join(dir, 'image_sizes.txt'), true) ?? []) {
    expectFields(line, 3, 'image_id,width,height');
    const d = known(byId, line);
    d.width = integerField(line, 1, 'width');
    d.height = integerField(line, 2, 'height');
    if (d.width <= 0 || d.height <= 0) fail(line, `width and height must be positive, got ${d.width}×${d.height}`);
  }
}

function readBoxes(dir: string, byId: Map<string, Draft>): boolean {
  const lines = readLines(path.join(dir, 'localization.txt'), false);
  if (lines === undefined) return false;
  for (const line of lines) {
    expectFields(line, 5, 'image_id,x0,y0,x1,y1');
    const [x0, y0, x1, y1] = ['x0', 'y0', 'x1', 'y1'].map((name, k) => integerField(line, k + 1, name));
    known(byId, line).boxes.push({ x0, y0, x1, y1 });
  }
  return true;
}

function readMasks(root: string, dir: string, byId: Map<string, Draft>): boolean {
  const lines = readLines(path.join(dir, 'mask_localization.txt'), false);
  if (lines === undefined) return false;
  for (const line of lines) {
    expectFields(line, 2, 'image_id,mask_path,ignore_path');
    const maskPath = line.fields[1];
    if (maskPath === '') fail(line, 'the mask path is empty');
    if ((line.fields[2] ?? '') !== '') fail(line, `ignore masks ('${line.fields[2]}') are not supported; leave the third field empty`);
    known(byId, line).maskPaths.push(path.resolve(root, maskPath));
  }
  return true;
}

function finish(root: string, draft: Draft, dir: string, hasBoxes: boolean, hasMasks: boolean): WsolDatasetItem {
  const where = `${path.join(dir, '…')} for '${draft.imageId}'`;
  if (draft.classIndex === undefined) throw new Error(`${where}: no line in class_labels.txt`);
  if (draft.width === undefined || draft.height === undefined) throw new Error(`${where}: no line in image_sizes.txt`);
  if (hasBoxes && draft.boxes.length === 0) throw new Error(`${where}: no box in localization.txt`);
  if (hasMasks && draft.maskPaths.length === 0) throw new Error(`${where}: no mask in mask_localization.txt`);
  for (const box of draft.boxes) {
    try {
      assertBoxInside(box, draft.width, draft.height);
    } catch (error) {
      throw new Error(`${path.join(dir, 'localization.txt')} for '${draft.imageId}': ${(error as Error).message}`);
    }
  }
  return {
    imageId: draft.imageId,
    imagePath: path.resolve(root, draft.imageId),
    classIndex: draft.classIndex,
    width: draft.width,
    height: draft.height,
    boxes: draft.boxes,
    maskPaths: draft.maskPaths,
  };
}

/**
 * Reads and cross-checks the metadata of `split` in the dataset folder `root` (no pixels decoded).
 *
 * @example
 * ```ts
 * const test = readWsolDataset('data/bench', 'test');   // { classes, items: [{ imageId, boxes, … }], hasMasks }
 * ```
 * @throws Error naming the file and line of a malformed entry, an image listed in one file but
 * missing from another, a class index outside classes.txt, a box outside its image, or a split
 * with neither boxes nor masks.
 */
export function readWsolDataset(root: string, split: string): WsolDataset {
  const dir = path.join(root, 'metadata', split);
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no metadata folder for split '${split}'`);
  const classes = readClasses(root);
  const byId = new Map<string, Draft>();
  for (const line of readLines(path.join(dir, 'image_ids.txt'), true) ?? []) {
    const imageId = line.fields[0];
    if (byId.has(imageId)) fail(line, `image_id '${imageId}' is listed twice`);
    byId.set(imageId, { imageId, boxes: [], maskPaths: [] });
  }
  readLabels(dir, byId, classes.length);
  readSizes(dir, byId);
  const hasBoxes = readBoxes(dir, byId);
  const hasMasks = readMasks(root, dir, byId);
  if (!hasBoxes && !hasMasks) {
    throw new Error(`${dir}: neither localization.txt (boxes) nor mask_localization.txt (masks): nothing to evaluate against`);
  }
  const items = Array.from(byId.values(), (d) => finish(root, d, dir, hasBoxes, hasMasks));
  return { root, split, classes, items, hasBoxes, hasMasks };
}

/**
 * Decodes an image file into RGB bytes (grey images are expanded, alpha dropped), as the
 * {@link RgbImage} of src/display.
 *
 * @param expected size from image_sizes.txt, checked when given.
 * @throws Error naming the file when it cannot be decoded or has another size.
 */
export async function readRgbImage(file: string, expected?: { width: number; height: number }): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new Error(`${file}: cannot decode the image (${error.message})`);
    });
  const { width, height, channels } = info;
  if (expected !== undefined && (width !== expected.width || height !== expected.height)) {
    throw new Error(`${file}: image is ${width}×${height} but image_sizes.txt says ${expected.width}×${expected.height}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  if (channels === 3) rgb.set(data);
  else {
    for (let p = 0; p < width * height; p++) rgb.fill(data[p * channels], p * 3, p * 3 + 3);
  }
  return { width, height, channels: 3, data: rgb };
}

async function readGrey(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new Error(`${file}: cannot decode the mask (${error.message})`);
    });
  const grey = new Uint8Array(info.width * info.height);
  for (let p = 0; p < grey.length; p++) grey[p] = data[p * info.channels];
  return { width: info.width, height: info.height, data: grey };
}

/**
 * The object mask of an item: its mask files decoded as 8-bit grey, `≥ 128 → object`, instances
 * merged by union. Undefined when the item has no mask.
 *
 * @throws Error naming the file when a mask cannot be decoded or does not have the image's size.
 */
export async function readObjectMask(item: WsolDatasetItem): Promise<ObjectMask | undefined> {
  if (item.maskPaths.length === 0) return undefined;
  const merged = new Uint8Array(item.width * item.height);
  for (const file of item.maskPaths) {
    const grey = await readGrey(file);
    if (grey.width !== item.width || grey.height !== item.height) {
      throw new Error(`${file}: mask is ${grey.width}×${grey.height} but the image '${item.imageId}' is ${item.width}×${item.height}`);
    }
    const mask = binarizeMask(grey.data, grey.width, grey.height);
    for (let i = 0; i < merged.length; i++) merged[i] |= mask.data[i];
  }
  return { width: item.width, height: item.height, data: merged };
}
