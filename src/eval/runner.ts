/**
 * Runs localization methods over a dataset split and evaluates them: decode a batch, classify it
 * once ({@link topK}), compute each method's heatmaps for the true class (the GT-known protocol of
 * wsolevaluation), optionally refine them with a dense CRF, bring them to the image's size and
 * feed a {@link WsolEvaluator} per row. Rows are `method` and, with a refiner, `method+crf`.
 *
 * Only the current batch is held in memory; per row the evaluator's counters and the best/worst
 * cases are kept.
 */
import * as tf from '@tensorflow/tfjs';
import { CamOptions } from '../cam/core';
import { topK } from '../cam/top-k';
import { refineCamWithCrf, CamCrfOptions } from '../crf/refine-cam';
import { resizeHeatmap } from '../draw/resize';
import { ClassifierFn } from '../metrics/classifier';
import { confidencePairs } from '../metrics/confidenceChange';
import { deletionCurve, insertionCurve, PerturbationCurveOptions } from '../metrics/deletionInsertion';
import { EvaluationResult, EvaluationSample, WsolEvaluator, WsolEvaluatorOptions } from '../metrics/evaluator';
import { Heatmap, ObjectMask } from '../types';
import { LoadedModel } from '../weights';
import { RgbImage } from '../display/png';
import { WsolDataset, WsolDatasetItem, readObjectMask, readRgbImage } from './dataset';

/** A heatmap method of src/cam: `(model, images, options) → one map per image`. */
export type LocalizationMethod = (model: tf.LayersModel, images: tf.Tensor4D, options?: CamOptions) => Promise<Heatmap[]>;

/** Turns a heatmap into a refined [0, 1] heatmap of the same size, using the image. */
export type HeatmapRefiner = (image: RgbImage, heatmap: Heatmap) => Heatmap;

/** One method to evaluate. */
export interface MethodSpec {
  readonly name: string;
  readonly method: LocalizationMethod;
  /** Extra method options (the target is set by the runner). */
  readonly options?: Omit<CamOptions, 'target'>;
}

/** One image's figures in a row, for best/worst views. */
export interface CaseRecord {
  readonly imageId: string;
  readonly classIndex: number;
  readonly predicted: number;
  /** IoU of the CAM-protocol box, when the image has boxes. */
  readonly camIoU?: number;
  /** Mask IoU at the evaluator's mask threshold, when the image has a mask. */
  readonly maskIoU?: number;
}

/** The figure cases are ranked by: the CAM-protocol IoU, else the mask IoU. */
function caseScore(c: CaseRecord): number {
  return c.camIoU ?? c.maskIoU ?? 0;
}

/** The figures of one row (a method, refined or not). */
export interface MethodRow {
  readonly method: string;
  readonly refined: boolean;
  readonly result: EvaluationResult;
  /** Seconds spent in the method (and the refiner, for refined rows). */
  readonly methodSeconds: number;
  /** Highest and lowest CAM-protocol IoU (mask IoU without boxes), `cases` of each. */
  readonly best: readonly CaseRecord[];
  readonly worst: readonly CaseRecord[];
}

