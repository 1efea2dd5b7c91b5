/**
 * Re-measures a shipped model's top-1 on the benchmark's test and val splits and records it in its
 * manifest (`metrics.test`, `metrics.val`; the figures they replace move to
 * `metrics.beforeRemeasure`), for when the benchmark's splits change and the weights do not.
 *
 *   npm run record:top1 -- --model cam-default [--test-size 1000] [--val-size 400] [--weights-dir weights]
 *
 * Also prints the predictions on test samples 0–9 (the smoke check of test/weights).
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { benchmarkTop1, handfulPredictions } from '../src/bench/accuracy';
import { createBenchmark } from '../src/bench/generator';
import { defaultWeightsDir, load, readManifest, scalarPreprocessing } from '../src/weights';

function option(argv: string[], flag: string, dflt?: string): string {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`${flag} is required`);
  return v;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const name = option(argv, '--model');
  const testSize = Number(option(argv, '--test-size', '1000'));
  const valSize = Number(option(argv, '--val-size', '400'));
  const weightsDir = path.resolve(option(argv, '--weights-dir', defaultWeightsDir()));
  await initBackend();
  const { model, manifest } = await load(name, { weightsDir });
  const bench = await createBenchmark({ size: manifest.inputSize[1], seed: 0 });
  const { scale, offset } = scalarPreprocessing(manifest);
  const test = await benchmarkTop1(model, bench, 'test', testSize, scale, offset);
  const val = await benchmarkTop1(model, bench, 'val', valSize, scale, offset);
  const handful = handfulPredictions(model, bench, scale, offset);
  model.dispose();
  console.log(`[record] ${name}: test top-1 ${(test.top1 * 100).toFixed(2)} % (${testSize}), val ${(val.top1 * 100).toFixed(2)} % (${valSize}); test samples 0–9 predicted ${handful.join(',')}`);
  const dir = path.join(weightsDir, name);
  const current = readManifest(dir);
  const next = {
    ...current,
    metrics: {
      ...current.metrics,
      test: { split: 'test', images: test.images, top1: test.top1, perClass: test.perClass, handful },
      val: { split: 'val', images: val.images, top1: val.top1 },
      beforeRemeasure: { test: current.metrics.test, val: current.metrics.val, date: new Date().toISOString() },
    },
  };
  const file = path.join(dir, 'manifest.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(next, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  console.log(`[record] wrote metrics.test and metrics.val into ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
