/**
 * Export of a benchmark split to disk in the layout of wsolevaluation (Choe et al., "Evaluating
 * Weakly Supervised Object Localization Methods Right", CVPR 2020, github.com/clovaai/wsolevaluation),
 * with exactly its files, so that one evaluator — and any tool that reads that layout — reads this
 * benchmark and CUB, ILSVRC or OpenImages alike. Boxes and masks are two datasets over the same
 * images, as wsolevaluation keeps boxes (CUB, ILSVRC) and masks (OpenImages) apart:
 *
 * ```
 * <root>/metadata/<name>/<split>/image_ids.txt          <split>/<id>.png
 * <root>/metadata/<name>/<split>/class_labels.txt       image_id,class_index
 * <root>/metadata/<name>/<split>/image_sizes.txt        image_id,width,height
 * <root>/metadata/<name>/<split>/localization.txt       image_id,x0,y0,x1,y1   (inclusive corners, `Box`)
 * <root>/metadata/<name>/classes.txt                    line i = name of class i (this project's; wsolevaluation has none)
 * <root>/metadata/<name>-masks/<split>/…                the same three files; localization.txt:
 *                                                       image_id,<split>/<id>_mask.png,<split>/<id>_ignore.png
 * <root>/dataset/<name>/<split>/<id>.png                RGB image
 * <root>/dataset/<name>-masks/<split>/<id>.png          the same image (a hard link where the file system allows)
 * <root>/dataset/<name>-masks/<split>/<id>_mask.png     binary mask, 255 = object (alpha ≥ 0.5), 0 = background
 * <root>/dataset/<name>-masks/<split>/<id>_ignore.png   ignore mask, all 0 (nothing ignored; wsolevaluation needs the file)
 * ```
 *
 * The evaluator (src/eval) reads `<name>` with the masks of `<name>-masks` merged in. Sample i of the
 * split gets the id `i` zero-padded to 6 digits, so exports of different sizes agree on their common
 * images. Metadata files are written whole (temporary file, then rename), after the images.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Benchmark, BenchmarkSample } from './generator';
import { assertSplit, Split } from './splits';
import { writeFileAtomic } from '../eval/checkpoint';

/** The default dataset name of an export. */
export const EXPORT_DATASET = 'synthetic';

/** Options of {@link exportSplit}. */
export interface ExportOptions {
  /** The dataset's name (folders `metadata/<name>`, `dataset/<name>`). @default 'synthetic' */
  readonly name?: string;
  /** Index of the first sample exported. @default 0 */
  readonly first?: number;
  /** Called after each image with the number written so far. @default none */
  readonly onProgress?: (written: number, total: number) => void;
}

/** What {@link exportSplit} wrote. */
export interface ExportResult {
  readonly root: string;
  readonly name: string;
  readonly split: Split;
  readonly images: number;
  /** The image_ids, in order. */
  readonly imageIds: readonly string[];
}

/** The id of sample `index`: six digits, zero-padded. */
export function sampleId(index: number): string {
  return String(index).padStart(6, '0');
}

/** The 8-bit mask of a sample: 255 where it is object (alpha ≥ 0.5), 0 elsewhere — binary, as wsolevaluation reads masks (any non-zero pixel is object). */
export function maskBytes(sample: BenchmarkSample): Uint8Array {
  return Uint8Array.from(sample.mask, (m) => (m === 1 ? 255 : 0));
}

/** Hard-links `from` to `to` (replacing `to`), copying where the file system has no hard links. */
function linkOrCopy(from: string, to: string): void {
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
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
 * // npm run eval -- --data data/synthetic --model cam-default   (boxes and masks)
 * ```
 * @throws RangeError for an unknown split, a count that is not a positive integer or a bad name.
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
  const name = options.name ?? EXPORT_DATASET;
  if (!/^[A-Za-z0-9._]+$/.test(name)) throw new RangeError(`name must be letters, digits, '.' or '_', got '${name}'`);
  const masksName = `${name}-masks`;
  const imageDir = path.join(root, 'dataset', name, split);
  const maskDir = path.join(root, 'dataset', masksName, split);
  const metaDir = path.join(root, 'metadata', name, split);
  const maskMetaDir = path.join(root, 'metadata', masksName, split);
  for (const dir of [imageDir, maskDir, metaDir, maskMetaDir]) fs.mkdirSync(dir, { recursive: true });

  const ids: string[] = [];
  const labels: string[] = [];
  const sizes: string[] = [];
  const boxes: string[] = [];
  const masks: string[] = [];
  for (let k = 0; k < count; k++) {
    const index = first + k;
    const s = bench.sample(split, index);
    const id = sampleId(index);
    const imageId = `${split}/${id}.png`;
    await writePng(path.join(imageDir, `${id}.png`), s.image, s.width, s.height, 3);
    linkOrCopy(path.join(imageDir, `${id}.png`), path.join(maskDir, `${id}.png`));
    await writePng(path.join(maskDir, `${id}_mask.png`), maskBytes(s), s.width, s.height, 1);
    await writePng(path.join(maskDir, `${id}_ignore.png`), new Uint8Array(s.width * s.height), s.width, s.height, 1);
    ids.push(imageId);
    labels.push(`${imageId},${s.classIndex}`);
    sizes.push(`${imageId},${s.width},${s.height}`);
    boxes.push(`${imageId},${s.box.x0},${s.box.y0},${s.box.x1},${s.box.y1}`);
    masks.push(`${imageId},${split}/${id}_mask.png,${split}/${id}_ignore.png`);
    options.onProgress?.(k + 1, count);
  }
  const write = (dir: string, file: string, lines: string[]): void => writeFileAtomic(path.join(dir, file), lines.join('\n') + '\n');
  write(path.join(root, 'metadata', name), 'classes.txt', [...bench.classes]);
  for (const dir of [metaDir, maskMetaDir]) {
    write(dir, 'image_ids.txt', ids);
    write(dir, 'class_labels.txt', labels);
    write(dir, 'image_sizes.txt', sizes);
  }
  write(metaDir, 'localization.txt', boxes);
  write(maskMetaDir, 'localization.txt', masks);
  return { root, name, split, images: count, imageIds: ids };
}