/** Options of {@link evaluateDataset}. */
export interface EvaluateDatasetOptions {
  /** The methods, one row each. */
  readonly methods: readonly MethodSpec[];
  /** A refiner (e.g. {@link crfRefiner}) adds a `<method>+<refinerName>` row per method. @default none */
  readonly refiner?: HeatmapRefiner;
  /** Suffix of refined rows. @default 'crf' */
  readonly refinerName?: string;
  /** Images per batch. @default 32 */
  readonly batchSize?: number;
  /** Evaluate only the first `limit` images. @default all */
  readonly limit?: number;
  /** Explain the true class (GT-known protocol) or the predicted one. @default 'true' */
  readonly target?: 'true' | 'predicted';
  /** Best and worst cases kept per row. @default 5 */
  readonly cases?: number;
  /**
   * Images (the first ones) on which the faithfulness metrics run — deletion/insertion AUC and the
   * confidence pair; each costs 2·(steps + 1) + 2 forward passes. @default 0 (off)
   */
  readonly faithfulnessImages?: number;
  /** Options of the deletion and insertion curves. @default { steps: 50 } */
  readonly faithfulness?: PerturbationCurveOptions;
  /** Evaluator options (threshold grid, IoU thresholds, CAM threshold, mask threshold). */
  readonly evaluator?: WsolEvaluatorOptions;
  /** Called after each batch. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Where the time went, in seconds. */
export interface EvaluationTimings {
  readonly total: number;
  /** CPU seconds of the process (all threads) over the run: > total when several cores work. */
  readonly cpu: number;
  readonly decode: number;
  readonly classify: number;
  readonly methods: number;
  readonly refine: number;
  readonly metrics: number;
  readonly faithfulness: number;
}

/** What {@link evaluateDataset} returns. */
export interface DatasetEvaluation {
  readonly dataset: {
    readonly root: string;
    readonly split: string;
    readonly images: number;
    readonly hasBoxes: boolean;
    readonly hasMasks: boolean;
  };
  readonly model: string;
  readonly classification: { readonly top1: number; readonly top5: number };
  readonly rows: readonly MethodRow[];
  readonly timings: EvaluationTimings;
  /** Images per second over the whole run (all rows). */
  readonly imagesPerSecond: number;
}

/**
 * A {@link HeatmapRefiner} with the dense CRF of src/crf ({@link refineCamWithCrf}): the refined
 * heatmap is the CRF's object marginal Q_1, in [0, 1].
 */
export function crfRefiner(options: CamCrfOptions = {}): HeatmapRefiner {
  return (image, heatmap) => {
    const n = image.width * image.height;
    const result = refineCamWithCrf(image, heatmap, options);
    return { width: image.width, height: image.height, data: result.Q.slice(n, 2 * n) };
  };
}

/** Resizes a map to the image's size when needed and clamps round-off into [0, 1]. */
function toImageFrame(heatmap: Heatmap, width: number, height: number): Heatmap {
  const resized = resizeHeatmap(heatmap, width, height);
  const data = resized === heatmap ? heatmap.data : resized.data;
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]));
  return { width, height, data };
}

/** A classifier over raw RGB in [0, 1] (`[N, H, W, 3]`), for the faithfulness metrics: 0 is black. */
function rawPixelClassifier(loaded: LoadedModel): ClassifierFn {
  return (x) =>
    tf.tidy(() => {
      const input = loaded.preprocess(tf.mul(x, 255) as tf.Tensor4D);
      return loaded.model.predict(input) as tf.Tensor2D;
    });
}

class CaseKeeper {
  private best: CaseRecord[] = [];
  private worst: CaseRecord[] = [];
  constructor(private readonly keep: number) {}
  add(c: CaseRecord): void {
    if (this.keep === 0) return;
    this.best = [...this.best, c].sort((a, b) => caseScore(b) - caseScore(a)).slice(0, this.keep);
    this.worst = [...this.worst, c].sort((a, b) => caseScore(a) - caseScore(b)).slice(0, this.keep);
  }
  get records(): { best: CaseRecord[]; worst: CaseRecord[] } {
    return { best: this.best, worst: this.worst };
  }
}

interface RowState {
  readonly name: string;
  readonly refined: boolean;
  readonly evaluator: WsolEvaluator;
  readonly cases: CaseKeeper;
  seconds: number;
}

interface Batch {
  readonly items: readonly WsolDatasetItem[];
  readonly images: readonly RgbImage[];
  readonly masks: readonly (ObjectMask | undefined)[];
}

