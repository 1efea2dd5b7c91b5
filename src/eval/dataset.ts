/**
 * Reader of a dataset split in wsolevaluation's layout (Choe et al., "Evaluating Weakly
 * Supervised Object Localization Methods Right", CVPR 2020) — CUB, ILSVRC, OpenImages, or this
 * project's export; where the files are is found by {@link locateWsolDataset} (src/eval/layout.ts).
 *
 * The files of a split, as wsolevaluation's `data_loaders.py` reads them:
 * - `image_ids.txt`: one image_id per line, a path relative to the image root;
 * - `class_labels.txt`: `image_id,class_index`;
 * - `image_sizes.txt`: `image_id,width,height` — may be empty or missing (OpenImages' is empty):
 *   the size then comes from the image itself;
 * - `localization.txt`: either boxes, `image_id,x0,y0,x1,y1` (inclusive corners, one line per box:
 *   CUB, ILSVRC), or masks, `image_id,mask_path,ignore_path` (OpenImages: one line per instance
 *   mask; the image's ignore mask on one of its lines, the field empty on the others).
 *
 * Masks count any non-zero pixel as object (wsolevaluation's `mask > 0.5` on 0…255); instance
 * masks are merged; the ignore region is `ignore ∧ ¬object` and is left out of PxAP and mask IoU.
 * The project's earlier exports (`mask_localization.txt`, soft masks, object at ≥ 128) still read.
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
import { MASK_OBJECT_LEVEL, SOFT_MASK_OBJECT_LEVEL, binarizeMask } from '../metrics/objectMask';
import { LocateOptions, WsolLocation, locateWsolDataset } from './layout';

/** One image of a split, with its ground truth. */
export interface WsolDatasetItem {
  /** The key used by every metadata file: a path relative to the image root. */
  readonly imageId: string;
  /** Absolute path of the image. */
  readonly imagePath: string;
  readonly classIndex: number;
  /** Size from image_sizes.txt (checked when the image is decoded); undefined when the file lacks it. */
  readonly width?: number;
  readonly height?: number;
  /** Ground-truth boxes in the image's pixels, inclusive corners ({@link Box}); empty when the split has none. */
  readonly boxes: readonly Box[];
  /** Absolute paths of the instance masks (merged); empty when the image has none. */
  readonly maskPaths: readonly string[];
  /** Absolute path of the ignore mask, when the image has one. */
  readonly ignorePath?: string;
  /** Grey level from which a mask pixel is object ({@link MASK_OBJECT_LEVEL}, 128 for earlier exports). */
  readonly maskLevel: number;
}

/** A split of a dataset. */
export interface WsolDataset {
  /** The metadata folder of the split (for messages and reports). */
  readonly root: string;
  /** The dataset's name ('' for the project's earlier layout). */
  readonly name: string;
  readonly split: string;
  readonly location: WsolLocation;
  /** Class names, index = class index, when the dataset has them (wsolevaluation's do not). */
  readonly classes?: readonly string[];
  readonly items: readonly WsolDatasetItem[];
  /** Whether the split has boxes (box metrics are then computed). */
  readonly hasBoxes: boolean;
  /** Whether the split has masks (PxAP and mask IoU are then computed). */
  readonly hasMasks: boolean;
}

interface Line {
  readonly file: string;
  readonly number: number;
  readonly fields: string[];
}

