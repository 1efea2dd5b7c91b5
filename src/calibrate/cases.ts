/**
 * The material of a calibration: for each image of a dataset split (the val split — never tune on
 * test), the image, the heatmap of its true class by one localization method at the image's size,
 * and its ground truth. Heatmaps are computed once, so a search over post-processing parameters
 * (CRF, box threshold) costs no further forward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { RgbImage } from '../display/png';
import { resizeHeatmap } from '../draw/resize';
import { readObjectMask, readRgbImage, WsolDataset } from '../eval/dataset';
import { HeatmapMethod } from '../methods';
import { Box, Heatmap, ObjectMask } from '../types';
import { LoadedModel } from '../weights';

/** One image of a calibration set. */
export interface CalibrationCase {
  readonly imageId: string;
  readonly image: RgbImage;
  /** The method's map of the true class, at the image's size, values in [0, 1]. */
  readonly heatmap: Heatmap;
  readonly boxes: readonly Box[];
  readonly mask?: ObjectMask;
  readonly classIndex: number;
}

/** Options of {@link collectCalibrationCases}. */
export interface CollectCasesOptions {
  /** Use the first `limit` images only. @default all */
  readonly limit?: number;
  /** Images per forward pass. @default 32 */
  readonly batchSize?: number;
  /** Called after each batch with the images done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** `heatmap` at `width × height`, clamped into [0, 1]. */
function atImageSize(heatmap: Heatmap, width: number, height: number): Heatmap {
  const resized = resizeHeatmap(heatmap, width, height);
  const data = Float32Array.from(resized.data, (v) => Math.min(1, Math.max(0, v)));
  return { width, height, data };
}

/**
 * Runs `method` on every image of `dataset` (the heatmap of the true class) and keeps image,
 * heatmap and ground truth in memory (128×128 images: about 100 kB each).
 *
 * @example
 * ```ts
 * const cases = await collectCalibrationCases(await load('cam-default'), readWsolDataset(dir, 'val'), cam);
 * ```
 * @throws Error naming the file when an image or mask cannot be read; RangeError for bad options.
 */
export async function collectCalibrationCases(
  loaded: LoadedModel,
  dataset: WsolDataset,
  method: HeatmapMethod,
  options: CollectCasesOptions = {},
): Promise<CalibrationCase[]> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const limit = options.limit ?? dataset.items.length;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const items = dataset.items.slice(0, limit);
  const cases: CalibrationCase[] = [];
  for (let first = 0; first < items.length; first += batchSize) {
    const batch = items.slice(first, first + batchSize);
    const images = await Promise.all(batch.map((it) => readRgbImage(it.imagePath, it)));
    const masks = await Promise.all(batch.map((it) => readObjectMask(it)));
    const input = tf.tidy(() =>
      loaded.preprocess(tf.stack(images.map((im) => tf.tensor3d(im.data, [im.height, im.width, 3], 'int32'))) as tf.Tensor4D),
    );
    let maps: Heatmap[];
    try {
      maps = await method(loaded.model, input, { target: batch.map((it) => it.classIndex) });
    } finally {
      input.dispose();
    }
    batch.forEach((it, b) => {
      cases.push({
        imageId: it.imageId,
        image: images[b],
        heatmap: atImageSize(maps[b], images[b].width, images[b].height),
        boxes: it.boxes,
        mask: masks[b],
        classIndex: it.classIndex,
      });
    });
    options.onProgress?.(cases.length, items.length);
  }
  return cases;
}
