/**
 * Runs localization methods over a dataset split and evaluates them: decode a batch, classify it
 * once ({@link topK}), compute each method's heatmaps for the true class (the GT-known protocol of
 * wsolevaluation), optionally refine them with a dense CRF, bring them to the image's size and
 * feed a {@link WsolEvaluator} per row. Rows are `method` and, with a refiner, `method+crf`.
 *
 * Only the current batch is held in memory; per row the evaluator's counters and the best/worst
 * cases are kept. After each batch the run's state can be checkpointed ({@link EvaluationCheckpoint})
 * and a run resumed from it; an image that fails is named, and with `keepGoing` skipped.
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
import { Heatmap, assertBoxInside } from '../types';
import { assertUnitHeatmap } from '../metrics/heatmapChecks';
import { LoadedModel } from '../weights';
import { RgbImage } from '../display/png';
import { WsolDataset, WsolDatasetItem, readObjectMask, readRgbImage } from './dataset';
import { EvaluationCheckpoint, SkippedImage, idsDigest, runKey } from './checkpoint';
import { EvaluationFrame, FramedImage, toInputFrame } from './frame';

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
  /** Images per batch (any sizes mix: each image is resized to the model's input). @default 32 */
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
  /**
   * Where maps are scored: at each image's own size ('image'), or at the model's input size with the
   * ground truth rescaled as wsolevaluation's code does ('input', {@link toInputFrame}). @default 'image'
   */
  readonly frame?: EvaluationFrame;
  /** Called after each batch. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Skip an image that cannot be evaluated (unreadable file, a method or the refiner failing on
   * it) instead of stopping the run; the report lists the skipped images. @default false
   */
  readonly keepGoing?: boolean;
  /** Called for each skipped image (with `keepGoing`). */
  readonly onSkip?: (skipped: SkippedImage) => void;
  /** Continue a run from its checkpoint ({@link EvaluationCheckpoint}); its key must match the run's. */
  readonly resumeFrom?: EvaluationCheckpoint;
  /** Called after each batch with the run's checkpoint (write it to resume an interrupted run). */
  readonly onCheckpoint?: (checkpoint: EvaluationCheckpoint) => void;
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
    readonly name: string;
    readonly split: string;
    /** Images of the run (after `limit`), evaluated or skipped. */
    readonly images: number;
    readonly hasBoxes: boolean;
    readonly hasMasks: boolean;
  };
  readonly model: string;
  /** Where the maps were scored ({@link EvaluationFrame}). */
  readonly frame: EvaluationFrame;
  /** Top-1 / top-5 classification accuracy over the evaluated images. */
  readonly classification: { readonly top1: number; readonly top5: number };
  readonly rows: readonly MethodRow[];
  /** Images left out (`keepGoing`), with the reason. */
  readonly skipped: readonly SkippedImage[];
  /** Images that came from a checkpoint (0 for a run in one go). */
  readonly resumedAt: number;
  /** Summed over every session of the run (a resumed run adds its earlier sessions). */
  readonly timings: EvaluationTimings;
  /** Images per second over the whole run (all rows). */
  readonly imagesPerSecond: number;
}

