/**
 * Calibration of the dense CRF that refines CAM-style heatmaps (src/crf/refine-cam.ts) on a
 * held-out split, by random search (Bergstra & Bengio, "Random Search for Hyper-Parameter
 * Optimization", JMLR 2012) followed by local perturbation of the best point.
 *
 * Each trial refines every case's heatmap with `refineCamWithCrf` (the refined map is the CRF's
 * object marginal Q₁, as `crfRefiner` of src/eval) and scores it with {@link WsolEvaluator}:
 *
 *     objective = mean over images of IoU(Q₁ ≥ 0.5, true mask)          (mean mask IoU)
 *
 * A trial is *admissible* when its GT-known localization (CAM protocol: box of the largest
 * component above 20 % of the map's max, IoU ≥ 0.5) is not below the unrefined heatmaps' — the
 * CRF must not trade boxes for masks. The best admissible trial wins (ties: MaxBoxAccV2); if none
 * is admissible, the best trial. The seed notebook's parameters ({@link SEED_CAM_CRF}) are always
 * trial 0, so the result is never worse than them on the calibration split.
 */
import { CAM_CRF_DEFAULTS, CamCrfOptions } from '../crf/refine-cam';
import { hashSeed, Random, splitmix32 } from '../bench/random';
import { crfRefiner } from '../eval/runner';
import { WsolEvaluator } from '../metrics/evaluator';
import { Heatmap } from '../types';
import { CalibrationCase } from './cases';

/**
 * The seed notebook's CRF parameters (tuned for 500×375 VOC photographs): complement background,
 * gaussian(sxy 3, compat 3) + bilateral(sxy 80, srgb 13, compat 10), 5 mean-field iterations —
 * `refineCamWithCrf`'s defaults ({@link CAM_CRF_DEFAULTS}), frozen.
 */
export const SEED_CAM_CRF: Readonly<CamCrfOptions> = Object.freeze({ ...CAM_CRF_DEFAULTS });

/** Named CRF parameter sets; a model's calibrated set is in its manifest (see crfOptionsFor). */
export const CAM_CRF_PRESETS: Readonly<Record<'seed', Readonly<CamCrfOptions>>> = { seed: SEED_CAM_CRF };

/** One searched number: its range and whether it is drawn uniformly in log space. */
interface Dimension {
  readonly name: 'backgroundPower' | 'gaussianSxy' | 'gaussianCompat' | 'bilateralSxy' | 'bilateralSrgb' | 'bilateralCompat';
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
}

/**
 * The search space (background 'complement'; iterations fixed by the caller). The bilateral
 * ranges stop at 5 px and 4 colour levels: finer kernels fill the permutohedral lattice with a
 * vertex per pixel or so (a trial took minutes instead of seconds at 2 px, 2 levels) and only
 * reproduce the unary.
 */
export const CAM_CRF_SPACE: readonly Dimension[] = [
  { name: 'backgroundPower', lo: 0.2, hi: 5, log: true },
  { name: 'gaussianSxy', lo: 0.5, hi: 8, log: true },
  { name: 'gaussianCompat', lo: 0, hi: 10, log: false },
  { name: 'bilateralSxy', lo: 5, hi: 100, log: true },
  { name: 'bilateralSrgb', lo: 4, hi: 80, log: true },
  { name: 'bilateralCompat', lo: 0.2, hi: 30, log: true },
];

/** The figures of one parameter set on the calibration cases (fractions in [0, 1]). */
export interface CrfScores {
  /** Mean over images of the mask IoU of `map ≥ 0.5`. */
  readonly maskIoU: number;
  readonly gtKnownLoc: number;
  readonly maxBoxAccV2: number;
  readonly pxap: number;
}

/** One trial of {@link searchCamCrf}. */
export interface CrfTrial {
  readonly index: number;
  /** 'seed' (the seed preset), 'random' or 'local' (a perturbation of the best so far). */
  readonly origin: 'seed' | 'start' | 'random' | 'local';
  readonly options: CamCrfOptions;
  readonly scores: CrfScores;
  readonly admissible: boolean;
}

/** Options of {@link searchCamCrf}. */
export interface CrfSearchOptions {
  /** Number of trials, the seed preset included. @default 48 */
  readonly trials?: number;
  /** Share of the trials after the seed that are drawn at random; the rest perturb the best. @default 0.6 */
  readonly randomShare?: number;
  /** Mean-field iterations of every trial. @default 5 */
  readonly iterations?: number;
  /** Seed of the search. @default 0 */
  readonly seed?: number;
  /**
   * Parameters tried right after the seed preset, before the random trials (e.g. an earlier
   * calibration of a similar model): a prior, not a result — they are scored like any trial.
   * They count towards `trials`. @default []
   */
  readonly starts?: readonly CamCrfOptions[];
  /** Called after every trial with it, the best so far and the total. */
  readonly onTrial?: (trial: CrfTrial, best: CrfTrial, total: number) => void;
}

