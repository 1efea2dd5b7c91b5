/**
 * Benchmark of the pure TypeScript dense CRF (issue 4) on a deterministic synthetic 500×375 RGB
 * image, the two cases of the issue:
 *   A: 2 labels, 5 iterations, gaussian(sxy 3, compat 3) + bilateral(sxy 80, srgb 13, compat 10)
 *   B: 21 labels, 10 iterations, bilateral(sxy 67, srgb 3, compat 4)
 * Prints lattice build and inference times separately, medians of RUNS runs (default 5): wall
 * time, and the process's CPU time (user + system), which is the fairer figure when other jobs
 * share the machine; the load average is printed with them.
 *
 *   npm run bench:crf            # or: RUNS=7 npx tsx scripts/bench-crf.ts
 *   WSOL_CRF_THREADS=1 npm run bench:crf   # on the calling thread only
 *   DUMP_Q=/tmp/q npm run bench:crf        # also write each case's Q as raw float32
 */
import * as fs from 'fs';
import * as os from 'os';
import { crfThreads, DenseCRF2D, unaryFromSoftmax } from '../src/crf';

const WIDTH = 500;
const HEIGHT = 375;
const RUNS = Math.max(5, Number(process.env.RUNS ?? 5));
/** When set, Q of each case's first run is written to `<DUMP_Q>-<labels>.f32` (raw float32, [label][pixel]) for comparison with another implementation. */
const DUMP_Q = process.env.DUMP_Q;

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
function syntheticProbabilities(labelCount: number): Float32Array {
  const random = prng(labelCount);
  const n = WIDTH * HEIGHT;
  const p = new Float32Array(labelCount * n);
  for (let i = 0; i < n; i++) {
    const x = i % WIDTH;
    const preferred = Math.min(labelCount - 1, Math.floor((x / WIDTH) * labelCount));
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
  readonly reference: string;
}

function runCase(c: Case, rgb: Uint8Array): void {
  const unary = unaryFromSoftmax(syntheticProbabilities(c.labels), { clip: 1e-5 });
  const build: number[] = [];
  const infer: number[] = [];
  const buildCpu: number[] = [];
  const inferCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let checksum = 0;
  for (let run = 0; run < RUNS + 1; run++) {
    const crf = new DenseCRF2D(WIDTH, HEIGHT, c.labels);
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
    if (run === 0) {
      checksum = q.reduce((s, v, i) => s + v * ((i % 7) + 1), 0);
      if (DUMP_Q) fs.writeFileSync(`${DUMP_Q}-${c.labels}.f32`, new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
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
  console.log(`${c.name}`);
  console.log(`  lattice build : ${fmt(build, buildCpu)}`);
  console.log(`  inference     : ${fmt(infer, inferCpu)}`);
  console.log(`  load average after the case: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  console.log(`  for comparison: ${c.reference}`);
  console.log(`  checksum of Q (same every run): ${checksum.toFixed(4)}`);
}

function main(): void {
  console.log(
    `dense CRF benchmark: ${WIDTH}×${HEIGHT} synthetic RGB, ${RUNS} timed runs after 1 warm-up, ${crfThreads()} thread(s) (WSOL_CRF_THREADS), node ${process.version}`,
  );
  const rgb = syntheticImage();
  runCase(
    {
      name: 'A: 2 labels, 5 iterations, gaussian(sxy 3, compat 3) + bilateral(sxy 80, srgb 13, compat 10)',
      labels: 2,
      iterations: 5,
      gaussian: { sxy: 3, compat: 3 },
      bilateral: { sxy: 80, srgb: 13, compat: 10 },
      reference:
        'issue 4 (another machine): ≈95 ms build, ≈70 ms inference; densecrf C++ compiled on the development machine (2026-11-27, interleaved with this script): 77 ms build (77–93), 116 ms inference (110–152)',
    },
    rgb,
  );
  runCase(
    {
      name: 'B: 21 labels, 10 iterations, bilateral(sxy 67, srgb 3, compat 4)',
      labels: 21,
      iterations: 10,
      bilateral: { sxy: 67, srgb: 3, compat: 4 },
      reference:
        'issue 4 (another machine): ≈1.1 s in all; densecrf C++ compiled on the development machine (2026-11-27, interleaved with this script): 104 ms build (93–113), 692 ms inference (679–829)',
    },
    rgb,
  );
}

main();
