/**
 * The synthetic localization benchmark: one object of a known class, drawn from vector art, on a
 * random crop of a photograph, among 0–3 distractor objects — so the class, the tight box and the
 * pixel mask are known exactly.
 *
 * Every sample is a pure function of `(seed, split, index)` (a splitmix32 stream seeded by their
 * hash), so samples can be drawn in any order, on any machine, and reproduced. Photographs come
 * from the split's own list ({@link BACKGROUND_SPLITS}); the classes are balanced:
 * `classIndex = index mod 20`.
 *
 * Drawing (per sample): crop a random rectangle (50–100 % of the largest crop of the image's
 * aspect), mirror it with probability ½ and resample it bilinearly; draw the distractors (15–35 %
 * of the image side, kept mostly off the object), then the object (20–60 % of the side — the side
 * of its icon's square canvas — rotated by ±30°, mirrored with probability ½, colour gains
 * `b·c_k` with brightness `b ∈ [0.85, 1.15]` and per-channel `c_k ∈ [0.92, 1.08]`), entirely inside
 * the image. The object's soft alpha is its coverage; the mask is `alpha ≥ 0.5`; the box is the
 * tight inclusive box around the mask.
 */
import * as path from 'path';
import { Box } from '../types';
import { BackgroundInfo, defaultAssetsDir, IconSet, loadBackground, rasteriseIcon, readBackgroundList, readIconSet } from './assets';
import { hashSeed, Random, splitmix32 } from './random';
import { randomColorMap } from './looks';
import { ColorMap, cropBilinear, drawSprite, RgbImage, rotatedHalfExtent, Sprite, SpritePlacement, toBytes } from './raster';
import { assertSplit, BACKGROUND_SPLITS, Split } from './splits';

/** Options of {@link createBenchmark}. */
export interface BenchmarkOptions {
  /** Side of the square images, in pixels (8…1024). @default 128 */
  readonly size?: number;
  /** Seed of the whole benchmark: the same seed gives the same images. @default 0 */
  readonly seed?: number;
  /** Folder holding `icons.json` and `backgrounds/`. @default the repository's `assets/` */
  readonly assetsDir?: string;
  /**
   * Art styles to draw from (keys of `icons.json` styles). @default {@link EVALUATION_STYLES}, the
   * two styles of the published evaluation tables; training uses all of them ({@link allStyles}).
   */
  readonly styles?: readonly string[];
  /**
   * `'varied'` recolours each object and distractor at random (greyscale, hue rotation, channel
   * swap, inversion, flat fill: src/bench/looks.ts), for training; `'natural'` keeps the artists'
   * colours. The geometry of a sample does not depend on this. @default 'natural'
   */
  readonly looks?: 'natural' | 'varied';
  /** Range of the object's side, as a fraction of the image side. @default [0.2, 0.6] */
  readonly objectScale?: readonly [number, number];
  /** Maximum rotation of objects and distractors, in degrees (uniform in ±this). @default 30 */
  readonly maxRotationDeg?: number;
  /** Inclusive range of the number of distractors. @default [0, 3] */
  readonly distractorCount?: readonly [number, number];
  /** Range of a distractor's side, as a fraction of the image side. @default [0.15, 0.35] */
  readonly distractorScale?: readonly [number, number];
}

/** One generated image with its exact ground truth. */
export interface BenchmarkSample {
  /** `height × width × 3` RGB bytes, row-major. */
  readonly image: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly classIndex: number;
  readonly className: string;
  /** Tight inclusive box around {@link mask} (see `Box` in src/types.ts). */
  readonly box: Box;
  /** `height × width` values, 1 where the object's alpha is ≥ 0.5, else 0. */
  readonly mask: Uint8Array;
  /** `height × width` soft coverage of the object, in [0, 1]. */
  readonly alpha: Float32Array;
  /** Id of the photograph the background was cropped from. */
  readonly background: string;
  /** Art style of the object. */
  readonly style: string;
  /** Names of the distractors drawn. */
  readonly distractors: readonly string[];
}

