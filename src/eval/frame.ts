/**
 * The frame an image is scored in. By default ('image') maps are brought to each image's own size,
 * where its boxes and masks are. wsolevaluation's code (Choe et al., CVPR 2020) scores in its
 * network-input frame instead (224×224): `BoxEvaluator` rescales the ground-truth boxes with
 * `resize_bbox` — `int(x · W / w)` for each corner, truncating — and `get_mask` resizes the masks
 * with OpenCV's nearest neighbour; 'input' does the same at the model's input size, so figures can
 * be set beside the published ones.
 */
import * as tf from '@tensorflow/tfjs';
import { Box, ObjectMask } from '../types';
import { RgbImage } from '../display/png';
import { resizeMaskNearest } from './dataset';

/** Where maps are scored: at each image's size, or at the model's input size as wsolevaluation does. */
export type EvaluationFrame = 'image' | 'input';

/** An image with its ground truth, in one frame. */
export interface FramedImage {
  readonly image: RgbImage;
  readonly boxes: readonly Box[];
  readonly mask?: ObjectMask;
}

/** wsolevaluation's `resize_bbox`: each corner scaled by the size ratio and truncated. */
export function resizeBoxTruncated(box: Box, from: { width: number; height: number }, to: { width: number; height: number }): Box {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return { x0: Math.trunc(box.x0 * sx), y0: Math.trunc(box.y0 * sy), x1: Math.trunc(box.x1 * sx), y1: Math.trunc(box.y1 * sy) };
}

/** RGB resized bilinearly (corners not aligned, as the models' preprocessing) and rounded to bytes. */
export function resizeRgb(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return image;
  const resized = tf.tidy(() => {
    const x = tf.tensor3d(image.data, [image.height, image.width, 3], 'float32');
    return tf.image.resizeBilinear(x, [height, width]).round().clipByValue(0, 255);
  });
  const data = Uint8Array.from(resized.dataSync());
  resized.dispose();
  return { width, height, channels: 3, data };
}

function resizeBinary(data: Uint8Array, from: { width: number; height: number }, width: number, height: number): Uint8Array {
  return resizeMaskNearest({ width: from.width, height: from.height, data }, width, height).data;
}

/** An image and its ground truth brought to `width × height` the way wsolevaluation does (see the module notes). */
export function toInputFrame(framed: FramedImage, width: number, height: number): FramedImage {
  const { image, mask } = framed;
  const to = { width, height };
  return {
    image: resizeRgb(image, width, height),
    boxes: framed.boxes.map((box) => resizeBoxTruncated(box, image, to)),
    mask:
      mask === undefined
        ? undefined
        : {
            width,
            height,
            data: resizeBinary(mask.data, mask, width, height),
            ignore: mask.ignore === undefined ? undefined : resizeBinary(mask.ignore, mask, width, height),
          },
  };
}
