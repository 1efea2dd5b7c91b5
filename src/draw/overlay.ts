/**
 * Drawing localization results over images: heatmap overlays, masks, boxes and image grids.
 * All functions return new images; inputs are never modified.
 */
import type { Box, Heatmap } from '../types';
import { assertImage, RgbImage } from '../types';
import { applyColormap, ColormapName } from './colormap';
import { resizeHeatmap } from './resize';

function rgb(image: RgbImage): RgbImage {
  assertImage(image);
  const channels = image.channels ?? 3;
  if (channels === 3) return image;
  const out = new Uint8Array(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = image.data[p * channels + (channels === 1 ? 0 : c)];
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

/** Options of {@link overlayHeatmap}. */
export interface OverlayOptions {
  /** Weight of the coloured heatmap: `out = (1 − α)·image + α·colour`. @default 0.5 */
  readonly alpha?: number;
  /** @default 'jet' */
  readonly colormap?: ColormapName;
}

/**
 * Blends a colour-mapped heatmap over an image, `out = (1 − α)·image + α·colormap(h)`, resizing the
 * heatmap bilinearly to the image when their sizes differ (the CAM paper's visualisation).
 */
export function overlayHeatmap(image: RgbImage, heatmap: Heatmap, options: OverlayOptions = {}): RgbImage {
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`overlay alpha must be in [0, 1], got ${alpha}`);
  const base = rgb(image);
  const colours = applyColormap(resizeHeatmap(heatmap, base.width, base.height), options.colormap ?? 'jet');
  const out = new Uint8Array(base.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((1 - alpha) * base.data[i] + alpha * colours.data[i]);
  return { width: base.width, height: base.height, channels: 3, data: out };
}

/** Tints the pixels where `mask` is non-zero with `color` at opacity `alpha` (default 0.5). */
export function overlayMask(
  image: RgbImage,
  mask: ArrayLike<number>,
  color: readonly [number, number, number] = [255, 0, 0],
  alpha = 0.5,
): RgbImage {
  const base = rgb(image);
  if (mask.length !== base.width * base.height) {
    throw new RangeError(`mask must have width*height = ${base.width * base.height} values, got ${mask.length}`);
  }
  const out = Uint8Array.from(base.data);
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round((1 - alpha) * out[p * 3 + c] + alpha * color[c]);
  }
  return { width: base.width, height: base.height, channels: 3, data: out };
}

/**
 * Draws the outline of a mask: every mask pixel with a 4-neighbour outside the mask (or on the
 * image border) takes `color`. Over a tinted mask ({@link overlayMask}) it keeps the region
 * visible on objects of the tint's own colour.
 */
export function outlineMask(image: RgbImage, mask: ArrayLike<number>, color: readonly [number, number, number] = [255, 235, 0]): RgbImage {
  const base = rgb(image);
  const { width, height } = base;
  if (mask.length !== width * height) {
    throw new RangeError(`mask must have width*height = ${width * height} values, got ${mask.length}`);
  }
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;
  const out = Uint8Array.from(base.data);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      if (inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1)) continue;
      out.set(color, (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data: out };
}

/** A box to draw, with its colour. */
export interface StyledBox {
  readonly box: Box;
  /** @default [0, 255, 0] */
  readonly color?: readonly [number, number, number];
  /** Line width in pixels, drawn inside the box. @default 2 */
  readonly thickness?: number;
}

/** Draws box outlines (inclusive corners, clipped to the image). */
export function drawBoxes(image: RgbImage, boxes: readonly StyledBox[]): RgbImage {
  const base = rgb(image);
  const { width, height } = base;
  const out = Uint8Array.from(base.data);
  const paint = (x: number, y: number, color: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    out.set(color, (y * width + x) * 3);
  };
  for (const { box, color = [0, 255, 0], thickness = 2 } of boxes) {
    for (let t = 0; t < thickness; t++) {
      for (let x = box.x0; x <= box.x1; x++) {
        paint(x, box.y0 + t, color);
        paint(x, box.y1 - t, color);
      }
      for (let y = box.y0; y <= box.y1; y++) {
        paint(box.x0 + t, y, color);
        paint(box.x1 - t, y, color);
      }
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Options of {@link tileImages}. */
export interface TileOptions {
  /** @default all images in one row */
  readonly columns?: number;
  /** Pixels between tiles. @default 4 */
  readonly gap?: number;
  /** @default [255, 255, 255] */
  readonly background?: readonly [number, number, number];
}

/** Places images in a grid, row by row, each at the top-left of a cell of the largest tile size. */
export function tileImages(images: readonly RgbImage[], options: TileOptions = {}): RgbImage {
  if (images.length === 0) throw new RangeError('tileImages: no images given');
  const tiles = images.map(rgb);
  const columns = Math.max(1, Math.min(options.columns ?? tiles.length, tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  const gap = options.gap ?? 4;
  const cellW = Math.max(...tiles.map((t) => t.width));
  const cellH = Math.max(...tiles.map((t) => t.height));
  const width = columns * cellW + (columns - 1) * gap;
  const height = rows * cellH + (rows - 1) * gap;
  const out = new Uint8Array(width * height * 3);
  const bg = options.background ?? [255, 255, 255];
  for (let p = 0; p < width * height; p++) out.set(bg, p * 3);
  tiles.forEach((tile, i) => {
    const ox = (i % columns) * (cellW + gap);
    const oy = Math.floor(i / columns) * (cellH + gap);
    for (let y = 0; y < tile.height; y++) {
      out.set(tile.data.subarray(y * tile.width * 3, (y + 1) * tile.width * 3), ((oy + y) * width + ox) * 3);
    }
  });
  return { width, height, channels: 3, data: out };
}

/** Scales an image up by an integer factor with nearest-neighbour sampling (crisp small maps). */
export function upscaleNearest(image: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`upscale factor must be a positive integer, got ${factor}`);
  const base = rgb(image);
  const width = base.width * factor;
  const height = base.height * factor;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < width; x++) {
      const s = (sy * base.width + Math.floor(x / factor)) * 3;
      out[(y * width + x) * 3] = base.data[s];
      out[(y * width + x) * 3 + 1] = base.data[s + 1];
      out[(y * width + x) * 3 + 2] = base.data[s + 2];
    }
  }
  return { width, height, channels: 3, data: out };
}
