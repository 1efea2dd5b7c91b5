/**
 * Checks made before the first image of an evaluation, so that a run fails in a second rather than
 * after minutes: the dataset's classes against the model's, every file of the split present, and the
 * output folder writable with no earlier result in the way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WsolDataset, itemFiles } from './dataset';

/** What {@link matchClasses} decided. */
export interface ClassMatch {
  /** The dataset with class indices in the model's order. */
  readonly dataset: WsolDataset;
  /** A line for the terminal when something is worth knowing (a reordering, unchecked names). */
  readonly note?: string;
}

/**
 * Compares the dataset's classes with the model's. With class names (the dataset's classes.txt),
 * the same names in another order are mapped onto the model's indices by name (and said so); a
 * name the model lacks is an error. Without names (wsolevaluation's datasets), the class indices
 * must lie within the model's classes, and are taken to be in the model's order.
 *
 * @throws Error naming the classes file and line of a class the model lacks, or the
 * class_labels.txt entry of an index the model cannot predict.
 */
export function matchClasses(dataset: WsolDataset, modelClasses: readonly string[], modelName: string): ClassMatch {
  const { classes, location } = dataset;
  const labelsFile = path.join(dataset.root, 'class_labels.txt');
  if (classes === undefined) {
    const worst = dataset.items.reduce((a, b) => (b.classIndex > a.classIndex ? b : a));
    if (worst.classIndex >= modelClasses.length) {
      throw new Error(`${labelsFile}: '${worst.imageId}' has class ${worst.classIndex} but model '${modelName}' has ${modelClasses.length} classes (0 … ${modelClasses.length - 1})`);
    }
    return { dataset, note: `the dataset has no class names: its class indices are taken as model '${modelName}''s (${modelClasses.length} classes)` };
  }
  const file = location.classesFile as string;
  const byName = new Map(modelClasses.map((name, i) => [name, i]));
  classes.forEach((name, i) => {
    if (!byName.has(name)) throw new Error(`${file}:${i + 1}: class '${name}' is not a class of model '${modelName}' (${modelClasses.slice(0, 5).join(', ')}${modelClasses.length > 5 ? ', …' : ''})`);
  });
  const toModel = classes.map((name) => byName.get(name) as number);
  if (toModel.every((m, i) => m === i)) return { dataset };
  const moved = toModel.filter((m, i) => m !== i).length;
  return {
    dataset: { ...dataset, classes: modelClasses, items: dataset.items.map((it) => ({ ...it, classIndex: toModel[it.classIndex] })) },
    note: `${file} lists the model's classes in another order (${moved} of ${classes.length} moved): labels mapped to model '${modelName}''s indices by name`,
  };
}

/**
 * Checks that every image, mask and ignore file of the first `count` items exists.
 *
 * @throws Error listing the first missing files and how many are missing.
 */
export function checkFilesPresent(dataset: WsolDataset, count = dataset.items.length): void {
  const missing: string[] = [];
  for (const item of dataset.items.slice(0, count)) {
    for (const file of itemFiles(item)) if (!fs.existsSync(file)) missing.push(`${file} (of '${item.imageId}')`);
  }
  if (missing.length === 0) return;
  const shown = missing.slice(0, 5).join('\n  ');
  throw new Error(`${missing.length} file(s) of ${dataset.name || dataset.split} not found (image root ${dataset.location.imageRoot}):\n  ${shown}${missing.length > 5 ? '\n  …' : ''}`);
}

/**
 * Makes `dir` (with its parents) and checks that files can be written there.
 *
 * @throws Error naming the folder when it is a file or cannot be written.
 */
export function prepareOutputFolder(dir: string): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: --out must be a folder, this is a file`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    throw new Error(`${dir}: cannot write the results there (${(error as Error).message})`);
  }
}

/** What names a run's result files ({@link resultBaseName}). */
export interface RunNaming {
  readonly model: string;
  readonly dataset: string;
  readonly split: string;
  readonly methods: readonly string[];
  readonly crf: boolean;
  /** With `crf`: which parameters refine (the model's calibrated ones or the seed notebook's). @default 'calibrated' */
  readonly crfPreset?: 'calibrated' | 'seed';
  readonly limit?: number;
  readonly target?: 'true' | 'predicted';
  readonly frame?: 'image' | 'input';
}

/**
 * The base name of a run's files: model, dataset and split, the methods (and `crf`), and the
 * options that change the figures when they are not the defaults —
 * e.g. `cam-default_CUB-test_cam+gradCam_crf`, `…_first100`, `…_predicted`, `…_input-frame`.
 */
export function resultBaseName(run: RunNaming): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._+-]+/g, '-');
  const parts = [safe(run.model), safe(run.dataset === '' ? run.split : `${run.dataset}-${run.split}`), safe(run.methods.join('+'))];
  if (run.crf) parts.push(run.crfPreset === 'seed' ? 'crf-seed' : 'crf');
  if (run.limit !== undefined) parts.push(`first${run.limit}`);
  if (run.target === 'predicted') parts.push('predicted');
  if (run.frame === 'input') parts.push('input-frame');
  return parts.join('_');
}