async function decodeBatch(items: readonly WsolDatasetItem[]): Promise<Batch> {
  const images = await Promise.all(items.map((it) => readRgbImage(it.imagePath, it)));
  const masks = await Promise.all(items.map((it) => readObjectMask(it)));
  return { items, images, masks };
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function checkOptions(options: EvaluateDatasetOptions): void {
  if (options.methods.length === 0) throw new RangeError('evaluateDataset: give at least one method');
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  for (const [name, v] of [['limit', options.limit], ['cases', options.cases], ['faithfulnessImages', options.faithfulnessImages]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
}

function makeRows(options: EvaluateDatasetOptions): RowState[] {
  const rows: RowState[] = [];
  const row = (name: string, refined: boolean): RowState => ({
    name,
    refined,
    evaluator: new WsolEvaluator(options.evaluator),
    cases: new CaseKeeper(options.cases ?? 5),
    seconds: 0,
  });
  for (const spec of options.methods) {
    rows.push(row(spec.name, false));
    if (options.refiner !== undefined) rows.push(row(`${spec.name}+${options.refinerName ?? 'crf'}`, true));
  }
  return rows;
}

type Timings = { -readonly [K in Exclude<keyof EvaluationTimings, 'total' | 'cpu'>]: number };

/** What every batch of a run shares. */
interface RunContext {
  readonly options: EvaluateDatasetOptions;
  /** The model on raw RGB in [0, 1], for the faithfulness metrics. */
  readonly classifier: ClassifierFn;
  readonly time: Timings;
}

/** Everything one batch shares between the methods. */
interface BatchContext {
  readonly batch: Batch;
  /** Index of the batch's first image in the run. */
  readonly first: number;
  readonly ranking: readonly number[][];
  readonly targets: readonly number[];
}

/** Accumulates one map of one image into a row (with faithfulness figures for the first images). */
async function accumulateInto(
  row: RowState,
  ctx: BatchContext,
  b: number,
  heatmap: Heatmap,
  run: RunContext,
): Promise<void> {
  const item = ctx.batch.items[b];
  const sample: EvaluationSample = {
    heatmap,
    boxes: item.boxes.length > 0 ? item.boxes : undefined,
    mask: ctx.batch.masks[b],
    classIndex: item.classIndex,
    ranking: ctx.ranking[b],
  };
  const withFaithfulness =
    ctx.first + b < (run.options.faithfulnessImages ?? 0)
      ? { ...sample, ...(await faithfulness(run.classifier, ctx.batch.images[b], heatmap, ctx.targets[b], run.options, run.time)) }
      : sample;
  const t = now();
  const scores = row.evaluator.accumulate(withFaithfulness);
  row.cases.add({ imageId: item.imageId, classIndex: item.classIndex, predicted: ctx.ranking[b][0], camIoU: scores.camIoU, maskIoU: scores.maskIoU });
  run.time.metrics += now() - t;
}

/** Runs every method (and the refiner) on one classified batch. */
async function evaluateMethods(
  loaded: LoadedModel,
  input: tf.Tensor4D,
  ctx: BatchContext,
  rows: readonly RowState[],
  run: RunContext,
): Promise<void> {
  const { options, time } = run;
  const perMethod = options.refiner !== undefined ? 2 : 1;
  for (let m = 0; m < options.methods.length; m++) {
    const spec = options.methods[m];
    let t = now();
    const maps = await spec.method(loaded.model, input, { ...spec.options, target: [...ctx.targets] });
    const methodTime = now() - t;
    time.methods += methodTime;
    const plain = rows[m * perMethod];
    plain.seconds += methodTime;
    for (let b = 0; b < ctx.batch.items.length; b++) {
      const item = ctx.batch.items[b];
      t = now();
      const heatmap = toImageFrame(maps[b], item.width, item.height);
      time.metrics += now() - t;
      await accumulateInto(plain, ctx, b, heatmap, run);
      if (options.refiner === undefined) continue;
      t = now();
      const refined = toImageFrame(options.refiner(ctx.batch.images[b], heatmap), item.width, item.height);
      const refineTime = now() - t;
      time.refine += refineTime;
      const refinedRow = rows[m * perMethod + 1];
      refinedRow.seconds += refineTime + methodTime / ctx.batch.items.length;
      await accumulateInto(refinedRow, ctx, b, refined, run);
    }
  }
}

function imagesToInput(loaded: LoadedModel, images: readonly RgbImage[]): tf.Tensor4D {
  return tf.tidy(() =>
    loaded.preprocess(tf.stack(images.map((im) => tf.tensor3d(im.data, [im.height, im.width, 3], 'int32'))) as tf.Tensor4D),
  );
}

/**
 * Evaluates `options.methods` (and their refined variants) on a dataset split with a loaded model.
 *
 * @example
 * ```ts
 * const data = readWsolDataset('data/bench', 'test');
 * const report = await evaluateDataset(await load('cam-default'), data, { methods: [{ name: 'cam', method: cam }] });
 * ```
 * @throws Error from the reader (a missing or malformed file) or a method; RangeError for bad options.
 */
export async function evaluateDataset(
  loaded: LoadedModel,
  dataset: WsolDataset,
  options: EvaluateDatasetOptions,
): Promise<DatasetEvaluation> {
  checkOptions(options);
  const batchSize = options.batchSize ?? 32;
  const items = dataset.items.slice(0, options.limit ?? dataset.items.length);
  const rows = makeRows(options);
  const time: Timings = { decode: 0, classify: 0, methods: 0, refine: 0, metrics: 0, faithfulness: 0 };
  const run: RunContext = { options, classifier: rawPixelClassifier(loaded), time };
  const classCount = loaded.manifest.classes.length;
  let top1 = 0;
  let top5 = 0;
  const start = now();
  const cpuStart = process.cpuUsage();
  let next: Promise<Batch> | undefined = items.length > 0 ? decodeBatch(items.slice(0, batchSize)) : undefined;
  try {
    for (let first = 0; first < items.length; first += batchSize) {
      let t = now();
      const batch = await (next as Promise<Batch>);
      // decode the next batch while this one is computed
      next = first + batchSize < items.length ? decodeBatch(items.slice(first + batchSize, first + 2 * batchSize)) : undefined;
      time.decode += now() - t;
      t = now();
      const input = imagesToInput(loaded, batch.images);
      try {
        const ranking = (await topK(loaded.model, input, Math.min(5, classCount))).map((r) => r.classes);
        time.classify += now() - t;
        const truth = batch.items.map((it) => it.classIndex);
        ranking.forEach((classes, b) => {
          if (classes[0] === truth[b]) top1++;
          if (classes.includes(truth[b])) top5++;
        });
        const targets = options.target === 'predicted' ? ranking.map((classes) => classes[0]) : truth;
        await evaluateMethods(loaded, input, { batch, first, ranking, targets }, rows, run);
      } finally {
        input.dispose();
      }
      options.onProgress?.(Math.min(first + batchSize, items.length), items.length);
    }
  } finally {
    // a prefetched batch that is no longer awaited must not become an unhandled rejection
    next?.catch(() => undefined);
  }
  const total = now() - start;
  const cpuUsed = process.cpuUsage(cpuStart);
  const n = items.length;
  return {
    dataset: { root: dataset.root, split: dataset.split, images: n, hasBoxes: dataset.hasBoxes, hasMasks: dataset.hasMasks },
    model: loaded.manifest.name,
    classification: { top1: n > 0 ? top1 / n : 0, top5: n > 0 ? top5 / n : 0 },
    rows: rows.map((r) => ({ method: r.name, refined: r.refined, result: r.evaluator.compute(), methodSeconds: r.seconds, ...r.cases.records })),
    timings: { total, cpu: (cpuUsed.user + cpuUsed.system) / 1e6, ...time },
    imagesPerSecond: total > 0 ? n / total : 0,
  };
}

/** Deletion/insertion AUC and the confidence pair of one map, on raw pixels in [0, 1]. */
async function faithfulness(
  classifier: ClassifierFn,
  image: RgbImage,
  heatmap: Heatmap,
  classIndex: number,
  options: EvaluateDatasetOptions,
  time: Timings,
): Promise<Pick<EvaluationSample, 'deletionAuc' | 'insertionAuc' | 'confidence'>> {
  const t = now();
  const pixels = tf.tidy(() => tf.div(tf.tensor3d(image.data, [image.height, image.width, 3], 'float32'), 255) as tf.Tensor3D);
  try {
    const curveOptions = { steps: 50, ...options.faithfulness };
    const deletion = await deletionCurve(classifier, pixels, heatmap, classIndex, curveOptions);
    const insertion = await insertionCurve(classifier, pixels, heatmap, classIndex, curveOptions);
    const batch = tf.expandDims(pixels, 0) as tf.Tensor4D;
    const [pair] = await confidencePairs(classifier, batch, [heatmap], [classIndex]).finally(() => batch.dispose());
    return { deletionAuc: deletion.auc, insertionAuc: insertion.auc, confidence: pair.original > 0 ? pair : undefined };
  } finally {
    pixels.dispose();
    time.faithfulness += now() - t;
  }
}