function readLines(file: string, required: boolean): Line[] | undefined {
  if (!fs.existsSync(file)) {
    if (required) throw new Error(`${file}: file not found (expected wsolevaluation's layout, see src/eval/layout.ts)`);
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
  if (line.fields.length !== count) fail(line, `expected '${format}', got '${line.fields.join(',')}'`);
}

/** The class names of a classes file, one per line. */
export function readClassNames(file: string): string[] {
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
  ignorePath?: string;
}

function readIds(dir: string): Map<string, Draft> {
  const byId = new Map<string, Draft>();
  for (const line of readLines(path.join(dir, 'image_ids.txt'), true) ?? []) {
    expectFields(line, 1, 'image_id');
    const imageId = line.fields[0];
    if (byId.has(imageId)) fail(line, `image_id '${imageId}' is listed twice`);
    byId.set(imageId, { imageId, boxes: [], maskPaths: [] });
  }
  if (byId.size === 0) throw new Error(`${path.join(dir, 'image_ids.txt')}: no image listed`);
  return byId;
}

function readLabels(dir: string, byId: Map<string, Draft>, classCount: number | undefined): void {
  for (const line of readLines(path.join(dir, 'class_labels.txt'), true) ?? []) {
    expectFields(line, 2, 'image_id,class_index');
    const c = integerField(line, 1, 'class_index');
    if (c < 0) fail(line, `class_index must not be negative, got ${c}`);
    if (classCount !== undefined && c >= classCount) fail(line, `class_index ${c} is outside 0 … ${classCount - 1} (classes.txt)`);
    known(byId, line).classIndex = c;
  }
}

function readSizes(dir: string, byId: Map<string, Draft>): void {
  for (const line of readLines(path.join(dir, 'image_sizes.txt'), false) ?? []) {
    expectFields(line, 3, 'image_id,width,height');
    const d = known(byId, line);
    d.width = integerField(line, 1, 'width');
    d.height = integerField(line, 2, 'height');
    if (d.width <= 0 || d.height <= 0) fail(line, `width and height must be positive, got ${d.width}×${d.height}`);
  }
}

function addBox(line: Line, byId: Map<string, Draft>): void {
  expectFields(line, 5, 'image_id,x0,y0,x1,y1');
  const [x0, y0, x1, y1] = ['x0', 'y0', 'x1', 'y1'].map((name, k) => integerField(line, k + 1, name));
  known(byId, line).boxes.push({ x0, y0, x1, y1 });
}

function addMask(line: Line, byId: Map<string, Draft>, maskRoot: string): void {
  if (line.fields.length < 2 || line.fields.length > 3) fail(line, `expected 'image_id,mask_path,ignore_path', got '${line.fields.join(',')}'`);
  const [, maskPath, ignorePath = ''] = line.fields;
  if (maskPath === '') fail(line, 'the mask path is empty');
  const d = known(byId, line);
  d.maskPaths.push(path.resolve(maskRoot, maskPath));
  if (ignorePath === '') return;
  if (d.ignorePath !== undefined) fail(line, `a second ignore mask for '${d.imageId}' (an image has one, on one of its lines)`);
  d.ignorePath = path.resolve(maskRoot, ignorePath);
}

/** Whether a localization line lists masks (`image_id,mask_path[,ignore_path]`) rather than a box. */
function isMaskLine(line: Line): boolean {
  return line.fields.length <= 3 && !/^-?\d+$/.test(line.fields[1] ?? '');
}

/** What localization.txt holds — boxes or masks — from its first line. */
function readLocalization(file: string, byId: Map<string, Draft>, maskRoot: string): 'boxes' | 'masks' | undefined {
  const lines = readLines(file, false);
  if (lines === undefined || lines.length === 0) return undefined;
  const kind = isMaskLine(lines[0]) ? 'masks' : 'boxes';
  for (const line of lines) {
    if (kind === 'boxes') addBox(line, byId);
    else addMask(line, byId, maskRoot);
  }
  return kind;
}

function checkItem(draft: Draft, dir: string, hasBoxes: boolean, hasMasks: boolean): void {
  const where = `${path.join(dir, '…')} for '${draft.imageId}'`;
  if (draft.classIndex === undefined) throw new Error(`${where}: no line in class_labels.txt`);
  if (hasBoxes && draft.boxes.length === 0) throw new Error(`${where}: no box in localization.txt`);
  if (hasMasks && draft.maskPaths.length === 0) throw new Error(`${where}: no mask in the mask localization file`);
  if (draft.width === undefined || draft.height === undefined) return;
  for (const box of draft.boxes) {
    try {
      assertBoxInside(box, draft.width, draft.height);
    } catch (error) {
      throw new Error(`${path.join(dir, 'localization.txt')} for '${draft.imageId}': ${(error as Error).message}`);
    }
  }
}

/** Reads the masks of a companion `<DATASET>-masks` split into the drafts of the main one. */
function mergeCompanion(companion: WsolLocation, byId: Map<string, Draft>): boolean {
  const ids = readIds(companion.metadataDir);
  const idsFile = path.join(companion.metadataDir, 'image_ids.txt');
  for (const id of byId.keys()) if (!ids.has(id)) throw new Error(`${idsFile}: lacks '${id}' of ${companion.dataset.replace(/-masks$/, '')}`);
  if (ids.size !== byId.size) throw new Error(`${idsFile}: lists ${ids.size} images, the split itself ${byId.size}`);
  const kind = readLocalization(path.join(companion.metadataDir, 'localization.txt'), byId, companion.maskRoot);
  if (kind !== 'masks') throw new Error(`${path.join(companion.metadataDir, 'localization.txt')}: expected masks ('image_id,mask_path,ignore_path')`);
  return true;
}

function asLocation(where: string | WsolLocation | LocateOptions, split: string | undefined): WsolLocation {
  if (typeof where === 'string') return locateWsolDataset({ data: where, split: split ?? 'test' });
  if ('metadataDir' in where) return where;
  return locateWsolDataset(where);
}

/**
 * Reads and cross-checks the metadata of a split (no pixels decoded).
 *
 * @param where a {@link WsolLocation}, options for {@link locateWsolDataset}, or a folder (then `split`).
 * @example
 * ```ts
 * const cub = readWsolDataset({ data: 'wsolevaluation', dataset: 'CUB', split: 'test' });
 * const bench = readWsolDataset('data/synthetic', 'test');   // { items: [{ imageId, boxes, maskPaths, … }], hasMasks }
 * ```
 * @throws Error naming the file and line of a malformed entry, an image listed in one file but
 * missing from another, a class index outside classes.txt, a box outside its image, or a split
 * with neither boxes nor masks.
 */
export function readWsolDataset(where: string | WsolLocation | LocateOptions, split?: string): WsolDataset {
  const location = asLocation(where, split);
  const dir = location.metadataDir;
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no metadata folder for split '${location.split}'`);
  const classes = location.classesFile === undefined ? undefined : readClassNames(location.classesFile);
  const byId = readIds(dir);
  readLabels(dir, byId, classes?.length);
  readSizes(dir, byId);
  const kind = readLocalization(path.join(dir, 'localization.txt'), byId, location.maskRoot);
  const legacyMasks = readLocalization(path.join(dir, 'mask_localization.txt'), byId, location.maskRoot);
  if (legacyMasks === 'boxes') throw new Error(`${path.join(dir, 'mask_localization.txt')}: expected 'image_id,mask_path,ignore_path' lines`);
  const companion = location.masks === undefined ? false : mergeCompanion(location.masks, byId);
  const hasBoxes = kind === 'boxes';
  const hasMasks = kind === 'masks' || legacyMasks === 'masks' || companion;
  if (!hasBoxes && !hasMasks) {
    throw new Error(`${dir}: localization.txt is missing or empty: no boxes or masks to evaluate against`);
  }
  const maskLevel = legacyMasks === 'masks' ? SOFT_MASK_OBJECT_LEVEL : MASK_OBJECT_LEVEL;
  const items = Array.from(byId.values(), (d): WsolDatasetItem => {
    checkItem(d, dir, hasBoxes, hasMasks);
    return { ...d, classIndex: d.classIndex as number, imagePath: path.resolve(location.imageRoot, d.imageId), maskLevel };
  });
  return { root: dir, name: location.dataset, split: location.split, location, classes, items, hasBoxes, hasMasks };
}

/** The files an item needs: its image, masks and ignore mask. */
export function itemFiles(item: WsolDatasetItem): string[] {
  return [item.imagePath, ...item.maskPaths, ...(item.ignorePath === undefined ? [] : [item.ignorePath])];
}

/**
 * Decodes an image file into RGB bytes (grey images are expanded, alpha dropped), as the
 * {@link RgbImage} of src/display.
 *
 * @param expected size from image_sizes.txt, checked when given.
 * @throws Error naming the file when it cannot be decoded or has another size.
 */
export async function readRgbImage(file: string, expected?: { width?: number; height?: number }): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new Error(`${file}: cannot decode the image (${error.message})`);
    });
  const { width, height, channels } = info;
  if (expected?.width !== undefined && expected.height !== undefined && (width !== expected.width || height !== expected.height)) {
    throw new Error(`${file}: image is ${width}×${height} but image_sizes.txt says ${expected.width}×${expected.height}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  if (channels === 3) rgb.set(data);
  else {
    for (let p = 0; p < width * height; p++) rgb.fill(data[p * channels], p * 3, p * 3 + 3);
  }
  return { width, height, channels: 3, data: rgb };
}

interface Grey {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

async function readGrey(file: string): Promise<Grey> {
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
 * A grey mask brought to `width × height` by nearest neighbour, as wsolevaluation resizes masks
 * (OpenCV's `INTER_NEAREST`: output pixel x takes source pixel `floor(x · w_in / w_out)`).
 */
export function resizeMaskNearest(grey: Grey, width: number, height: number): Grey {
  if (grey.width === width && grey.height === height) return grey;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(grey.height - 1, Math.floor((y * grey.height) / height));
    for (let x = 0; x < width; x++) data[y * width + x] = grey.data[sy * grey.width + Math.min(grey.width - 1, Math.floor((x * grey.width) / width))];
  }
  return { width, height, data };
}

/**
 * The object mask of an item, in the frame of its image (`size`, or image_sizes.txt): its instance
 * masks decoded as 8-bit grey, `≥ item.maskLevel → object`, merged by union; masks of another size
 * are resized by nearest neighbour ({@link resizeMaskNearest}). The ignore mask (non-zero = ignored)
 * minus the object gives `ignore`. Undefined when the item has no mask.
 *
 * @throws Error naming the file when a mask cannot be decoded.
 */
export async function readObjectMask(item: WsolDatasetItem, size?: { width: number; height: number }): Promise<ObjectMask | undefined> {
  if (item.maskPaths.length === 0) return undefined;
  const width = size?.width ?? item.width;
  const height = size?.height ?? item.height;
  if (width === undefined || height === undefined) throw new Error(`'${item.imageId}': image size unknown (decode the image first)`);
  const merged = new Uint8Array(width * height);
  for (const file of item.maskPaths) {
    const grey = resizeMaskNearest(await readGrey(file), width, height);
    const mask = binarizeMask(grey.data, width, height, item.maskLevel);
    for (let i = 0; i < merged.length; i++) merged[i] |= mask.data[i];
  }
  if (item.ignorePath === undefined) return { width, height, data: merged };
  const grey = resizeMaskNearest(await readGrey(item.ignorePath), width, height);
  const ignore = binarizeMask(grey.data, width, height).data;
  for (let i = 0; i < ignore.length; i++) ignore[i] &= merged[i] ^ 1;
  return { width, height, data: merged, ignore };
}
