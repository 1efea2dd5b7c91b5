/**
 * Loading the benchmark's ingredients from `assets/`: the icon set (`icons.json`, four art styles)
 * and the photographs (`backgrounds/`), decoded once with sharp into typed arrays.
 *
 * Icons are rasterised by librsvg (through sharp) once per size bucket, with the pixel size written
 * into the SVG itself (sharp rasterises at 72 dpi, and resizing a raster afterwards would blur it),
 * then premultiplied by alpha so that later resampling leaves no dark fringes. See
 * `assets/CREDITS.md` for the sources and licences.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { premultiplyRgba, RgbImage, Sprite } from './raster';

/** The content of `assets/icons.json`. */
export interface IconSet {
  readonly classes: readonly string[];
  readonly distractors: readonly string[];
  readonly styles: Readonly<Record<string, IconStyle>>;
}

/** One art style of {@link IconSet}: the viewBox size and the SVG body of every icon. */
export interface IconStyle {
  readonly width: number;
  readonly height: number;
  readonly icons: Readonly<Record<string, { readonly body: string }>>;
}

/** One entry of `assets/backgrounds/manifest.json`. */
export interface BackgroundInfo {
  readonly id: string;
  readonly file: string;
  readonly licence: string;
  readonly author: string;
  readonly src: string;
}

/** The folder `assets/` of this repository. */
export function defaultAssetsDir(): string {
  return path.resolve(__dirname, '..', '..', 'assets');
}

/** Reads and checks `icons.json`: every class and distractor must exist in every style. */
export function readIconSet(assetsDir: string = defaultAssetsDir()): IconSet {
  const file = path.join(assetsDir, 'icons.json');
  const set = JSON.parse(fs.readFileSync(file, 'utf8')) as IconSet;
  for (const [style, info] of Object.entries(set.styles)) {
    for (const name of [...set.classes, ...set.distractors]) {
      if (info.icons[name] === undefined) throw new Error(`${file}: style '${style}' has no icon '${name}'`);
    }
  }
  return set;
}

/** Reads `backgrounds/manifest.json`. */
export function readBackgroundList(assetsDir: string = defaultAssetsDir()): BackgroundInfo[] {
  return JSON.parse(fs.readFileSync(path.join(assetsDir, 'backgrounds', 'manifest.json'), 'utf8')) as BackgroundInfo[];
}

/** The SVG document of one icon with its pixel size written in (so librsvg draws at that size). */
export function iconSvg(style: IconStyle, name: string, pixels: number): string {
  const icon = style.icons[name];
  if (icon === undefined) throw new Error(`no icon '${name}' in this style`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `viewBox="0 0 ${style.width} ${style.height}" width="${pixels}" height="${pixels}">${icon.body}</svg>`
  );
}

/** Rasterises one icon at `pixels × pixels` into a premultiplied sprite. */
export async function rasteriseIcon(style: IconStyle, name: string, pixels: number): Promise<Sprite> {
  const { data, info } = await sharp(Buffer.from(iconSvg(style, name, pixels)))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== pixels || info.height !== pixels || info.channels !== 4) {
    throw new Error(`icon '${name}': librsvg gave ${info.width}×${info.height}×${info.channels}, expected ${pixels}×${pixels}×4`);
  }
  return premultiplyRgba(new Uint8Array(data.buffer, data.byteOffset, data.length), pixels);
}

/**
 * Decodes a photograph to 8-bit RGB (greyscale photographs are expanded to three equal channels),
 * shrinking it with a Lanczos filter so that its short side is at most `maxShortSide`.
 */
export async function loadBackground(file: string, maxShortSide: number): Promise<RgbImage> {
  const meta = await sharp(file).metadata();
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  let pipeline = sharp(file).removeAlpha().toColourspace('srgb');
  const short = Math.min(w, h);
  if (short > maxShortSide) {
    const f = maxShortSide / short;
    pipeline = pipeline.resize(Math.round(w * f), Math.round(h * f), { kernel: 'lanczos3' });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return { width: info.width, height: info.height, data: new Uint8Array(data) };
  // Greyscale decoded as one channel: expand.
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) {
    const v = data[i * info.channels];
    rgb[i * 3] = v;
    rgb[i * 3 + 1] = v;
    rgb[i * 3 + 2] = v;
  }
  return { width: info.width, height: info.height, data: rgb };
}
