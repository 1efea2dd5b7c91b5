/**
 * Benchmark of the dense CRF on 500×375 RGB images, the two cases of the CRF issues:
 *   A: 2 labels, 5 iterations, gaussian(sxy 3, compat 3) + bilateral(sxy 80, srgb 13, compat 10)
 *   B: 21 labels, 10 iterations, bilateral(sxy 67, srgb 3, compat 4)
 * each on a deterministic synthetic image and on a photograph from assets/ (resized to 500×375;
 * a photo has several times the lattice vertices of the synthetic image). Prints lattice build and
 * inference times separately, medians of RUNS runs (default 5): wall time, and the process's CPU
 * time (user + system, all threads); the load average is printed with them.
 *
 *   npm run bench:crf                      # the implementation in use (WebAssembly unless WSOL_CRF=ts)
 *   WSOL_CRF=ts npm run bench:crf          # the TypeScript reference
 *   WSOL_CRF_THREADS=1 npm run bench:crf   # on the calling thread only
 *   DUMP_Q=/tmp/q npm run bench:crf        # also write each case's Q as raw float32
 *   DUMP_INPUT=/tmp/in npm run bench:crf   # also write each case's RGB (raw bytes) and unary (raw float32), for another implementation
 *   ONLY=photo npm run bench:crf           # only the cases whose name contains the text
 *   npm run bench:crf -- --memory          # 2000×1500, 21 labels, 10 iterations once: time and peak RSS
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { crfThreads, DenseCRF2D, unaryFromSoftmax } from '../src/crf';

const WIDTH = 500;
const HEIGHT = 375;
const RUNS = Math.max(5, Number(process.env.RUNS ?? 5));
/** When set, Q of each case's first run is written to `<DUMP_Q>-<labels>.f32` (raw float32, [label][pixel]) for comparison with another implementation. */
const DUMP_Q = process.env.DUMP_Q;
/** When set, each case's image and unary are written to `<DUMP_INPUT>-<image>-<labels>.rgb|.unary`. */
const DUMP_INPUT = process.env.DUMP_INPUT;
const ONLY = process.env.ONLY ?? '';
/** The photograph of the photo cases. */
const PHOTO = 'assets/backgrounds/polyhaven_forest.png';

/** A small deterministic PRNG (mulberry32), so every run sees the same image and unaries. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A photograph-like test image: smooth gradient background, three coloured blobs, sensor noise. */
function syntheticImage(): Uint8Array {
  const random = prng(1);
  const rgb = new Uint8Array(WIDTH * HEIGHT * 3);
  const blobs = [
    { cx: 180, cy: 190, r: 90, color: [200, 60, 40] },
    { cx: 360, cy: 120, r: 60, color: [40, 160, 70] },
    { cx: 380, cy: 290, r: 50, color: [50, 70, 210] },
  ];
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      let c = [90 + (100 * x) / WIDTH, 110 + (80 * y) / HEIGHT, 140 - (60 * x) / WIDTH];
      for (const b of blobs) {
        const d = Math.hypot(x - b.cx, y - b.cy) / b.r;
        if (d < 1) c = b.color.map((v, k) => v * (1 - 0.3 * d) + c[k] * 0.3 * d);
      }
      for (let k = 0; k < 3; k++) rgb[(y * WIDTH + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + (random() - 0.5) * 16)));
    }
  }
  return rgb;
}