/** A ready generator: icons rasterised and photographs decoded. */
export interface Benchmark {
  /** The class names; line i of `classes.txt` is class i. */
  readonly classes: readonly string[];
  /** The options in effect, defaults filled in. */
  readonly options: Required<Omit<BenchmarkOptions, 'assetsDir'>>;
  /** The photographs of each split. */
  readonly backgrounds: Readonly<Record<Split, readonly string[]>>;
  /** Sample `index` (a non-negative integer) of `split`. Synchronous and deterministic. */
  sample(split: Split, index: number): BenchmarkSample;
}

/**
 * The art styles of the benchmark's evaluation (`createBenchmark`'s default): Noto and Fluent flat,
 * the two the first models were trained and measured on. The other styles of `icons.json`
 * (OpenMoji, Fluent high contrast) are for training.
 */
export const EVALUATION_STYLES: readonly string[] = ['noto', 'fluent-emoji-flat'];

/** Every art style of an icon set. */
export function allStyles(icons: IconSet): string[] {
  return Object.keys(icons.styles);
}

const SIZE_BUCKET_RATIO = 1.5;
const SMALLEST_BUCKET = 12;

function checkRange(name: string, range: readonly [number, number], lo: number, hi: number): void {
  const [a, b] = range;
  if (!(a >= lo && b <= hi && a <= b)) {
    throw new RangeError(`${name} must satisfy ${lo} ≤ min ≤ max ≤ ${hi}, got [${a}, ${b}]`);
  }
}

