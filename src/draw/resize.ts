/**
 * Bilinear resizing of a heatmap, with the half-pixel-centre convention of OpenCV's `INTER_LINEAR`
 * and of `tf.image.resizeBilinear(…, alignCorners=false, halfPixelCenters=true)`: output pixel x
 * samples the source at `(x + 0.5) · w_in / w_out − 0.5`, clamped to the border.
 */
import { Heatmap, makeHeatmap, assertSize } from '../types';

/** Resizes a heatmap to `width × height` bilinearly (returns the same map when sizes agree). */
export function resizeHeatmap(heatmap: Heatmap, width: number, height: number): Heatmap {
  assertSize(width, height, 'resizeHeatmap target');
  if (heatmap.width === width && heatmap.height === height) return heatmap;
  const { width: w0, height: h0, data } = heatmap;
  const out = new Float32Array(width * height);
  const sx = w0 / width;
  const sy = h0 / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h0 - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h0 - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w0 - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w0 - 1);
      const wx = fx - x0;
      const top = data[y0 * w0 + x0] * (1 - wx) + data[y0 * w0 + x1] * wx;
      const bottom = data[y1 * w0 + x0] * (1 - wx) + data[y1 * w0 + x1] * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return makeHeatmap(width, height, out);
}
