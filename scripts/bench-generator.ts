/**
 * Speed of the benchmark generator: images per second at a given size, median of several runs.
 *
 *   npx tsx scripts/bench-generator.ts [--size 128] [--images 300] [--runs 5]
 */
import { createBenchmark } from '../src/bench/generator';

function num(argv: string[], flag: string, dflt: number): number {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const size = num(argv, '--size', 128);
  const images = num(argv, '--images', 300);
  const runs = num(argv, '--runs', 5);
  const t0 = Date.now();
  const bench = await createBenchmark({ size });
  console.log(`[bench] createBenchmark({ size: ${size} }): ${Date.now() - t0} ms (rasterise icons, decode photographs)`);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < images; i++) bench.sample('train', r * images + i);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(images / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(`[bench] ${size}×${size}: median ${median.toFixed(0)} images/s over ${runs} runs of ${images} (min ${rates[0].toFixed(0)}, max ${rates[rates.length - 1].toFixed(0)})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
