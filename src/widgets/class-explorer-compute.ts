/**
 * What the class explorer computes for one class and threshold, apart from any drawing: the CAM
 * paper's box (Zhou et al., CVPR 2016: the largest 8-connected component of `{v > τ·max v}`,
 * `boxesFromHeatmap`), its IoU with the true box (`boxIoU`, inclusive corners) and the picture:
 * the colour-mapped map over the image, `(1 − α)·image + α·jet(M)`, with the map's box in red and
 * the true box in green, as cam.ipynb draws them. Cheap (one pass over the pixels), so the page
 * runs it on its main thread and switching class needs no kernel round trip.
 */
import { drawBoxes, overlayHeatmap, StyledBox } from '../draw/overlay';
import { boxesFromHeatmap } from '../metrics/boxesFromHeatmap';
import { boxIoU } from '../metrics/iou';
import { Box, ExplorerClass, RgbImage } from '../types';

/** Colour of the map's box. */
export const MAP_BOX_COLOR: readonly [number, number, number] = [230, 30, 30];
/** Colour of the true box. */
export const TRUTH_BOX_COLOR: readonly [number, number, number] = [30, 200, 30];

/** The fixed inputs of an explorer. */
export interface ClassExplorerInputs {
  readonly image: RgbImage;
  readonly classes: readonly ExplorerClass[];
  readonly truthBox?: Box;
}

/** What the explorer shows for one class. */
export interface ClassExplorerView {
  /** The map's box, or undefined when no pixel passes the threshold. */
  readonly box?: Box;
  /** IoU of the box with the true box (0 without a box), when the true box is known. */
  readonly iou?: number;
  readonly picture: RgbImage;
}

/** The box, IoU and picture of class `index` at box threshold `threshold` (fraction of the maximum). */
export function computeClassExplorer(inputs: ClassExplorerInputs, index: number, threshold: number, alpha: number): ClassExplorerView {
  const entry = inputs.classes[index];
  if (entry === undefined) throw new RangeError(`class explorer: no class ${index} among ${inputs.classes.length}`);
  const [box] = boxesFromHeatmap(entry.heatmap, threshold);
  const drawn: StyledBox[] = [];
  if (box !== undefined) drawn.push({ box, color: MAP_BOX_COLOR, thickness: 1 });
  if (inputs.truthBox !== undefined) drawn.push({ box: inputs.truthBox, color: TRUTH_BOX_COLOR, thickness: 1 });
  const picture = drawBoxes(overlayHeatmap(inputs.image, entry.heatmap, { alpha }), drawn);
  const iou = inputs.truthBox === undefined ? undefined : box === undefined ? 0 : boxIoU(box, inputs.truthBox);
  return { box, iou, picture };
}
