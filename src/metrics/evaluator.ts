/**
 * The WSOL evaluator: `accumulate()` one image at a time, `compute()` the set's numbers. Memory is
 * flat in the number of images — per-threshold counters and histograms only — following
 * wsolevaluation's `BoxEvaluator` / `MaskEvaluator` (Choe et al., "Evaluating Weakly Supervised
 * Object Localization Methods Right", CVPR 2020).
 *
 * Per image (heatmap of the **true class**, values in [0, 1]; boxes and mask in the heatmap's frame):
 * - boxes → CAM protocol (GT-known, top-1/top-5 localization, {@link localizeSample}) and the
 *   threshold sweep ({@link sweepBoxIoU});
 * - mask → PxAP histograms and mask IoU over the grid;
 * - optional faithfulness figures computed elsewhere (deletion/insertion AUC, confidence pair).
 *
 * Set-level definitions (T thresholds τ_i, images j with boxes):
 * - MaxBoxAcc = max_i (1/|J|)·Σ_j 1[IoU_largest(j, τ_i) ≥ 0.5];
 * - MaxBoxAccV2 = mean over δ ∈ {0.3, 0.5, 0.7} of max_i (1/|J|)·Σ_j 1[IoU_best(j, τ_i) ≥ δ];
 * - PxAP from the summed histograms ({@link pixelAveragePrecision});
 * - mask IoU at the best threshold = max_i of the mean per-image IoU(τ_i).
 * All accuracies are fractions in [0, 1]; a figure without data is `null`.
 */
import { Box, Heatmap, ObjectMask } from '../types';
import { sweepBoxIoU } from './boxSweep';
import { CAM_PROTOCOL_THRESHOLD } from './boxesFromHeatmap';
import { ConfidencePair, averageDrop, increaseInConfidence } from './confidenceChange';
import { assertUnitHeatmap } from './heatmapChecks';
import { inTopK, localizeSample } from './localization';
import { maskIoU, maskIoUSweep } from './maskIoU';
import {
  PixelScoreHistograms,
  addPixelHistograms,
  emptyPixelHistograms,
  pixelAveragePrecision,
  pixelPrecisionRecall,
  pixelScoreHistograms,
} from './pixelPrecisionRecall';
import { DEFAULT_CAM_CURVE_INTERVAL, thresholdGrid } from './thresholds';

/** Options of {@link WsolEvaluator}. */
export interface WsolEvaluatorOptions {
  /** Spacing of the threshold grid. @default 0.01 */
  readonly camCurveInterval?: number;
  /** IoU thresholds averaged by MaxBoxAccV2. @default [0.3, 0.5, 0.7] */
  readonly iouThresholds?: readonly number[];
  /** IoU threshold of MaxBoxAcc (largest component) and of the CAM protocol. @default 0.5 */
  readonly localizationIoU?: number;
  /** CAM-protocol box threshold, a fraction of the map's max. @default 0.2 */
  readonly camThreshold?: number;
  /** Fixed threshold of the reported mask IoU (pixels `v ≥ τ`). @default 0.5 */
  readonly maskThreshold?: number;
}

/** One image's inputs. */
export interface EvaluationSample {
  /** Heatmap of the true class, values in [0, 1]. */
  readonly heatmap: Heatmap;
  /** Ground-truth boxes in the heatmap's frame; omit for mask-only data. */
  readonly boxes?: readonly Box[];
  /** Ground-truth mask of the heatmap's size; omit when the set has none. */
  readonly mask?: ObjectMask;
  /** True class (needed for top-k). */
  readonly classIndex?: number;
  /** Predicted classes, best first (at least 5 for top-5). */
  readonly ranking?: readonly number[];
  /** Deletion AUC of this map ({@link deletionCurve}). */
  readonly deletionAuc?: number;
  /** Insertion AUC of this map ({@link insertionCurve}). */
  readonly insertionAuc?: number;
  /** Probabilities on the image and on image ⊙ map ({@link confidencePairs}). */
  readonly confidence?: ConfidencePair;
}

