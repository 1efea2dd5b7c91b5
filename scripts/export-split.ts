/**
 * Exports a split of the synthetic benchmark in the wsolevaluation layout (src/bench/export.ts).
 *
 *   npm run export:split -- --split test --count 1000 --out data/synthetic [--name synthetic] [--seed 0] [--size 128] [--first 0]
 *
 * Then `npm run eval -- --data data/synthetic --model cam-default` evaluates it (boxes and masks).
 */
import * as path from 'path';
import { EXPORT_DATASET, exportSplit } from '../src/bench/export';
import { createBenchmark } from '../src/bench/generator';
import { assertSplit } from '../src/bench/splits';

function arg(argv: string[], flag: string, dflt?: string): string {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`missing ${flag}`);
  return v;
}

function int(argv: string[], flag: string, dflt: string): number {
  const v = Number(arg(argv, flag, dflt));
  if (!Number.isInteger(v) || v < 0) throw new Error(`${flag} must be a non-negative integer, got '${arg(argv, flag, dflt)}'`);
  return v;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const split = arg(argv, '--split', 'test');
  assertSplit(split);
  const count = int(argv, '--count', '1000');
  const out = path.resolve(arg(argv, '--out'));
  const bench = await createBenchmark({ seed: int(argv, '--seed', '0'), size: int(argv, '--size', '128') });
  const start = Date.now();
  const result = await exportSplit(bench, split, count, out, {
    first: int(argv, '--first', '0'),
    name: arg(argv, '--name', EXPORT_DATASET),
    onProgress: (n, total) => {
      if (n % 200 === 0 || n === total) console.log(`[export] ${split}: ${n}/${total}`);
    },
  });
  console.log(`[export] wrote ${result.images} images of '${result.name}/${split}' to ${out} in ${((Date.now() - start) / 1000).toFixed(1)} s (wsolevaluation's layout: metadata/${result.name}, metadata/${result.name}-masks, dataset/…)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
