/**
 * Pictures of evaluated cases (the best and worst of a row): the image with the method's heatmap,
 * the CAM-protocol box (red) and the true boxes (green). Drawing only; the figures come from
 * {@link evaluateDataset}.
 */
import type { LoadedModel } from '../weights';
import type { CaseRecord, LocalizationMethod } from './runner';
import type { WsolDataset } from './dataset';
import { readRgbImage } from './dataset';
import { boxesFromHeatmap, CAM_PROTOCOL_THRESHOLD } from '../metrics/boxesFromHeatmap';
import { scaleBox } from '../metrics/iou';
import { drawBoxes, overlayHeatmap, StyledBox, upscaleNearest } from '../draw/overlay';
import type { ImagePanel } from '../plots/figures';

/** Options of {@link casePanels}. */
export interface CasePanelsOptions {
  /** Integer upscaling of the pictures. @default 2 */
  readonly scale?: number;
}

/**
 * Re-runs `method` on each case's image (for its true class) and draws it: heatmap overlay, the
 * box of the CAM protocol (red) and the true boxes (green), titled with the image id and IoU.
 */
export async function casePanels(
  loaded: LoadedModel,
  dataset: WsolDataset,
  cases: readonly CaseRecord[],
  method: LocalizationMethod,
  options: CasePanelsOptions = {},
): Promise<ImagePanel[]> {
  const byId = new Map(dataset.items.map((item) => [item.imageId, item]));
  const panels: ImagePanel[] = [];
  for (const record of cases) {
    const item = byId.get(record.imageId);
    if (!item) throw new RangeError(`case '${record.imageId}' is not an image of ${dataset.root} (${dataset.split})`);
    const image = await readRgbImage(item.imagePath, { width: item.width, height: item.height });
    const input = loaded.preprocess(image);
    let heatmap;
    try {
      [heatmap] = await method(loaded.model, input, { target: item.classIndex });
    } finally {
      input.dispose();
    }
    const boxes: StyledBox[] = item.boxes.map((box) => ({ box, color: [30, 200, 30], thickness: 1 }));
    const [camBox] = boxesFromHeatmap(heatmap, CAM_PROTOCOL_THRESHOLD);
    if (camBox) {
      const box = scaleBox(camBox, heatmap.width, heatmap.height, image.width, image.height);
      boxes.push({ box, color: [230, 30, 30], thickness: 1 });
    }
    const score = record.camIoU ?? record.maskIoU;
    const predicted = loaded.manifest.classes[record.predicted] ?? String(record.predicted);
    panels.push({
      title: `${record.imageId.split('/').pop()} · IoU ${score === undefined ? '—' : score.toFixed(2)} · → ${predicted}`,
      image: upscaleNearest(drawBoxes(overlayHeatmap(image, heatmap, { alpha: 0.4 }), boxes), options.scale ?? 2),
    });
  }
  return panels;
}
