/**
 * Evaluates localization methods on a dataset folder in the wsolevaluation layout.
 *
 *   npm run eval -- --data <folder> --model <name> [--methods cam,gradCam,…] [--crf] [--crf-preset calibrated|seed]
 *                   [--split test] [--weights-dir weights] [--batch 32] [--limit N]
 *                   [--target true|predicted] [--faithfulness N] [--out <folder>] [--repeat N]
 *
 * `--crf` refines with the model's CRF parameters calibrated on val for the first method
 * (`npm run tune:crf`, recorded in its manifest), or the seed notebook's when it has none or with
 * `--crf-preset seed`.
 * Prints a table (one row per method, and per method + CRF with --crf) and the throughput, and
 * writes `<out>/<model>-<split>.json` and `.md` (default out: `<data>/eval`). `--repeat N` runs the
 * whole evaluation N times and prints the median throughput (a benchmark; reports of the last run).
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { HEATMAP_METHODS } from '../src/methods';
import { readWsolDataset } from '../src/eval/dataset';
import { formatJsonReport, formatMarkdownReport, formatTextReport } from '../src/eval/report';
import { crfRefiner, DatasetEvaluation, LocalizationMethod, MethodSpec, evaluateDataset } from '../src/eval/runner';
import { load } from '../src/weights';
import { CAM_CRF_PRESETS } from '../src/calibrate/crf-search';
import { crfOptionsFor } from '../src/calibrate/manifest';

/** The methods `--methods` can name: the library's one table of heatmap methods. */
const METHODS: Readonly<Record<string, LocalizationMethod>> = HEATMAP_METHODS;

const USAGE = `usage: npm run eval -- --data <folder> --model <name> [--methods ${Object.keys(METHODS).join(',')}] [--crf] [--crf-preset calibrated|seed]
       [--split test] [--weights-dir <folder>] [--batch 32] [--limit N] [--target true|predicted]
       [--faithfulness N] [--out <folder>] [--repeat N]`;

interface Args {
  data: string;
  model: string;
  methods: string[];
  crf: boolean;
  crfPreset: 'calibrated' | 'seed';
  split: string;
  weightsDir?: string;
  batch: number;
  limit?: number;
  target: 'true' | 'predicted';
  faithfulness: number;
  out?: string;
  repeat: number;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'\n${USAGE}`);
    if (a === '--crf' || a === '--help') flags.add(a);
    else {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      values.set(a, v);
    }
  }
  if (flags.has('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const known = ['--data', '--model', '--methods', '--crf-preset', '--split', '--weights-dir', '--batch', '--limit', '--target', '--faithfulness', '--out', '--repeat'];
  for (const k of values.keys()) if (!known.includes(k)) throw new Error(`unknown option ${k}\n${USAGE}`);
  const required = (k: string): string => {
    const v = values.get(k);
    if (v === undefined) throw new Error(`${k} is required\n${USAGE}`);
    return v;
  };
  const integer = (k: string, dflt?: number): number | undefined => {
    const v = values.get(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${k} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const methods = (values.get('--methods') ?? 'cam').split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const m of methods) {
    if (METHODS[m] === undefined) throw new Error(`unknown method '${m}': expected some of ${Object.keys(METHODS).join(', ')}`);
  }
  const target = values.get('--target') ?? 'true';
  if (target !== 'true' && target !== 'predicted') throw new Error(`--target must be 'true' or 'predicted', got '${target}'`);
  const crfPreset = values.get('--crf-preset') ?? 'calibrated';
  if (crfPreset !== 'calibrated' && crfPreset !== 'seed') throw new Error(`--crf-preset must be 'calibrated' or 'seed', got '${crfPreset}'`);
  return {
    data: path.resolve(required('--data')),
    model: required('--model'),
    methods,
    crf: flags.has('--crf'),
    crfPreset,
    split: values.get('--split') ?? 'test',
    weightsDir: values.get('--weights-dir'),
    batch: integer('--batch', 32) as number,
    limit: integer('--limit'),
    target,
    faithfulness: integer('--faithfulness', 0) as number,
    out: values.get('--out'),
    repeat: Math.max(1, integer('--repeat', 1) as number),
  };
}

/** A one-line progress bar on stderr, redrawn in place on a terminal, every 10 % otherwise. */
function progressBar(start: number): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    const seconds = (Date.now() - start) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const width = 30;
    const filled = Math.round((width * done) / total);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(1)} img/s  ETA ${eta.toFixed(0)} s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}${done === total ? '\n' : ''}`);
    else if (Math.floor((10 * done) / total) > lastTenth || done === total) {
      lastTenth = Math.floor((10 * done) / total);
      process.stderr.write(`${text}\n`);
    }
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  const dataset = readWsolDataset(args.data, args.split);
  const loaded = await load(args.model, args.weightsDir === undefined ? {} : { weightsDir: path.resolve(args.weightsDir) });
  console.log(`backend ${backend.name}; ${dataset.items.length} images in ${args.data} (${args.split}); model ${args.model}; methods ${args.methods.join(', ')}${args.crf ? ' (+ CRF)' : ''}`);
  const methods: MethodSpec[] = args.methods.map((name) => ({ name, method: METHODS[name] }));
  const crfOptions = args.crfPreset === 'seed' ? CAM_CRF_PRESETS.seed : crfOptionsFor(loaded.manifest, args.methods[0]);
  if (args.crf) console.log(`CRF: ${crfOptions === CAM_CRF_PRESETS.seed ? "the seed notebook's parameters" : `calibrated for ${args.methods[0]} on val`} ${JSON.stringify(crfOptions)}`);
  const rates: number[] = [];
  let evaluation: DatasetEvaluation | undefined;
  for (let run = 0; run < args.repeat; run++) {
    evaluation = await evaluateDataset(loaded, dataset, {
      methods,
      refiner: args.crf ? crfRefiner(crfOptions) : undefined,
      batchSize: args.batch,
      limit: args.limit,
      target: args.target,
      faithfulnessImages: args.faithfulness,
      onProgress: progressBar(Date.now()),
    });
    rates.push(evaluation.imagesPerSecond);
    if (args.repeat > 1) console.log(`run ${run + 1}/${args.repeat}: ${evaluation.imagesPerSecond.toFixed(1)} images/s, ${evaluation.timings.total.toFixed(1)} s, CPU ${evaluation.timings.cpu.toFixed(1)} s`);
  }
  if (evaluation === undefined) throw new Error('no evaluation ran');
  loaded.model.dispose();
  console.log('');
  console.log(formatTextReport(evaluation));
  const out = path.resolve(args.out ?? path.join(args.data, 'eval'));
  fs.mkdirSync(out, { recursive: true });
  const base = path.join(out, `${args.model}-${args.split}`);
  fs.writeFileSync(`${base}.json`, formatJsonReport(evaluation));
  fs.writeFileSync(`${base}.md`, formatMarkdownReport(evaluation));
  const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  console.log(
    `\nthroughput: ${evaluation.imagesPerSecond.toFixed(1)} images/s over ${evaluation.dataset.images} images (${evaluation.timings.total.toFixed(1)} s, CPU ${evaluation.timings.cpu.toFixed(1)} s)` +
      (args.repeat > 1 ? `; median of ${args.repeat} runs ${median.toFixed(1)} images/s` : ''),
  );
  console.log(`wrote ${base}.json and ${base}.md`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
