/**
 * Benchmark of the localization methods on VGG16 (random weights) at 224 × 224, batch 1: the median
 * latency of each method and its ratio to one plain forward pass of the same network
 * (`model.predict` + download), medians of several runs after warm-up, each method timed
 * alternately with the forward pass so that the load of a shared machine affects both alike. CAM
 * runs on VGG16-GAP (its ratio is to the VGG16-GAP forward pass), the others on VGG16.
 *
 *   npm run bench:methods -- [--runs 5] [--warmup 2] [--size 224] [--with-score-cam] [--only gradCam,cam]
 *
 * Score-CAM needs one masked forward pass per channel of conv5_3 (512 per image): it is skipped
 * unless --with-score-cam is given, and then timed once. Prints a table; asserts nothing. The
 * "CPU × forward" column is the same ratio in process CPU time (all threads), which the load of
 * other processes on a shared machine disturbs far less than wall time.
 */
import { performance } from 'perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import {
  cam,
  eigenCam,
  gradCam,
  gradCamPlusPlus,
  guidedBackprop,
  guidedGradCam,
  hiResCam,
  layerCam,
  scoreCam,
  vgg16,
  vgg16Gap,
  xGradCam,
} from '../src';

interface Args {
  runs: number;
  warmup: number;
  size: number;
  withScoreCam: boolean;
  /** Method names to run (all when empty). */
  only: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} expects a non-negative integer, got ${argv[i + 1]}`);
    return v;
  };
  return {
    runs: Math.max(1, value('--runs', 5)),
    warmup: value('--warmup', 2),
    size: value('--size', 224),
    withScoreCam: argv.includes('--with-score-cam'),
    only: argv.includes('--only') ? (argv[argv.indexOf('--only') + 1] ?? '').split(',').filter((m) => m !== '') : [],
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time and process CPU time (all threads, user + system), in ms, of one awaited call. */
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

async function once(run: () => Promise<unknown>): Promise<Timing> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/**
 * Times `run` and the forward pass alternately (`runs` pairs after `warmup` untimed pairs), so that
 * the load of a shared machine drifts over both alike.
 */
async function timePaired(
  run: () => Promise<unknown>,
  forward: () => Promise<unknown>,
  runs: number,
  warmup: number,
): Promise<{ method: Timing[]; forward: Timing[] }> {
  for (let i = 0; i < warmup; i++) {
    await forward();
    await run();
  }
  const method: Timing[] = [];
  const base: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(await once(forward));
    method.push(await once(run));
  }
  return { method, forward: base };
}

async function forwardOf(model: tf.LayersModel, images: tf.Tensor4D): Promise<void> {
  const out = model.predict(images) as tf.Tensor;
  await out.data();
  out.dispose();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const report = await initBackend();
  const { size, runs, warmup } = args;
  console.log(`backend: ${report.name} (${report.reason}); tfjs ${tf.version.tfjs}; VGG16 random weights, ${size}×${size}, batch 1`);
  console.log(`median of ${runs} runs after ${warmup} warm-up runs\n`);

  const images = tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 42) as tf.Tensor4D;
  const plain = vgg16({ inputSize: size });
  const gap = vgg16Gap({ inputSize: size });
  const target = 281;
  const startTensors = tf.memory().numTensors;

  const forward = { vgg16: () => forwardOf(plain, images), vgg16Gap: () => forwardOf(gap, images) };

  type Row = { method: string; model: string; wall: number; base: number; cpu: number; cpuBase: number; goal?: number; runs: number };
  const rows: Row[] = [];
  const bench = async (
    method: string,
    model: keyof typeof forward,
    run: () => Promise<unknown>,
    goal?: number,
    n = runs,
    w = warmup,
  ): Promise<void> => {
    if (args.only.length > 0 && !args.only.includes(method.split(' ')[0])) return;
    const t = await timePaired(run, forward[model], n, w);
    const wall = (list: Timing[]): number => median(list.map((x) => x.wall));
    const cpu = (list: Timing[]): number => median(list.map((x) => x.cpu));
    rows.push({ method, model, wall: wall(t.method), base: wall(t.forward), cpu: cpu(t.method), cpuBase: cpu(t.forward), goal, runs: n });
    const show = (list: Timing[]): string => list.map((x) => x.wall.toFixed(0)).join(' ');
    process.stderr.write(`  ${method} on ${model}: ${show(t.method)} ms (forward ${show(t.forward)})\n`);
  };

  await bench('cam', 'vgg16Gap', () => cam(gap, images, { target }), 1.05);
  await bench('gradCam', 'vgg16Gap', () => gradCam(gap, images, { target }));
  await bench('gradCam', 'vgg16', () => gradCam(plain, images, { target }), 1.5);
  await bench('gradCamPlusPlus', 'vgg16', () => gradCamPlusPlus(plain, images, { target }));
  await bench('xGradCam', 'vgg16', () => xGradCam(plain, images, { target }));
  await bench('layerCam', 'vgg16', () => layerCam(plain, images, { target }));
  await bench('hiResCam', 'vgg16', () => hiResCam(plain, images, { target }));
  await bench('eigenCam', 'vgg16', () => eigenCam(plain, images));
  await bench('guidedBackprop', 'vgg16', () => guidedBackprop(plain, images, { target }));
  await bench('guidedGradCam', 'vgg16', () => guidedGradCam(plain, images, { target }), 3.5);
  if (args.withScoreCam) {
    await bench('scoreCam (512 masks)', 'vgg16', () => scoreCam(plain, images, { target, batchSize: 16 }), undefined, 1, 0);
  }

  const leaked = tf.memory().numTensors - startTensors;
  const header = ['method', 'model', 'median ms', 'forward ms', '× forward', 'CPU × forward', 'target', 'runs'];
  const lines = rows.map((r) => {
    const ratio = r.wall / r.base;
    const cpuRatio = r.cpu / r.cpuBase;
    const goal = r.goal === undefined ? '' : `≤ ${r.goal.toFixed(2)} ${ratio <= r.goal ? 'met' : 'MISSED'}${cpuRatio <= r.goal ? '' : ' (CPU missed)'}`;
    return [r.method, r.model, r.wall.toFixed(1), r.base.toFixed(1), ratio.toFixed(2), cpuRatio.toFixed(2), goal, String(r.runs)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
  if (!args.withScoreCam) console.log('\nscoreCam skipped (512 masked forward passes per image); add --with-score-cam to time it once.');
  console.log(`tensors left over after the benchmark: ${leaked}`);

  images.dispose();
  plain.dispose();
  gap.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