/** What {@link WsolEvaluator.accumulate} learned about one image (for best/worst-case views). */
export interface SampleScores {
  /** IoU of the CAM-protocol box; undefined without boxes. */
  readonly camIoU?: number;
  readonly gtKnown?: boolean;
  readonly top1?: boolean;
  readonly top5?: boolean;
  /** Best IoU over the grid and all components (the image's best case in MaxBoxAccV2). */
  readonly bestIoU?: number;
  /** Mask IoU at the fixed mask threshold; undefined without a mask. */
  readonly maskIoU?: number;
}

/** Accuracy at the best threshold of the grid. */
export interface BestThresholdAccuracy {
  readonly iou: number;
  readonly accuracy: number;
  readonly threshold: number;
}

/** The set's numbers. Fractions in [0, 1]; `null` where the set has no data for a figure. */
export interface EvaluationResult {
  readonly images: number;
  readonly boxImages: number;
  readonly maskImages: number;
  readonly gtKnownLoc: number | null;
  readonly top1Loc: number | null;
  readonly top5Loc: number | null;
  readonly top1Cls: number | null;
  readonly top5Cls: number | null;
  /** MaxBoxAcc: largest component, IoU ≥ localizationIoU, best threshold. */
  readonly maxBoxAcc: BestThresholdAccuracy | null;
  /** MaxBoxAccV2: all components, one entry per IoU threshold, and their mean. */
  readonly maxBoxAccV2: { readonly mean: number; readonly perIoU: readonly BestThresholdAccuracy[] } | null;
  readonly pxap: number | null;
  readonly maskIoU: { readonly atThreshold: number; readonly threshold: number; readonly best: number; readonly bestThreshold: number } | null;
  readonly deletionAuc: number | null;
  readonly insertionAuc: number | null;
  readonly averageDrop: number | null;
  readonly increaseInConfidence: number | null;
  /** Curves over the grid for plots: box accuracy per threshold, pixel precision–recall. */
  readonly curves: {
    readonly thresholds: number[];
    readonly maxBoxAcc: number[] | null;
    readonly maxBoxAccV2: number[][] | null;
    readonly maskIoU: number[] | null;
    readonly pixelPrecision: number[] | null;
    readonly pixelRecall: number[] | null;
  };
}

