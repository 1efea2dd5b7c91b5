/**
 * Example images for the notebooks: a sample of the synthetic benchmark (with its ground truth),
 * or the user's own image file (without).
 */
import type { Box } from './types';
import type { RgbImage } from './display/png';
import { readImage } from './display/image-file';
import { Benchmark, createBenchmark } from './bench/generator';
import { assertSplit } from './bench/splits';
import type { WeightsManifest } from './weights';

/** An image to localize in, with the ground truth when it is known. */
export interface Example {
  readonly image: RgbImage;
  /** Where it came from: the file, or `benchmark <split> #<index>`. */
  readonly source: string;
  /** True class, box and pixel mask (0/1, row-major) for benchmark samples. */
  readonly truth?: {
    readonly classIndex: number;
    readonly className: string;
    readonly box: Box;
    readonly mask: Uint8Array;
  };
}

/** Options of {@link loadExample}. */
export interface ExampleOptions {
  /**
   * An image file of your own (PNG, JPEG, …), relative to the notebook's folder or absolute; when
   * given, the benchmark is not used.
   */
  readonly path?: string;
  /** Benchmark split. @default 'test' */
  readonly split?: string;
  /** Benchmark sample index. @default 0 */
  readonly index?: number;
  /** Side of the square image (a file is resized to it, cover and centre crop). @default 128 */
  readonly size?: number;
  /** Benchmark seed. @default the benchmark's default */
  readonly seed?: number;
}

const benchmarks = new Map<string, Promise<Benchmark>>();

function benchmark(size: number, seed: number | undefined): Promise<Benchmark> {
  const key = `${size}/${seed ?? 'default'}`;
  let bench = benchmarks.get(key);
  if (!bench) {
    bench = createBenchmark(seed === undefined ? { size } : { size, seed });
    bench.catch(() => benchmarks.delete(key));
    benchmarks.set(key, bench);
  }
  return bench;
}

/**
 * Loads an example: `loadExample({ path: 'cat.jpg' })` for your own image, or
 * `loadExample({ split: 'test', index: 3 })` for a benchmark sample with its true class, box and mask.
 */
export async function loadExample(options: ExampleOptions = {}): Promise<Example> {
  const size = options.size ?? 128;
  if (!Number.isInteger(size) || size < 8) throw new RangeError(`example size must be an integer ≥ 8, got ${size}`);
  if (options.path !== undefined) {
    const image = await readImage(options.path, { size: { width: size, height: size } });
    return { image, source: options.path };
  }
  const split = options.split ?? 'test';
  assertSplit(split);
  const index = options.index ?? 0;
  const sample = (await benchmark(size, options.seed)).sample(split, index);
  return {
    image: { width: sample.width, height: sample.height, channels: 3, data: sample.image },
    source: `benchmark ${split} #${index}`,
    truth: { classIndex: sample.classIndex, className: sample.className, box: sample.box, mask: sample.mask },
  };
}

/** How a manifest's `training.data` starts for the models trained here on the synthetic benchmark. */
const BENCHMARK_TRAINING = 'wsol-lab synthetic benchmark';

/**
 * What a model trained on the synthetic benchmark can say about an image of your own, as Markdown:
 * the classes it knows and how to get a model for photographs (the converters). `undefined` for
 * other models (e.g. converted ImageNet models), whose manifests do not name the benchmark.
 */
export function ownImageNote(manifest: WeightsManifest): string | undefined {
  const data = (manifest.training as { readonly data?: unknown }).data;
  if (typeof data !== 'string' || !data.startsWith(BENCHMARK_TRAINING)) return undefined;
  return (
    `**\`${manifest.name}\` knows only the ${manifest.classes.length} classes of the synthetic benchmark** ` +
    `(${manifest.classes.join(', ')}), drawn as icons on photographs. On a photo of your own it still picks one of them, ` +
    'often with a high score that says nothing about the photo; its maps show what in the photo looks like those icons. ' +
    "For photographs, convert the CAM authors' ImageNet model (README, *Using the original weights*): " +
    '`npm run convert -- --from caffe vgg16CAM_train_iter_90000.caffemodel --arch vgg16-gap --mean 104.007,116.669,122.679 --out weights/vgg16-gap`, ' +
    "then set `MODEL = 'vgg16-gap'`."
  );
}
