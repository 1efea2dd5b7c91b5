/**
 * The heatmap methods of the library by name, and a side-by-side runner with timings. The
 * evaluation CLI's `--methods` names and the comparison notebook use this one table.
 */
import * as tf from '@tensorflow/tfjs';
import type { Heatmap } from './types';
import type { CamOptions } from './cam/core';
import { cam } from './cam/cam';
import { gradCam } from './cam/grad-cam';
import { gradCamPlusPlus } from './cam/grad-cam-plus-plus';
import { xGradCam } from './cam/xgrad-cam';
import { layerCam } from './cam/layer-cam';
import { hiResCam } from './cam/hires-cam';
import { scoreCam } from './cam/score-cam';
import { eigenCam } from './cam/eigen-cam';

/** A method that returns one heatmap per image: `(model, images, options) → Heatmap[]`. */
export type HeatmapMethod = (model: tf.LayersModel, images: tf.Tensor4D, options?: CamOptions) => Promise<Heatmap[]>;

/**
 * Every heatmap method, by the name of its function. (Guided backprop and guided Grad-CAM return
 * input-sized gradients, not heatmaps, and are not listed.)
 */
export const HEATMAP_METHODS: Readonly<Record<string, HeatmapMethod>> = {
  cam,
  gradCam,
  gradCamPlusPlus,
  xGradCam,
  layerCam,
  hiResCam,
  scoreCam,
  eigenCam,
};

/** Looks methods up by name, with an error that lists the known names. */
export function heatmapMethods(names: readonly string[]): { readonly name: string; readonly method: HeatmapMethod }[] {
  return names.map((name) => {
    const method = HEATMAP_METHODS[name];
    if (!method) {
      throw new RangeError(`unknown method '${name}': expected one of ${Object.keys(HEATMAP_METHODS).join(', ')}`);
    }
    return { name, method };
  });
}

/** Options of {@link compareMethods}. */
export interface CompareOptions extends CamOptions {
  /** Method names. @default every method of {@link HEATMAP_METHODS} */
  readonly methods?: readonly string[];
  /** Timed runs per method after one warm-up run; the median is reported. @default 3 */
  readonly repeats?: number;
}

/** One method's result in {@link compareMethods}. */
export interface MethodComparison {
  readonly name: string;
  readonly heatmaps: Heatmap[];
  /** Median wall time of one call on the whole batch, in milliseconds. */
  readonly milliseconds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs several methods on the same images and target, timing each (one warm-up call, then the
 * median of `repeats` calls).
 */
export async function compareMethods(model: tf.LayersModel, images: tf.Tensor4D, options: CompareOptions = {}): Promise<MethodComparison[]> {
  const { methods = Object.keys(HEATMAP_METHODS), repeats = 3, ...camOptions } = options;
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  const results: MethodComparison[] = [];
  for (const { name, method } of heatmapMethods(methods)) {
    let heatmaps = await method(model, images, camOptions);
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      heatmaps = await method(model, images, camOptions);
      times.push(performance.now() - start);
    }
    results.push({ name, heatmaps, milliseconds: median(times) });
  }
  return results;
}