function checkFraction(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${v}`);
}

/**
 * Everything a {@link WsolEvaluator} has counted, as plain JSON numbers (for checkpoints):
 * {@link WsolEvaluator.state} and {@link WsolEvaluator.restore}.
 */
export interface WsolEvaluatorState {
  /** The options the counts were made with; a restore checks they agree. */
  readonly options: Required<WsolEvaluatorOptions>;
  readonly counts: { readonly images: number; readonly boxImages: number; readonly maskImages: number };
  readonly largestCorrect: readonly number[];
  readonly bestCorrect: readonly (readonly number[])[];
  readonly histograms: { readonly object: readonly number[]; readonly background: readonly number[] };
  readonly maskIoUSum: readonly number[];
  /** [sum, count] of each running mean, by name. */
  readonly means: Readonly<Record<string, readonly [number, number]>>;
}

class MeanOf {
  sum = 0;
  count = 0;
  add(v: number): void {
    this.sum += v;
    this.count++;
  }
  get value(): number | null {
    return this.count > 0 ? this.sum / this.count : null;
  }
}

function bestOf(curve: Float64Array, grid: Float64Array): { value: number; threshold: number } {
  let best = 0;
  for (let i = 1; i < curve.length; i++) if (curve[i] > curve[best]) best = i;
  return { value: curve[best], threshold: grid[best] };
}

/**
 * Accumulates WSOL metrics over a set of images with flat memory.
 *
 * @example
 * ```ts
 * const evaluator = new WsolEvaluator();
 * for (const s of samples) evaluator.accumulate({ heatmap, boxes: s.boxes, mask: s.mask, classIndex, ranking });
 * const { maxBoxAccV2, pxap } = evaluator.compute();
 * ```
 */
export class WsolEvaluator {
  private readonly grid: Float64Array;
  private readonly interval: number;
  private readonly iouThresholds: readonly number[];
  private readonly localizationIoU: number;
  private readonly camThreshold: number;
  private readonly maskThreshold: number;
  private readonly options: Required<WsolEvaluatorOptions>;
  private images = 0;
  private boxImages = 0;
  private maskImages = 0;
  private readonly largestCorrect: Float64Array;
  private readonly bestCorrect: Float64Array[];
  private readonly gtKnown = new MeanOf();
  private readonly top1Loc = new MeanOf();
  private readonly top5Loc = new MeanOf();
  private readonly top1Cls = new MeanOf();
  private readonly top5Cls = new MeanOf();
  private readonly histograms: PixelScoreHistograms;
  private readonly maskIoUSum: Float64Array;
  private readonly maskIoUFixed = new MeanOf();
  private readonly deletion = new MeanOf();
  private readonly insertion = new MeanOf();
  private readonly drop = new MeanOf();
  private readonly increase = new MeanOf();

  constructor(options: WsolEvaluatorOptions = {}) {
    this.interval = options.camCurveInterval ?? DEFAULT_CAM_CURVE_INTERVAL;
    this.grid = thresholdGrid(this.interval);
    this.iouThresholds = options.iouThresholds ?? [0.3, 0.5, 0.7];
    if (this.iouThresholds.length === 0) throw new RangeError('iouThresholds must not be empty');
    this.iouThresholds.forEach((v, i) => checkFraction(`iouThresholds[${i}]`, v));
    this.localizationIoU = options.localizationIoU ?? 0.5;
    checkFraction('localizationIoU', this.localizationIoU);
    this.camThreshold = options.camThreshold ?? CAM_PROTOCOL_THRESHOLD;
    checkFraction('camThreshold', this.camThreshold);
    this.maskThreshold = options.maskThreshold ?? 0.5;
    checkFraction('maskThreshold', this.maskThreshold);
    this.largestCorrect = new Float64Array(this.grid.length);
    this.bestCorrect = this.iouThresholds.map(() => new Float64Array(this.grid.length));
    this.histograms = emptyPixelHistograms(this.interval);
    this.maskIoUSum = new Float64Array(this.grid.length);
    this.options = {
      camCurveInterval: this.interval,
      iouThresholds: [...this.iouThresholds],
      localizationIoU: this.localizationIoU,
      camThreshold: this.camThreshold,
      maskThreshold: this.maskThreshold,
    };
  }

  private get means(): Record<string, MeanOf> {
    const { gtKnown, top1Loc, top5Loc, top1Cls, top5Cls, maskIoUFixed, deletion, insertion, drop, increase } = this;
    return { gtKnown, top1Loc, top5Loc, top1Cls, top5Cls, maskIoUFixed, deletion, insertion, drop, increase };
  }

  /** A copy of everything counted so far, as JSON-safe numbers (see {@link restore}). */
  state(): WsolEvaluatorState {
    const means: Record<string, [number, number]> = {};
    for (const [name, m] of Object.entries(this.means)) means[name] = [m.sum, m.count];
    return {
      options: this.options,
      counts: { images: this.images, boxImages: this.boxImages, maskImages: this.maskImages },
      largestCorrect: Array.from(this.largestCorrect),
      bestCorrect: this.bestCorrect.map((c) => Array.from(c)),
      histograms: { object: Array.from(this.histograms.object), background: Array.from(this.histograms.background) },
      maskIoUSum: Array.from(this.maskIoUSum),
      means,
    };
  }

  /**
   * An evaluator that continues from `state` (a checkpoint of {@link state}): accumulating the
   * remaining images gives the same numbers as one uninterrupted run.
   *
   * @throws RangeError when the state was made with other options or does not fit the grid.
   */
  static restore(state: WsolEvaluatorState): WsolEvaluator {
    const ev = new WsolEvaluator(state.options);
    const T = ev.grid.length;
    const fits =
      JSON.stringify(ev.options) === JSON.stringify(state.options) &&
      state.largestCorrect.length === T &&
      state.maskIoUSum.length === T &&
      state.bestCorrect.length === ev.bestCorrect.length &&
      state.bestCorrect.every((c) => c.length === T) &&
      state.histograms.object.length === T + 1 &&
      state.histograms.background.length === T + 1 &&
      Object.keys(ev.means).every((name) => Array.isArray(state.means[name]));
    if (!fits) throw new RangeError('evaluator state does not match its options (a checkpoint of another evaluation?)');
    ev.images = state.counts.images;
    ev.boxImages = state.counts.boxImages;
    ev.maskImages = state.counts.maskImages;
    ev.largestCorrect.set(state.largestCorrect);
    state.bestCorrect.forEach((c, d) => ev.bestCorrect[d].set(c));
    ev.histograms.object.set(state.histograms.object);
    ev.histograms.background.set(state.histograms.background);
    ev.maskIoUSum.set(state.maskIoUSum);
    for (const [name, m] of Object.entries(ev.means)) [m.sum, m.count] = state.means[name];
    return ev;
  }

  /** The threshold grid τ_0 … τ_{T−1} in use. */
  get thresholds(): Float64Array {
    return this.grid.slice();
  }

  /**
   * Adds one image. Checks everything before counting anything, so a rejected sample leaves the
   * evaluator unchanged.
   *
   * @throws RangeError for a map with NaN or values outside [0, 1], boxes outside the map, a mask of
   * another size, or figures out of range.
   */
  accumulate(sample: EvaluationSample): SampleScores {
    const { heatmap, boxes, mask } = sample;
    assertUnitHeatmap(heatmap);
    if (boxes !== undefined && boxes.length === 0) throw new RangeError('boxes must hold at least one box when given');
    for (const [name, v] of [['deletionAuc', sample.deletionAuc], ['insertionAuc', sample.insertionAuc]] as const) {
      if (v !== undefined) checkFraction(name, v);
    }
    const drop = sample.confidence === undefined ? undefined : averageDrop([sample.confidence]);
    const localization = boxes === undefined ? undefined : localizeSample(heatmap, boxes, sample.classIndex, sample.ranking, {
      camThreshold: this.camThreshold,
      iouThreshold: this.localizationIoU,
    });
    const sweep = boxes === undefined ? undefined : sweepBoxIoU(heatmap, boxes, { camCurveInterval: this.interval });
    const hist = mask === undefined ? undefined : pixelScoreHistograms(heatmap, mask, this.interval);

    this.images++;
    let bestIoU: number | undefined;
    if (localization !== undefined && sweep !== undefined) {
      this.boxImages++;
      this.gtKnown.add(localization.gtKnown ? 1 : 0);
      if (localization.top1 !== undefined) this.top1Loc.add(localization.top1 ? 1 : 0);
      if (localization.top5 !== undefined) this.top5Loc.add(localization.top5 ? 1 : 0);
      for (let i = 0; i < this.grid.length; i++) {
        if (sweep.largest[i] >= this.localizationIoU) this.largestCorrect[i]++;
        this.iouThresholds.forEach((delta, d) => {
          if (sweep.best[i] >= delta) this.bestCorrect[d][i]++;
        });
      }
      bestIoU = Math.max(...sweep.best);
    }
    if (sample.ranking !== undefined && sample.classIndex !== undefined) {
      this.top1Cls.add(inTopK(sample.ranking, sample.classIndex, 1) ? 1 : 0);
      this.top5Cls.add(inTopK(sample.ranking, sample.classIndex, 5) ? 1 : 0);
    }
    let fixedMaskIoU: number | undefined;
    if (hist !== undefined && mask !== undefined) {
      this.maskImages++;
      addPixelHistograms(this.histograms, hist);
      const ious = maskIoUSweep(hist);
      for (let i = 0; i < ious.length; i++) this.maskIoUSum[i] += ious[i];
      fixedMaskIoU = maskIoU(heatmap, mask, this.maskThreshold);
      this.maskIoUFixed.add(fixedMaskIoU);
    }
    if (sample.deletionAuc !== undefined) this.deletion.add(sample.deletionAuc);
    if (sample.insertionAuc !== undefined) this.insertion.add(sample.insertionAuc);
    if (drop !== undefined && sample.confidence !== undefined) {
      this.drop.add(drop);
      this.increase.add(increaseInConfidence([sample.confidence]));
    }
    return {
      camIoU: localization?.iou,
      gtKnown: localization?.gtKnown,
      top1: localization?.top1,
      top5: localization?.top5,
      bestIoU,
      maskIoU: fixedMaskIoU,
    };
  }

  /** The set's numbers so far (see the module notes); does not reset the evaluator. */
  compute(): EvaluationResult {
    const grid = this.grid;
    const n = this.boxImages;
    const asAccuracy = (counts: Float64Array): Float64Array => counts.map((c) => c / n);
    const largestCurve = n > 0 ? asAccuracy(this.largestCorrect) : undefined;
    const bestCurves = n > 0 ? this.bestCorrect.map(asAccuracy) : undefined;
    const perIoU = bestCurves?.map((curve, d) => {
      const { value, threshold } = bestOf(curve, grid);
      return { iou: this.iouThresholds[d], accuracy: value, threshold };
    });
    const v1 = largestCurve === undefined ? undefined : bestOf(largestCurve, grid);
    // PxAP needs object pixels: a set whose masks hold none gets null, not an error that loses the rest
    const masks = this.maskImages > 0 && this.histograms.object.some((c) => c > 0);
    const pr = masks ? pixelPrecisionRecall(this.histograms) : undefined;
    const maskCurve = this.maskImages > 0 ? this.maskIoUSum.map((s) => s / this.maskImages) : undefined;
    const bestMask = maskCurve === undefined ? undefined : bestOf(maskCurve, grid);
    return {
      images: this.images,
      boxImages: this.boxImages,
      maskImages: this.maskImages,
      gtKnownLoc: this.gtKnown.value,
      top1Loc: this.top1Loc.value,
      top5Loc: this.top5Loc.value,
      top1Cls: this.top1Cls.value,
      top5Cls: this.top5Cls.value,
      maxBoxAcc: v1 === undefined ? null : { iou: this.localizationIoU, accuracy: v1.value, threshold: v1.threshold },
      maxBoxAccV2:
        perIoU === undefined ? null : { mean: perIoU.reduce((s, p) => s + p.accuracy, 0) / perIoU.length, perIoU },
      pxap: masks ? pixelAveragePrecision(this.histograms) : null,
      maskIoU:
        bestMask === undefined
          ? null
          : { atThreshold: this.maskIoUFixed.value ?? 0, threshold: this.maskThreshold, best: bestMask.value, bestThreshold: bestMask.threshold },
      deletionAuc: this.deletion.value,
      insertionAuc: this.insertion.value,
      averageDrop: this.drop.value,
      increaseInConfidence: this.increase.value,
      curves: {
        thresholds: Array.from(grid),
        maxBoxAcc: largestCurve === undefined ? null : Array.from(largestCurve),
        maxBoxAccV2: bestCurves === undefined ? null : bestCurves.map((c) => Array.from(c)),
        maskIoU: maskCurve === undefined ? null : Array.from(maskCurve),
        pixelPrecision: pr === undefined ? null : Array.from(pr.precision),
        pixelRecall: pr === undefined ? null : Array.from(pr.recall),
      },
    };
  }
}