/** An image that could not be evaluated, with its id. */
export class ImageEvaluationError extends Error {
  constructor(
    readonly imageId: string,
    readonly file: string,
    readonly cause: Error,
  ) {
    super(`image '${imageId}' (${file}): ${cause.message}`);
  }
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
  constructor(
    private readonly keep: number,
    private best: CaseRecord[] = [],
    private worst: CaseRecord[] = [],
  ) {}
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

/** One decoded image with its ground truth, in the frame it is scored in ({@link EvaluationFrame}). */
interface Decoded extends FramedImage {
  /** Position of the image in the run. */
  readonly index: number;
  readonly item: WsolDatasetItem;
}

/** Decodes an item, checks its ground truth against the decoded size and brings both to the scoring frame. */
async function decodeItem(item: WsolDatasetItem, index: number, input?: { width: number; height: number }): Promise<Decoded> {
  const image = await readRgbImage(item.imagePath, item);
  for (const box of item.boxes) assertBoxInside(box, image.width, image.height);
  const mask = await readObjectMask(item, image);
  const framed = input === undefined ? { image, boxes: item.boxes, mask } : toInputFrame({ image, boxes: item.boxes, mask }, input.width, input.height);
  return { index, item, ...framed };
}

type Outcome = { readonly ok: Decoded } | { readonly failed: ImageEvaluationError };

function asImageError(item: WsolDatasetItem, error: unknown): ImageEvaluationError {
  if (error instanceof ImageEvaluationError) return error;
  return new ImageEvaluationError(item.imageId, item.imagePath, error instanceof Error ? error : new Error(String(error)));
}

/** Decodes `items` (the run's images from `first` on), each to its image or its error; `input`: the input frame's size. */
async function decodeBatch(items: readonly WsolDatasetItem[], first: number, input?: { width: number; height: number }): Promise<Outcome[]> {
  return Promise.all(items.map((item, k) => decodeItem(item, first + k, input).then((ok) => ({ ok }), (e: unknown) => ({ failed: asImageError(item, e) }))));
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

function rowNames(options: EvaluateDatasetOptions): { name: string; refined: boolean }[] {
  return options.methods.flatMap((spec) => [
    { name: spec.name, refined: false },
    ...(options.refiner === undefined ? [] : [{ name: `${spec.name}+${options.refinerName ?? 'crf'}`, refined: true }]),
  ]);
}

function makeRows(options: EvaluateDatasetOptions, from?: EvaluationCheckpoint): RowState[] {
  return rowNames(options).map(({ name, refined }, r) => {
    const saved = from?.rows[r];
    return {
      name,
      refined,
      evaluator: saved ? WsolEvaluator.restore(saved.evaluator) : new WsolEvaluator(options.evaluator),
      cases: new CaseKeeper(options.cases ?? 5, saved ? [...saved.best] : [], saved ? [...saved.worst] : []),
      seconds: saved?.seconds ?? 0,
    };
  });
}

/**
 * The key of a run ({@link runKey}): the dataset's images (ids, classes, boxes, masks), the model,
 * and every option that changes the figures. Two runs with the same key give the same numbers.
 */
export function evaluationKey(model: string, dataset: WsolDataset, options: EvaluateDatasetOptions): string {
  const items = dataset.items.slice(0, options.limit ?? dataset.items.length);
  return runKey({
    dataset: `${dataset.name}/${dataset.split}`,
    ids: idsDigest(items.map((it) => JSON.stringify([it.imageId, it.classIndex, it.boxes, it.maskPaths.length, it.ignorePath !== undefined]))),
    model,
    rows: rowNames(options).map((r) => r.name),
    methodOptions: options.methods.map((m) => m.options ?? {}),
    target: options.target ?? 'true',
    frame: options.frame ?? 'image',
    cases: options.cases ?? 5,
    faithfulnessImages: options.faithfulnessImages ?? 0,
    faithfulness: options.faithfulness ?? {},
    evaluator: new WsolEvaluator(options.evaluator).state().options,
  });
}

type Timings = { -readonly [K in keyof EvaluationTimings]: number };

/** What every batch of a run shares, and the counts that grow over it. */
interface RunContext {
  readonly loaded: LoadedModel;
  readonly options: EvaluateDatasetOptions;
  readonly rows: readonly RowState[];
  /** The model on raw RGB in [0, 1], for the faithfulness metrics. */
  readonly classifier: ClassifierFn;
  readonly time: Timings;
  readonly counts: { classified: number; top1: number; top5: number };
  readonly skipped: SkippedImage[];
  /** When this session started (wall clock and CPU). */
  readonly session: { readonly start: number; readonly cpu: NodeJS.CpuUsage };
}

/** One image's inputs to every row, computed before anything is counted. */
interface PreparedImage {
  readonly decoded: Decoded;
  readonly ranking: readonly number[];
  /** Per row: the sample and the seconds its map took. */
  readonly samples: { readonly sample: EvaluationSample; readonly seconds: number }[];
}

function sampleOf(d: Decoded, heatmap: Heatmap, ranking: readonly number[]): EvaluationSample {
  assertUnitHeatmap(heatmap);
  return { heatmap, boxes: d.boxes.length > 0 ? d.boxes : undefined, mask: d.mask, classIndex: d.item.classIndex, ranking };
}

function imagesToInput(loaded: LoadedModel, images: readonly RgbImage[]): tf.Tensor4D {
  // each image is resized to the model's input on its own, so a batch may mix sizes
  return tf.tidy(() => tf.concat(images.map((im) => loaded.preprocess(im))) as tf.Tensor4D);
}

/**
 * Computes every row's map of each decoded image (classification, methods, refiner, faithfulness)
 * without counting anything, so that a failure leaves the rows as they were.
 */
async function prepareBatch(run: RunContext, batch: readonly Decoded[]): Promise<PreparedImage[]> {
  const { loaded, options, time } = run;
  let t = now();
  const input = imagesToInput(loaded, batch.map((d) => d.image));
  try {
    const classCount = loaded.manifest.classes.length;
    const ranking = (await topK(loaded.model, input, Math.min(5, classCount))).map((r) => r.classes);
    time.classify += now() - t;
    const targets = batch.map((d, b) => (options.target === 'predicted' ? ranking[b][0] : d.item.classIndex));
    const prepared: PreparedImage[] = batch.map((decoded, b) => ({ decoded, ranking: ranking[b], samples: [] }));
    for (const spec of options.methods) {
      t = now();
      const maps = await spec.method(loaded.model, input, { ...spec.options, target: [...targets] });
      const methodTime = now() - t;
      time.methods += methodTime;
      for (let b = 0; b < batch.length; b++) {
        const { image } = batch[b];
        const heatmap = toImageFrame(maps[b], image.width, image.height);
        prepared[b].samples.push({ sample: sampleOf(batch[b], heatmap, ranking[b]), seconds: methodTime / batch.length });
        if (options.refiner === undefined) continue;
        t = now();
        const refined = toImageFrame(options.refiner(image, heatmap), image.width, image.height);
        const refineTime = now() - t;
        time.refine += refineTime;
        prepared[b].samples.push({ sample: sampleOf(batch[b], refined, ranking[b]), seconds: refineTime + methodTime / batch.length });
      }
    }
    for (let b = 0; b < batch.length; b++) {
      if (batch[b].index >= (options.faithfulnessImages ?? 0)) continue;
      const samples = prepared[b].samples;
      for (let r = 0; r < samples.length; r++) {
        const extra = await faithfulness(run.classifier, batch[b].image, samples[r].sample.heatmap, targets[b], options, time);
        samples[r] = { ...samples[r], sample: { ...samples[r].sample, ...extra } };
      }
    }
    return prepared;
  } finally {
    input.dispose();
  }
}

/** Counts one prepared image into every row. */
function countImage(run: RunContext, p: PreparedImage): void {
  const t = now();
  const { item } = p.decoded;
  run.counts.classified++;
  if (p.ranking[0] === item.classIndex) run.counts.top1++;
  if (p.ranking.includes(item.classIndex)) run.counts.top5++;
  p.samples.forEach(({ sample, seconds }, r) => {
    const row = run.rows[r];
    const scores = row.evaluator.accumulate(sample);
    row.seconds += seconds;
    row.cases.add({ imageId: item.imageId, classIndex: item.classIndex, predicted: p.ranking[0], camIoU: scores.camIoU, maskIoU: scores.maskIoU });
  });
  run.time.metrics += now() - t;
}

function skipOrThrow(run: RunContext, error: ImageEvaluationError): void {
  if (!run.options.keepGoing) throw error;
  const skipped = { imageId: error.imageId, error: error.cause.message };
  run.skipped.push(skipped);
  run.options.onSkip?.(skipped);
}

/**
 * Evaluates decoded images: the whole batch at once, and when that fails, image by image so that
 * the failing image is named (and, with `keepGoing`, skipped).
 */
async function evaluateDecoded(run: RunContext, batch: readonly Decoded[]): Promise<void> {
  let prepared: PreparedImage[];
  try {
    prepared = await prepareBatch(run, batch);
  } catch (error) {
    if (batch.length === 1) return skipOrThrow(run, asImageError(batch[0].item, error));
    for (const one of batch) await evaluateDecoded(run, [one]);
    return;
  }
  for (const p of prepared) countImage(run, p);
}

/** The run's timings: the earlier sessions' and this one's so far. */
function timingsNow(run: RunContext): EvaluationTimings {
  const cpu = process.cpuUsage(run.session.cpu);
  return { ...run.time, total: run.time.total + now() - run.session.start, cpu: run.time.cpu + (cpu.user + cpu.system) / 1e6 };
}

function checkpointOf(run: RunContext, key: string, done: number, total: number): EvaluationCheckpoint {
  return {
    version: 1,
    key,
    done,
    total,
    ...run.counts,
    rows: run.rows.map((r) => ({ name: r.name, refined: r.refined, evaluator: r.evaluator.state(), seconds: r.seconds, ...r.cases.records })),
    skipped: [...run.skipped],
    timings: { ...timingsNow(run) },
  };
}

function startRun(loaded: LoadedModel, options: EvaluateDatasetOptions, key: string, total: number): { run: RunContext; start: number } {
  const from = options.resumeFrom;
  if (from !== undefined && (from.key !== key || from.total !== total || from.rows.length !== rowNames(options).length)) {
    throw new Error('the checkpoint belongs to another evaluation (other images, model, methods or options); start afresh');
  }
  const saved = from?.timings ?? {};
  const time: Timings = { total: 0, cpu: 0, decode: 0, classify: 0, methods: 0, refine: 0, metrics: 0, faithfulness: 0 };
  for (const k of Object.keys(time) as (keyof Timings)[]) time[k] = saved[k] ?? 0;
  const run: RunContext = {
    loaded,
    options,
    rows: makeRows(options, from),
    classifier: rawPixelClassifier(loaded),
    time,
    counts: { classified: from?.classified ?? 0, top1: from?.top1 ?? 0, top5: from?.top5 ?? 0 },
    skipped: [...(from?.skipped ?? [])],
    session: { start: now(), cpu: process.cpuUsage() },
  };
  return { run, start: from?.done ?? 0 };
}

/**
 * Evaluates `options.methods` (and their refined variants) on a dataset split with a loaded model.
 * Images of any size mix in a batch: each is resized to the model's input, and its maps are brought
 * back to the image's own size, where its boxes and masks are.
 *
 * @example
 * ```ts
 * const data = readWsolDataset({ data: 'wsolevaluation', dataset: 'CUB', split: 'test' });
 * const report = await evaluateDataset(await load('cam-default'), data, { methods: [{ name: 'cam', method: cam }] });
 * ```
 * @throws ImageEvaluationError naming the image that failed (unless `keepGoing`); Error for a
 * checkpoint of another run; RangeError for bad options.
 */
export async function evaluateDataset(
  loaded: LoadedModel,
  dataset: WsolDataset,
  options: EvaluateDatasetOptions,
): Promise<DatasetEvaluation> {
  checkOptions(options);
  const batchSize = options.batchSize ?? 32;
  const items = dataset.items.slice(0, options.limit ?? dataset.items.length);
  const key = evaluationKey(loaded.manifest.name, dataset, options);
  const { run, start } = startRun(loaded, options, key, items.length);
  const { time } = run;
  const [inputHeight, inputWidth] = loaded.manifest.inputSize;
  const input = options.frame === 'input' ? { width: inputWidth, height: inputHeight } : undefined;
  const batchAt = (first: number): Promise<Outcome[]> | undefined =>
    first < items.length ? decodeBatch(items.slice(first, first + batchSize), first, input) : undefined;
  let next = batchAt(start);
  try {
    for (let first = start; first < items.length; first += batchSize) {
      const t = now();
      const outcomes = await (next as Promise<Outcome[]>);
      // decode the next batch while this one is computed
      next = batchAt(first + batchSize);
      time.decode += now() - t;
      const decoded: Decoded[] = [];
      for (const o of outcomes) {
        if ('ok' in o) decoded.push(o.ok);
        else skipOrThrow(run, o.failed);
      }
      if (decoded.length > 0) await evaluateDecoded(run, decoded);
      const done = Math.min(first + batchSize, items.length);
      options.onCheckpoint?.(checkpointOf(run, key, done, items.length));
      options.onProgress?.(done, items.length);
    }
  } finally {
    // a prefetched batch that is no longer awaited must not become an unhandled rejection
    next?.catch(() => undefined);
  }
  const timings = timingsNow(run);
  const n = run.counts.classified;
  return {
    dataset: { root: dataset.root, name: dataset.name, split: dataset.split, images: items.length, hasBoxes: dataset.hasBoxes, hasMasks: dataset.hasMasks },
    model: loaded.manifest.name,
    frame: options.frame ?? 'image',
    classification: { top1: n > 0 ? run.counts.top1 / n : 0, top5: n > 0 ? run.counts.top5 / n : 0 },
    rows: run.rows.map((r) => ({ method: r.name, refined: r.refined, result: r.evaluator.compute(), methodSeconds: r.seconds, ...r.cases.records })),
    skipped: run.skipped,
    resumedAt: start,
    timings,
    imagesPerSecond: timings.total > 0 ? items.length / timings.total : 0,
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
