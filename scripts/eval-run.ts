/**
 * The evaluation command proper, run by scripts/eval.ts (which filters libtensorflow's start-up
 * lines out of its stderr); the options are described there.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { HEATMAP_METHODS } from '../src/methods';
import { readWsolDataset, WsolDataset } from '../src/eval/dataset';
import { describeLocation } from '../src/eval/layout';
import { EvaluationCheckpoint, readCheckpoint, writeFileAtomic } from '../src/eval/checkpoint';
import { checkFilesPresent, matchClasses, prepareOutputFolder, resultBaseName } from '../src/eval/preflight';
import { formatJsonReport, formatMarkdownReport, formatTextReport } from '../src/eval/report';
import { crfRefiner, DatasetEvaluation, EvaluateDatasetOptions, evaluateDataset, evaluationKey, MethodSpec } from '../src/eval/runner';
import { CAM_CRF_PRESETS, crfOptionsFor } from '../src/calibrate/index';
import type { CamCrfOptions } from '../src/crf/refine-cam';
import { defaultWeightsDir, load, readManifest, readModelArtifacts, verifyFile } from '../src/weights';

const METHOD_NAMES = Object.keys(HEATMAP_METHODS);

const USAGE = `usage: npm run eval -- --data <folder> [--dataset CUB|ILSVRC|OpenImages|…] --model <name>
       npm run eval -- --metadata <root> --images <root> [--masks <root>] --dataset <name> --model <name>
       [--split test] [--methods ${METHOD_NAMES.join(',')}] [--crf] [--crf-preset calibrated|seed] [--weights-dir <folder>]
       [--batch 32] [--limit N] [--target true|predicted] [--frame image|input] [--faithfulness N] [--out eval-results]
       [--force] [--keep-going] [--repeat N]`;

interface Args {
  data?: string;
  metadata?: string;
  images?: string;
  masks?: string;
  dataset?: string;
  split: string;
  model: string;
  methods: string[];
  crf: boolean;
  crfPreset: 'calibrated' | 'seed';
  weightsDir: string;
  batch: number;
  limit?: number;
  target: 'true' | 'predicted';
  frame: 'image' | 'input';
  faithfulness: number;
  out: string;
  repeat: number;
  force: boolean;
  keepGoing: boolean;
}

const FLAGS = ['--crf', '--help', '--force', '--keep-going'];
const VALUES = ['--frame', '--data', '--metadata', '--images', '--masks', '--dataset', '--crf-preset', '--split', '--model', '--methods', '--weights-dir', '--batch', '--limit', '--target', '--faithfulness', '--out', '--repeat'];

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'\n${USAGE}`);
    if (FLAGS.includes(a)) flags.add(a);
    else if (VALUES.includes(a)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      values.set(a, v);
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (flags.has('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (k: string, dflt?: number): number | undefined => {
    const v = values.get(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${k} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const model = values.get('--model');
  if (model === undefined) throw new Error(`--model is required\n${USAGE}`);
  if (!values.has('--data') && !values.has('--metadata')) throw new Error(`--data (or --metadata with --images) is required\n${USAGE}`);
  const methods = (values.get('--methods') ?? 'cam').split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const m of methods) {
    if (!Object.prototype.hasOwnProperty.call(HEATMAP_METHODS, m)) throw new Error(`unknown method '${m}': expected some of ${METHOD_NAMES.join(', ')}`);
  }
  if (new Set(methods).size !== methods.length) throw new Error(`--methods lists a method twice: ${methods.join(',')}`);
  const target = values.get('--target') ?? 'true';
  if (target !== 'true' && target !== 'predicted') throw new Error(`--target must be 'true' or 'predicted', got '${target}'`);
  const frame = values.get('--frame') ?? 'image';
  if (frame !== 'image' && frame !== 'input') throw new Error(`--frame must be 'image' or 'input', got '${frame}'`);
  const crfPreset = values.get('--crf-preset') ?? 'calibrated';
  if (crfPreset !== 'calibrated' && crfPreset !== 'seed') throw new Error(`--crf-preset must be 'calibrated' or 'seed', got '${crfPreset}'`);
  const batch = integer('--batch', 32) as number;
  if (batch < 1) throw new Error(`--batch must be at least 1, got ${batch}`);
  const resolved = (k: string): string | undefined => (values.has(k) ? path.resolve(values.get(k) as string) : undefined);
  return {
    data: resolved('--data'),
    metadata: resolved('--metadata'),
    images: resolved('--images'),
    masks: resolved('--masks'),
    dataset: values.get('--dataset'),
    split: values.get('--split') ?? 'test',
    model,
    methods,
    crf: flags.has('--crf'),
    crfPreset,
    weightsDir: path.resolve(values.get('--weights-dir') ?? defaultWeightsDir()),
    batch,
    limit: integer('--limit'),
    target,
    frame,
    faithfulness: integer('--faithfulness', 0) as number,
    out: path.resolve(values.get('--out') ?? 'eval-results'),
    repeat: Math.max(1, integer('--repeat', 1) as number),
    force: flags.has('--force'),
    keepGoing: flags.has('--keep-going'),
  };
}

/** A one-line progress bar on stderr, redrawn in place on a terminal, every 10 % otherwise. */
function progressBar(start: number, offset: number): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    const seconds = (Date.now() - start) / 1000;
    const rate = (done - offset) / Math.max(seconds, 1e-9);
    const width = 30;
    const filled = Math.round((width * done) / total);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${rate.toFixed(1)} img/s  ETA ${eta.toFixed(0)} s`;
    if (process.stderr.isTTY || process.env.WSOL_STDERR_TTY === '1') process.stderr.write(`\r${text}${done === total ? '\n' : ''}`);
    else if (Math.floor((10 * done) / total) > lastTenth || done === total) {
      lastTenth = Math.floor((10 * done) / total);
      process.stderr.write(`${text}\n`);
    }
  };
}

/** Reads the split and checks everything that needs no backend (model files included); returns the dataset in the model's class order. */
function preflight(args: Args): { dataset: WsolDataset; notes: string[]; crfOptions: CamCrfOptions } {
  const dataset = readWsolDataset({ data: args.data, metadata: args.metadata, images: args.images, masks: args.masks, dataset: args.dataset, split: args.split });
  const modelDir = path.join(args.weightsDir, args.model);
  if (!fs.existsSync(modelDir)) throw new Error(`no model '${args.model}' in ${args.weightsDir}`);
  const manifest = readManifest(modelDir);
  // the model's files against their hashes, so that a damaged download fails here too
  readModelArtifacts(modelDir, (file, bytes) => verifyFile(manifest, modelDir, file, bytes));
  const matched = matchClasses(dataset, manifest.classes, args.model);
  const count = Math.min(args.limit ?? dataset.items.length, dataset.items.length);
  checkFilesPresent(matched.dataset, count);
  prepareOutputFolder(args.out);
  const notes = matched.note === undefined ? [] : [matched.note];
  if (args.limit !== undefined && args.limit < dataset.items.length) notes.push(`--limit ${args.limit}: the first ${count} of ${dataset.items.length} images`);
  const crfOptions = args.crfPreset === 'seed' ? CAM_CRF_PRESETS.seed : crfOptionsFor(manifest, args.methods[0]);
  return { dataset: matched.dataset, notes, crfOptions };
}

/**
 * The checkpoint to resume from, if any (none for a benchmark, `--repeat` > 1); refuses to
 * overwrite a finished result without --force.
 */
function resumePoint(args: Args, base: string, key: string): EvaluationCheckpoint | undefined {
  const checkpointFile = `${base}.checkpoint.json`;
  if (args.force) {
    fs.rmSync(checkpointFile, { force: true });
    return undefined;
  }
  if (fs.existsSync(`${base}.json`)) throw new Error(`${base}.json exists (a finished run): give another --out, or --force to overwrite it`);
  if (args.repeat > 1) return undefined;
  const checkpoint = readCheckpoint(checkpointFile);
  if (checkpoint === undefined) return undefined;
  if (checkpoint.key !== key) throw new Error(`${checkpointFile}: a checkpoint of another run (other images or options); --force starts afresh`);
  return checkpoint;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { dataset, notes, crfOptions } = preflight(args);
  const base = path.join(args.out, resultBaseName({ model: args.model, dataset: dataset.name, split: dataset.split, methods: args.methods, crf: args.crf, crfPreset: args.crfPreset, limit: args.limit, target: args.target, frame: args.frame }));
  const methods: MethodSpec[] = args.methods.map((name) => ({ name, method: HEATMAP_METHODS[name] }));
  const options: EvaluateDatasetOptions = {
    methods,
    refiner: args.crf ? crfRefiner(crfOptions) : undefined,
    refinerName: args.crfPreset === 'seed' ? 'crf-seed' : 'crf',
    batchSize: args.batch,
    limit: args.limit,
    target: args.target,
    frame: args.frame,
    faithfulnessImages: args.faithfulness,
    keepGoing: args.keepGoing,
    onSkip: (s) => process.stderr.write(`skipped '${s.imageId}': ${s.error}\n`),
  };
  const checkpointFile = `${base}.checkpoint.json`;
  const resume = resumePoint(args, base, evaluationKey(args.model, dataset, options));

  const backend = await initBackend();
  const loaded = await load(args.model, { weightsDir: args.weightsDir });
  const total = Math.min(args.limit ?? dataset.items.length, dataset.items.length);
  console.log(`backend ${backend.name}; ${total} images of ${describeLocation(dataset.location)}; model ${args.model}; methods ${args.methods.join(', ')}${args.crf ? ' (+ CRF)' : ''}`);
  for (const note of notes) console.log(`note: ${note}`);
  if (args.crf) console.log(`CRF: ${crfOptions === CAM_CRF_PRESETS.seed ? "the seed notebook's parameters" : `calibrated for ${args.methods[0]} on val`} ${JSON.stringify(crfOptions)}`);
  if (resume !== undefined) console.log(`resuming from ${checkpointFile}: ${resume.done} of ${resume.total} images done`);
  const rates: number[] = [];
  let evaluation: DatasetEvaluation | undefined;
  for (let run = 0; run < args.repeat; run++) {
    evaluation = await evaluateDataset(loaded, dataset, {
      ...options,
      resumeFrom: resume,
      onCheckpoint: args.repeat === 1 ? (c) => writeFileAtomic(checkpointFile, JSON.stringify(c)) : undefined,
      onProgress: progressBar(Date.now(), resume?.done ?? 0),
    });
    rates.push(evaluation.imagesPerSecond);
    if (args.repeat > 1) console.log(`run ${run + 1}/${args.repeat}: ${evaluation.imagesPerSecond.toFixed(1)} images/s, ${evaluation.timings.total.toFixed(1)} s, CPU ${evaluation.timings.cpu.toFixed(1)} s`);
  }
  if (evaluation === undefined) throw new Error('no evaluation ran');
  loaded.model.dispose();
  console.log('');
  console.log(formatTextReport(evaluation));
  writeFileAtomic(`${base}.json`, formatJsonReport(evaluation));
  writeFileAtomic(`${base}.md`, formatMarkdownReport(evaluation));
  fs.rmSync(checkpointFile, { force: true });
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