/** Noisy label probabilities `[label][pixel]`: label l likes a vertical band, plus noise. */
function syntheticProbabilities(labelCount: number, width = WIDTH, height = HEIGHT): Float32Array {
  const random = prng(labelCount);
  const n = width * height;
  const p = new Float32Array(labelCount * n);
  for (let i = 0; i < n; i++) {
    const x = i % width;
    const preferred = Math.min(labelCount - 1, Math.floor((x / width) * labelCount));
    let sum = 0;
    for (let l = 0; l < labelCount; l++) {
      const v = (l === preferred ? 2 : 0.5) + random();
      p[l * n + i] = v;
      sum += v;
    }
    for (let l = 0; l < labelCount; l++) p[l * n + i] /= sum;
  }
  return p;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Case {
  readonly name: string;
  readonly labels: number;
  readonly iterations: number;
  readonly gaussian?: { sxy: number; compat: number };
  readonly bilateral: { sxy: number; srgb: number; compat: number };
}

/** The photograph resized to width × height (cover), as interleaved RGB. */
async function photo(width: number, height: number): Promise<Uint8Array> {
  const { data } = await sharp(path.join(__dirname, '..', PHOTO))
    .resize(width, height, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

function runCase(c: Case, image: string, rgb: Uint8Array): void {
  if (!`${c.name} ${image}`.includes(ONLY)) return;
  const unary = unaryFromSoftmax(syntheticProbabilities(c.labels), { clip: 1e-5 });
  if (DUMP_INPUT) {
    fs.writeFileSync(`${DUMP_INPUT}-${image}-${c.labels}.rgb`, rgb);
    fs.writeFileSync(`${DUMP_INPUT}-${image}-${c.labels}.unary`, new Uint8Array(unary.buffer, unary.byteOffset, unary.byteLength));
  }
  const build: number[] = [];
  const infer: number[] = [];
  const buildCpu: number[] = [];
  const inferCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let checksum = 0;
  let implementation = '';
  for (let run = 0; run < RUNS + 1; run++) {
    const crf = new DenseCRF2D(WIDTH, HEIGHT, c.labels);
    implementation = crf.implementation;
    crf.setUnaryEnergy(unary);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    if (c.gaussian) crf.addPairwiseGaussian(c.gaussian);
    crf.addPairwiseBilateral({ ...c.bilateral, rgb });
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const q = crf.inference(c.iterations);
    const t2 = performance.now();
    const inferenceCpu = cpuMs(c1);
    crf.dispose();
    if (run === 0) {
      checksum = q.reduce((s, v, i) => s + v * ((i % 7) + 1), 0);
      if (DUMP_Q) fs.writeFileSync(`${DUMP_Q}-${image}-${c.labels}.f32`, new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
      continue; // warm-up run, not counted
    }
    build.push(t1 - t0);
    infer.push(t2 - t1);
    buildCpu.push(cpuMs(c0) - inferenceCpu);
    inferCpu.push(inferenceCpu);
  }
  const fmt = (wall: number[], cpu: number[]) =>
    `median ${median(wall).toFixed(1)} ms wall (min ${Math.min(...wall).toFixed(1)}, max ${Math.max(...wall).toFixed(1)}), ` +
    `median ${median(cpu).toFixed(1)} ms CPU (min ${Math.min(...cpu).toFixed(1)})`;
  console.log(`${c.name}, ${image} image (${implementation})`);
  console.log(`  lattice build : ${fmt(build, buildCpu)}`);
  console.log(`  inference     : ${fmt(infer, inferCpu)}`);
  console.log(`  load average after the case: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  console.log(`  checksum of Q (same every run): ${checksum.toFixed(4)}`);
}

const CASE_A: Case = {
  name: 'A: 2 labels, 5 iterations, gaussian(sxy 3, compat 3) + bilateral(sxy 80, srgb 13, compat 10)',
  labels: 2,
  iterations: 5,
  gaussian: { sxy: 3, compat: 3 },
  bilateral: { sxy: 80, srgb: 13, compat: 10 },
};
const CASE_B: Case = {
  name: 'B: 21 labels, 10 iterations, bilateral(sxy 67, srgb 3, compat 4)',
  labels: 21,
  iterations: 10,
  bilateral: { sxy: 67, srgb: 3, compat: 4 },
};

/** Case B on the photograph at 2000×1500, once: times, wasm memory and the process's peak RSS. */
async function memoryCase(): Promise<void> {
  const width = 2000;
  const height = 1500;
  const rgb = await photo(width, height);
  const unary = unaryFromSoftmax(syntheticProbabilities(21, width, height), { clip: 1e-5 });
  const rssBefore = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const crf = new DenseCRF2D(width, height, 21);
  crf.setUnaryEnergy(unary);
  crf.addPairwiseBilateral({ ...CASE_B.bilateral, rgb });
  const t1 = performance.now();
  crf.inference(CASE_B.iterations);
  const t2 = performance.now();
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(`2000×1500, 21 labels, 10 iterations, bilateral(sxy 67, srgb 3, compat 4), photo (${crf.implementation}, ${crfThreads()} thread(s))`);
  console.log(`  build ${(t1 - t0).toFixed(0)} ms, inference ${(t2 - t1).toFixed(0)} ms`);
  console.log(`  inputs (unary ${mib(unary.byteLength)}, rgb ${mib(rgb.byteLength)}); RSS before the CRF ${mib(rssBefore)} (peak so far ${mib(peakBefore)})`);
  console.log(`  peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}; RSS after the run ${mib(process.memoryUsage().rss)}`);
  crf.dispose();
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`  RSS after dispose() ${mib(process.memoryUsage().rss)}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--memory')) return memoryCase();
  console.log(
    `dense CRF benchmark: ${WIDTH}×${HEIGHT} RGB, ${RUNS} timed runs after 1 warm-up, ${crfThreads()} thread(s) (WSOL_CRF_THREADS), node ${process.version}`,
  );
  const synthetic = syntheticImage();
  const photograph = await photo(WIDTH, HEIGHT);
  runCase(CASE_A, 'synthetic', synthetic);
  runCase(CASE_B, 'synthetic', synthetic);
  runCase(CASE_A, 'photo', photograph);
  runCase(CASE_B, 'photo', photograph);
}

void main();
