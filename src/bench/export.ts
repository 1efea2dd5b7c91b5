/**
 * Export of a benchmark split to disk in the layout of wsolevaluation (Choe et al., "Evaluating
 * Weakly Supervised Object Localization Methods Right", CVPR 2020), extended with masks the
 * OpenImages way, so one evaluator reads this benchmark and CUB, ImageNet or OpenImages alike:
 *
 * ```
 * <root>/<split>/<id>.png                       RGB image; image_id = "<split>/<id>.png"
 * <root>/masks/<split>/<id>.png                 8-bit greyscale mask: round(255·alpha) (≥ 128 ⇔ alpha ≥ 0.5)
 * <root>/metadata/classes.txt                   line i = name of class i
 * <root>/metadata/<split>/image_ids.txt         image_id
 * <root>/metadata/<split>/class_labels.txt      image_id,class_index
 * <root>/metadata/<split>/image_sizes.txt       image_id,width,height
 * <root>/metadata/<split>/localization.txt      image_id,x0,y0,x1,y1   (inclusive corners, `Box`)
 * <root>/metadata/<split>/mask_localization.txt image_id,masks/<split>/<id>.png,   (empty ignore path)
 * ```
 *
 * Sample i of the split gets the id `i` zero-padded to 6 digits, so exports of different sizes
 * agree on their common images.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Benchmark, BenchmarkSample } from './generator';
import { assertSplit, Split } from './splits';

/** Options of {@link exportSplit}. */
export interface ExportOptions {
  /** Index of the first sample exported. @default 0 */
  readonly first?: number;
  /** Called after each image with the number written so far. @default none */
  readonly onProgress?: (written: number, total: number) => void;
}

/** What {@link exportSplit} wrote. */
export interface ExportResult {
  readonly root: string;
  readonly split: Split;
  readonly images: number;
  /** The image_ids, in order. */
  readonly imageIds: readonly string[];
}

/** The id of sample `index`: six digits, zero-padded. */
export function sampleId(index: number): string {
  return String(index).padStart(6, '0');
}

/** The 8-bit mask of a sample: `round(255 · alpha)`, so that `≥ 128` is exactly `alpha ≥ 0.5`. */
export function maskBytes(sample: BenchmarkSample): Uint8Array {
  const out = new Uint8Array(sample.alpha.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(sample.alpha[i] * 255);
  return out;
}

async function writePng(file: string, data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<void> {
  let image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
  // Without this sharp would store one-channel data as RGB.
  if (channels === 1) image = image.toColourspace('b-w');
  await image.png().toFile(file);
}

/**
 * Writes samples `first … first + count − 1` of `split` to `root` (see the module notes for the
 * layout). Existing metadata files of the split are replaced; `classes.txt` is (re)written.
 *
 * @example
 * ```ts
 * await exportSplit(await createBenchmark(), 'test', 1000, 'data/synthetic');
 * ```
 * @throws RangeError for an unknown split or a count that is not a positive integer.
 */
export async function exportSplit(
  bench: Benchmark,
  split: Split,
  count: number,
  root: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  assertSplit(split);
  if (!Number.isInteger(count) || count <= 0) throw new RangeError(`count must be a positive integer, got ${count}`);
  const first = options.first ?? 0;
  if (!Number.isInteger(first) || first < 0) throw new RangeError(`first must be a non-negative integer, got ${first}`);
  const imageDir = path.join(root, split);
  const maskDir = path.join(root, 'masks', split);
  const metaDir = path.join(root, 'metadata', split);
  for (const dir of [imageDir, maskDir, metaDir]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(root, 'metadata', 'classes.txt'), bench.classes.join('\n') + '\n');

  const ids: string[] = [];
  const labels: string[] = [];
  const sizes: string[] = [];
  const boxes: string[] = [];
  const masks: string[] = [];
  for (let k = 0; k < count; k++) {
    const index = first + k;
    const s = bench.sample(split, index);
    const file = `${sampleId(index)}.png`;
    const imageId = `${split}/${file}`;
    const maskPath = `masks/${split}/${file}`;
    await writePng(path.join(imageDir, file), s.image, s.width, s.height, 3);
    await writePng(path.join(maskDir, file), maskBytes(s), s.width, s.height, 1);
    ids.push(imageId);
    labels.push(`${imageId},${s.classIndex}`);
    sizes.push(`${imageId},${s.width},${s.height}`);
    boxes.push(`${imageId},${s.box.x0},${s.box.y0},${s.box.x1},${s.box.y1}`);
    masks.push(`${imageId},${maskPath},`);
    options.onProgress?.(k + 1, count);
  }
  const write = (name: string, lines: string[]): void => fs.writeFileSync(path.join(metaDir, name), lines.join('\n') + '\n');
  write('image_ids.txt', ids);
  write('class_labels.txt', labels);
  write('image_sizes.txt', sizes);
  write('localization.txt', boxes);
  write('mask_localization.txt', masks);
  return { root, split, images: count, imageIds: ids };
}
