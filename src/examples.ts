/**
 * Example images for the notebooks: a sample of the synthetic benchmark (with its ground truth),
 * or the user's own image file (without).
 */
import type { Box } from './types';
import { readImage, RgbImage } from './display/png';
import { Benchmark, createBenchmark } from './bench/generator';
import { assertSplit } from './bench/splits';

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
  /** An image file of your own (PNG, JPEG, …); when given, the benchmark is not used. */
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