function resolveOptions(options: BenchmarkOptions, icons: IconSet): Benchmark['options'] {
  const size = options.size ?? 128;
  if (!Number.isInteger(size) || size < 8 || size > 1024) {
    throw new RangeError(`size must be an integer in [8, 1024], got ${size}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  const known = allStyles(icons);
  const styles = options.styles ?? EVALUATION_STYLES.filter((s) => known.includes(s));
  if (styles.length === 0) throw new RangeError('styles must not be empty');
  for (const s of styles) {
    if (!known.includes(s)) throw new RangeError(`unknown style '${s}': expected some of ${known.join(', ')}`);
  }
  const looks = options.looks ?? 'natural';
  if (looks !== 'natural' && looks !== 'varied') throw new RangeError(`looks must be 'natural' or 'varied', got '${String(looks)}'`);
  const objectScale = options.objectScale ?? [0.2, 0.6];
  checkRange('objectScale', objectScale, 0.05, 0.7);
  const maxRotationDeg = options.maxRotationDeg ?? 30;
  if (!(maxRotationDeg >= 0 && maxRotationDeg <= 45)) {
    throw new RangeError(`maxRotationDeg must be in [0, 45], got ${maxRotationDeg}`);
  }
  const distractorCount = options.distractorCount ?? [0, 3];
  checkRange('distractorCount', distractorCount, 0, 8);
  if (!distractorCount.every(Number.isInteger)) throw new RangeError('distractorCount must hold integers');
  const distractorScale = options.distractorScale ?? [0.15, 0.35];
  checkRange('distractorScale', distractorScale, 0.05, 0.7);
  return { size, seed, styles, looks, objectScale, maxRotationDeg, distractorCount, distractorScale };
}

/** The raster sizes icons are prepared at: 12, 18, 27, … up to the first ≥ `maxSide`. */
export function sizeBuckets(maxSide: number): number[] {
  const buckets = [SMALLEST_BUCKET];
  while (buckets[buckets.length - 1] < maxSide) {
    buckets.push(Math.ceil(buckets[buckets.length - 1] * SIZE_BUCKET_RATIO));
  }
  return buckets;
}

/** The smallest bucket at least `side` pixels wide, so a sprite is only ever shrunk, by ≤ 1.5×. */
function bucketFor(buckets: readonly number[], side: number): number {
  for (const b of buckets) if (b >= side) return b;
  return buckets[buckets.length - 1];
}

type SpriteTable = Map<string, Sprite>;
const spriteKey = (style: string, name: string, bucket: number): string => `${style}/${name}/${bucket}`;

async function rasteriseAll(icons: IconSet, styles: readonly string[], buckets: readonly number[]): Promise<SpriteTable> {
  const table: SpriteTable = new Map();
  for (const style of styles) {
    for (const name of [...icons.classes, ...icons.distractors]) {
      for (const b of buckets) table.set(spriteKey(style, name, b), await rasteriseIcon(icons.styles[style], name, b));
    }
  }
  return table;
}

interface Drawn {
  readonly name: string;
  readonly style: string;
  readonly placement: SpritePlacement;
}

function randomLook(rng: Random, side: number, maxRotationDeg: number): Omit<SpritePlacement, 'cx' | 'cy'> {
  const angle = (rng.uniform(-maxRotationDeg, maxRotationDeg) * Math.PI) / 180;
  const flip = rng.chance(0.5);
  const b = rng.uniform(0.85, 1.15);
  const gains: [number, number, number] = [b * rng.uniform(0.92, 1.08), b * rng.uniform(0.92, 1.08), b * rng.uniform(0.92, 1.08)];
  return { side, angle, flip, gains };
}

/** Fraction of the square of half-side `e` around (x, y) that lies inside `box`. */
function overlapShare(x: number, y: number, e: number, box: { x0: number; y0: number; x1: number; y1: number }): number {
  const w = Math.max(0, Math.min(x + e, box.x1) - Math.max(x - e, box.x0));
  const h = Math.max(0, Math.min(y + e, box.y1) - Math.max(y - e, box.y0));
  return (w * h) / (4 * e * e);
}

/** Tight inclusive box of the non-zero pixels of `mask`, or undefined when it is empty. */
export function maskBox(mask: Uint8Array, width: number, height: number): Box | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1, y1 };
}

class SyntheticBenchmark implements Benchmark {
  readonly backgrounds = BACKGROUND_SPLITS;

  constructor(
    readonly classes: readonly string[],
    readonly options: Benchmark['options'],
    private readonly icons: IconSet,
    private readonly photos: ReadonlyMap<string, RgbImage>,
    private readonly sprites: SpriteTable,
    private readonly buckets: readonly number[],
  ) {}

  sample(split: Split, index: number): BenchmarkSample {
    assertSplit(split);
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`index must be a non-negative integer, got ${index}`);
    const { size, seed, styles, looks, objectScale, maxRotationDeg, distractorCount, distractorScale } = this.options;
    const rng = splitmix32(hashSeed(seed, split, index));
    // A stream of its own, so that a sample's geometry is the same with either looks.
    const lookRng = splitmix32(hashSeed(seed, split, index, 'looks'));
    const recolour = (): { colorMap?: ColorMap } => {
      const colorMap = looks === 'varied' ? randomColorMap(lookRng) : undefined;
      return colorMap === undefined ? {} : { colorMap };
    };
    const classIndex = index % this.classes.length;
    const className = this.classes[classIndex];
    const style = rng.pick(styles);

    const background = rng.pick(this.backgrounds[split]);
    const canvas = this.backgroundCrop(rng, background);

    const objectSide = rng.uniform(objectScale[0], objectScale[1]) * size;
    const objectLook = randomLook(rng, objectSide, maxRotationDeg);
    const e = rotatedHalfExtent(objectSide, objectLook.angle);
    const object: Drawn = {
      name: className,
      style,
      placement: { ...objectLook, cx: rng.uniform(e, size - e), cy: rng.uniform(e, size - e), ...recolour() },
    };
    const objectRect = { x0: object.placement.cx - e, y0: object.placement.cy - e, x1: object.placement.cx + e, y1: object.placement.cy + e };

    const distractors: Drawn[] = [];
    const count = rng.int(distractorCount[0], distractorCount[1]);
    for (let k = 0; k < count; k++) {
      const name = rng.pick(this.icons.distractors);
      const dStyle = rng.pick(styles);
      const look = randomLook(rng, rng.uniform(distractorScale[0], distractorScale[1]) * size, maxRotationDeg);
      const de = rotatedHalfExtent(look.side, look.angle);
      for (let attempt = 0; attempt < 10; attempt++) {
        const cx = rng.uniform(de, size - de);
        const cy = rng.uniform(de, size - de);
        if (overlapShare(cx, cy, de, objectRect) <= 0.2) {
          distractors.push({ name, style: dStyle, placement: { ...look, cx, cy, ...recolour() } });
          break;
        }
      }
    }

    for (const d of distractors) this.draw(canvas, d);
    const alpha = new Float32Array(size * size);
    this.draw(canvas, object, alpha);

    const mask = new Uint8Array(size * size);
    for (let i = 0; i < alpha.length; i++) mask[i] = alpha[i] >= 0.5 ? 1 : 0;
    const box = maskBox(mask, size, size);
    if (box === undefined) throw new Error(`sample ${split}/${index}: the object's mask is empty`);
    return {
      image: toBytes(canvas),
      width: size,
      height: size,
      classIndex,
      className,
      box,
      mask,
      alpha,
      background,
      style,
      distractors: distractors.map((d) => d.name),
    };
  }

  private backgroundCrop(rng: Random, id: string): Float32Array {
    const photo = this.photos.get(id);
    if (photo === undefined) throw new Error(`photograph '${id}' is not loaded`);
    const side = Math.min(photo.width, photo.height) * rng.uniform(0.5, 1);
    const x = rng.uniform(0, photo.width - side);
    const y = rng.uniform(0, photo.height - side);
    const mirror = rng.chance(0.5);
    const { size } = this.options;
    return cropBilinear(photo, { x, y, width: side, height: side }, size, size, mirror);
  }

  private draw(canvas: Float32Array, d: Drawn, alphaOut?: Float32Array): void {
    const bucket = bucketFor(this.buckets, d.placement.side);
    const sprite = this.sprites.get(spriteKey(d.style, d.name, bucket));
    if (sprite === undefined) throw new Error(`no raster of '${d.style}/${d.name}' at ${bucket}px`);
    const { size } = this.options;
    drawSprite(canvas, size, size, sprite, d.placement, alphaOut);
  }
}

/**
 * Prepares the benchmark: reads `icons.json`, rasterises every icon of the chosen styles at the
 * size buckets needed, and decodes the photographs (shrunk to a short side of `2 × size`, so a crop
 * is resampled by at most 2×). Takes a few seconds; sampling is then synchronous and fast.
 *
 * @example
 * ```ts
 * const bench = await createBenchmark({ size: 128, seed: 0 });
 * const { image, box, mask, className } = bench.sample('test', 0);
 * ```
 */
export async function createBenchmark(options: BenchmarkOptions = {}): Promise<Benchmark> {
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  const icons = readIconSet(assetsDir);
  const resolved = resolveOptions(options, icons);
  const { size, objectScale, distractorScale } = resolved;
  const buckets = sizeBuckets(Math.max(objectScale[1], distractorScale[1]) * size);
  const sprites = await rasteriseAll(icons, resolved.styles, buckets);

  const list = readBackgroundList(assetsDir);
  const byId = new Map<string, BackgroundInfo>(list.map((b) => [b.id, b]));
  const photos = new Map<string, RgbImage>();
  for (const id of [...BACKGROUND_SPLITS.train, ...BACKGROUND_SPLITS.val, ...BACKGROUND_SPLITS.test]) {
    const info = byId.get(id);
    if (info === undefined) throw new Error(`photograph '${id}' of the splits is missing from backgrounds/manifest.json`);
    photos.set(id, await loadBackground(path.join(assetsDir, 'backgrounds', info.file), 2 * size));
  }
  return new SyntheticBenchmark(icons.classes, resolved, icons, photos, sprites, buckets);
}
