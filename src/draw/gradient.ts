/**
 * Drawing input-space gradients (guided backpropagation, guided Grad-CAM) as images.
 */
import type { GradientImage } from '../types';
import type { RgbImage } from '../types';

/** Options of {@link gradientToImage}. */
export interface GradientImageOptions {
  /**
   * Contrast: the standardised gradient is scaled by this before the shift to mid-grey.
   * @default 0.15
   */
  readonly contrast?: number;
}

/**
 * Renders a gradient image the way the Grad-CAM authors' code does ("deprocess"): standardise all
 * values together, `g' = (g − mean) / (std + 1e-5)`, then `0.5 + contrast · g'` clipped to [0, 1]
 * and scaled to bytes. Zero gradient shows as mid-grey; a 1-channel gradient becomes grey.
 */
export function gradientToImage(gradient: GradientImage, options: GradientImageOptions = {}): RgbImage {
  const contrast = options.contrast ?? 0.15;
  const { width, height, channels, data } = gradient;
  if (channels !== 1 && channels !== 3) throw new RangeError(`gradientToImage: 1 or 3 channels expected, got ${channels}`);
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  let variance = 0;
  for (let i = 0; i < data.length; i++) variance += (data[i] - mean) ** 2;
  const std = Math.sqrt(variance / data.length);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const g = data[p * channels + (channels === 1 ? 0 : c)];
      const v = 0.5 + (contrast * (g - mean)) / (std + 1e-5);
      out[p * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return { width, height, channels: 3, data: out };
}
