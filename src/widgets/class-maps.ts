/**
 * The per-class maps a class explorer switches among, computed in the kernel: for each class of a
 * top-k list, the method's map for that class (CAM: `M_c = Σ_k w^c_k A_k`, Zhou et al. 2016;
 * Grad-CAM on a fully connected head: `ReLU(Σ_k α^c_k A^k)`, Selvaraju et al. 2017).
 */
import type * as tf from '@tensorflow/tfjs';
import type { TopK } from '../cam/top-k';
import type { HeatmapMethod } from '../methods';
import type { ExplorerClass } from '../types';

/**
 * One {@link ExplorerClass} per class of `top` (best first): name from `classNames`, score the
 * softmax probability, map from `method` on the one image of `images`.
 *
 * @example const classes = await classMaps(model, input, cam, top, manifest.classes);
 * @throws RangeError when `images` is not a batch of one image or a class has no name.
 */
export async function classMaps(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  method: HeatmapMethod,
  top: TopK,
  classNames: readonly string[],
): Promise<ExplorerClass[]> {
  if (images.shape[0] !== 1) throw new RangeError(`classMaps: give a batch of one image, got ${images.shape[0]}`);
  const out: ExplorerClass[] = [];
  for (let k = 0; k < top.classes.length; k++) {
    const c = top.classes[k];
    const name = classNames[c];
    if (name === undefined) throw new RangeError(`classMaps: class ${c} has no name (${classNames.length} names given)`);
    const [heatmap] = await method(model, images, { target: c });
    out.push({ name, score: top.scores[k], heatmap });
  }
  return out;
}