/** What {@link searchCamCrf} returns. */
export interface CrfSearchResult {
  /** The unrefined heatmaps' figures. */
  readonly baseline: CrfScores;
  readonly best: CrfTrial;
  readonly trials: readonly CrfTrial[];
  readonly images: number;
}

/** Scores heatmaps (one per case, refined or not) with the WSOL evaluator. */
export function scoreHeatmaps(cases: readonly CalibrationCase[], maps: readonly Heatmap[]): CrfScores {
  const evaluator = new WsolEvaluator();
  cases.forEach((c, i) => evaluator.accumulate({ heatmap: maps[i], boxes: c.boxes, mask: c.mask, classIndex: c.classIndex }));
  const r = evaluator.compute();
  if (r.maskIoU === null || r.gtKnownLoc === null || r.maxBoxAccV2 === null || r.pxap === null) {
    throw new Error('CRF calibration needs cases with both boxes and masks');
  }
  return { maskIoU: r.maskIoU.atThreshold, gtKnownLoc: r.gtKnownLoc, maxBoxAccV2: r.maxBoxAccV2.mean, pxap: r.pxap };
}

/** The figures of the CRF with `options` on the cases. */
export function scoreCamCrf(cases: readonly CalibrationCase[], options: CamCrfOptions): CrfScores {
  const refine = crfRefiner(options);
  return scoreHeatmaps(cases, cases.map((c) => refine(c.image, c.heatmap)));
}

function draw(rng: Random, d: Dimension): number {
  return d.log ? Math.exp(rng.uniform(Math.log(d.lo), Math.log(d.hi))) : rng.uniform(d.lo, d.hi);
}

/** A perturbation of `center`: each number moved by up to ±40 % (log) or ±15 % of the range. */
function perturb(rng: Random, center: CamCrfOptions, d: Dimension): number {
  const v = center[d.name] as number;
  const moved = d.log ? v * Math.exp(rng.uniform(-0.34, 0.34)) : v + rng.uniform(-0.15, 0.15) * (d.hi - d.lo);
  return Math.min(d.hi, Math.max(d.lo, moved));
}

/** Three significant digits, so manifests stay readable. */
const round3 = (v: number): number => Number(v.toPrecision(3));

function better(a: CrfTrial, b: CrfTrial): boolean {
  if (a.admissible !== b.admissible) return a.admissible;
  if (a.scores.maskIoU !== b.scores.maskIoU) return a.scores.maskIoU > b.scores.maskIoU;
  return a.scores.maxBoxAccV2 > b.scores.maxBoxAccV2;
}

/**
 * Searches the CRF parameters that maximise the mean mask IoU of refined heatmaps on `cases`
 * (objective and admissibility in the module comment).
 *
 * @example
 * ```ts
 * const cases = await collectCalibrationCases(loaded, readWsolDataset(dir, 'val'), cam, { limit: 300 });
 * const { best, baseline } = searchCamCrf(cases, { trials: 40 });
 * refineCamWithCrf(image, heatmap, best.options);
 * ```
 * @throws RangeError for bad options or no cases; Error when cases lack boxes or masks.
 */
export function searchCamCrf(cases: readonly CalibrationCase[], options: CrfSearchOptions = {}): CrfSearchResult {
  const total = options.trials ?? 48;
  const randomShare = options.randomShare ?? 0.6;
  const iterations = options.iterations ?? 5;
  if (cases.length === 0) throw new RangeError('searchCamCrf: no calibration cases');
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`trials must be a positive integer, got ${total}`);
  if (!(randomShare >= 0 && randomShare <= 1)) throw new RangeError(`randomShare must be in [0, 1], got ${randomShare}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  const rng = splitmix32(hashSeed(options.seed ?? 0, 'crf-search'));
  const baseline = scoreHeatmaps(cases, cases.map((c) => c.heatmap));
  const starts = (options.starts ?? []).slice(0, total - 1);
  const randomTrials = Math.round((total - 1 - starts.length) * randomShare);
  const trials: CrfTrial[] = [];
  let best: CrfTrial | undefined;
  for (let index = 0; index < total; index++) {
    const origin: CrfTrial['origin'] =
      index === 0 ? 'seed' : index <= starts.length ? 'start' : index <= starts.length + randomTrials ? 'random' : 'local';
    let params: CamCrfOptions = { ...SEED_CAM_CRF, iterations };
    if (origin === 'start') params = { ...starts[index - 1], iterations };
    else if (origin !== 'seed') {
      const values: Record<string, number> = {};
      for (const d of CAM_CRF_SPACE) values[d.name] = round3(origin === 'random' ? draw(rng, d) : perturb(rng, best!.options, d));
      params = { background: 'complement', ...values, iterations };
    }
    const scores = scoreCamCrf(cases, params);
    const trial: CrfTrial = { index, origin, options: params, scores, admissible: scores.gtKnownLoc >= baseline.gtKnownLoc };
    trials.push(trial);
    if (best === undefined || better(trial, best)) best = trial;
    options.onTrial?.(trial, best, total);
  }
  return { baseline, best: best!, trials, images: cases.length };
}
