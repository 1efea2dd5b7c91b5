/**
 * Calibrates a shipped model's post-processing on the val split and records it in its manifest:
 * the dense-CRF parameters that maximise the mean mask IoU of refined heatmaps (without lowering
 * GT-known localization), and the box threshold that maximises MaxBoxAcc (src/calibrate).
 *
 *   npm run tune:crf -- --data <folder> --model <name> [--method cam] [--split val] [--limit 400]
 *                       [--trials 48] [--iterations 5] [--seed 0] [--weights-dir weights]
 *                       [--start-from <manifest.json>] [--dry-run]
 *
 * <folder> is in the wsolevaluation layout (e.g. `npm run export:split -- --split val --count 400
 * --out <folder>`). Tuning on the test split is refused: calibrate on val, report on test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../src/backend';
import { calibrateBoxThreshold } from '../src/calibrate/box-threshold';
import { collectCalibrationCases } from '../src/calibrate/cases';
import { CrfScores, searchCamCrf } from '../src/calibrate/crf-search';
import { writeCalibration } from '../src/calibrate/manifest';
import { readWsolDataset } from '../src/eval/dataset';
import { HEATMAP_METHODS } from '../src/methods';
import { CamCrfOptions } from '../src/crf/refine-cam';
import { defaultWeightsDir, load } from '../src/weights';

const USAGE = `usage: npm run tune:crf -- --data <folder> --model <name> [--method ${Object.keys(HEATMAP_METHODS).join('|')}]
       [--split val] [--limit 400] [--trials 48] [--iterations 5] [--seed 0] [--weights-dir <folder>]
       [--start-from <manifest.json>] [--dry-run]`;

interface Args {
  data: string;
  model: string;
  method: string;
  split: string;
  limit: number;
  trials: number;
  iterations: number;
  seed: number;
  weightsDir?: string;
  /** A manifest whose `calibration.<method>` (or a JSON file of CamCrfOptions) is tried as trial 2. */
  startFrom?: string;
  dryRun: boolean;
}

/**
 * The CRF parameters of `file` for `method`: a weights manifest's `calibration.<method>.crf.options`
 * (e.g. the model this one replaces), a file `{ options: CamCrfOptions }` (weights/calibration-starts/),
 * or a bare `CamCrfOptions` object.
 * @throws Error naming the file when it is unreadable or holds neither.
 */
function readStartOptions(file: string, method: string): CamCrfOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--start-from ${file}: ${(e as Error).message}`);
  }
  const fromManifest = (parsed as { calibration?: Record<string, { crf?: { options?: CamCrfOptions } }> }).calibration?.[method]?.crf?.options;
  const options = fromManifest ?? (parsed as { options?: CamCrfOptions }).options ?? (parsed as CamCrfOptions);
  if (typeof options !== 'object' || options === null || typeof (options as { bilateralSxy?: unknown }).bilateralSxy !== 'number') {
    throw new Error(`--start-from ${file}: neither a manifest with calibration.${method}.crf.options nor CRF options (bilateralSxy, …)`);
  }
  return options;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dry-run') dryRun = true;
    else if (a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('--')) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      values.set(a, v);
    } else throw new Error(`unexpected argument '${a}'\n${USAGE}`);
  }
  const known = ['--data', '--model', '--method', '--split', '--limit', '--trials', '--iterations', '--seed', '--weights-dir', '--start-from'];
  for (const k of values.keys()) if (!known.includes(k)) throw new Error(`unknown option ${k}\n${USAGE}`);
  const required = (k: string): string => {
    const v = values.get(k);
    if (v === undefined) throw new Error(`${k} is required\n${USAGE}`);
    return v;
  };
  const integer = (k: string, dflt: number, min: number): number => {
    const v = values.get(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${k} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
  const method = values.get('--method') ?? 'cam';
  if (HEATMAP_METHODS[method] === undefined) throw new Error(`unknown method '${method}': expected one of ${Object.keys(HEATMAP_METHODS).join(', ')}`);
  const split = values.get('--split') ?? 'val';
  if (split === 'test') throw new Error('--split test: calibrating on the test split would void its figures; calibrate on val, report on test');
  return {
    data: path.resolve(required('--data')),
    model: required('--model'),
    method,
    split,
    limit: integer('--limit', 400, 1),
    trials: integer('--trials', 48, 1),
    iterations: integer('--iterations', 5, 1),
    seed: integer('--seed', 0, 0),
    weightsDir: values.get('--weights-dir'),
    startFrom: values.get('--start-from'),
    dryRun,
  };
}

const pct = (v: number): string => (100 * v).toFixed(1).padStart(5);
const line = (name: string, s: CrfScores): string =>
  `${name.padEnd(12)} mask IoU ${pct(s.maskIoU)}  GT-known ${pct(s.gtKnownLoc)}  MaxBoxAccV2 ${pct(s.maxBoxAccV2)}  PxAP ${pct(s.pxap)}`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  const dataset = readWsolDataset(args.data, args.split);
  const weightsDir = path.resolve(args.weightsDir ?? defaultWeightsDir());
  const loaded = await load(args.model, { weightsDir });
  console.log(`[tune] backend ${backend.name}; model ${args.model}; method ${args.method}; ${Math.min(args.limit, dataset.items.length)} images of ${args.data} (${args.split})`);
  const t0 = Date.now();
  const cases = await collectCalibrationCases(loaded, dataset, HEATMAP_METHODS[args.method], {
    limit: args.limit,
    onProgress: (done, total) => process.stderr.write(`\r[tune] heatmaps ${done}/${total}${done === total ? '\n' : ''}`),
  });
  loaded.model.dispose();
  const box = calibrateBoxThreshold(cases, args.split);
  console.log(`[tune] box threshold: ${box.threshold.toFixed(2)} gives MaxBoxAcc ${pct(box.maxBoxAcc)} %; the CAM paper's ${box.paperThreshold} gives ${pct(box.accuracyAtPaperThreshold)} %`);
  const starts = args.startFrom === undefined ? [] : [readStartOptions(path.resolve(args.startFrom), args.method)];
  const search = searchCamCrf(cases, {
    starts,
    trials: args.trials,
    iterations: args.iterations,
    seed: args.seed,
    onTrial: (trial, best, total) => {
      const s = trial.scores;
      const seconds = (Date.now() - t0) / 1000;
      console.log(
        `[tune] trial ${String(trial.index + 1).padStart(3)}/${total} ${trial.origin.padEnd(6)} mask IoU ${pct(s.maskIoU)} GT-known ${pct(s.gtKnownLoc)}` +
          `${trial.admissible ? ' ' : '*'} | best ${pct(best.scores.maskIoU)} (trial ${best.index + 1}) | ${seconds.toFixed(0)} s`,
      );
    },
  });
  const seed = search.trials[0].scores; // trial 0 is always the seed preset
  console.log(`\n[tune] on ${cases.length} ${args.split} images (* = lowers GT-known loc, not admissible):`);
  console.log(line('no CRF', search.baseline));
  console.log(line('seed CRF', seed));
  console.log(line('calibrated', search.best.scores));
  console.log(`[tune] calibrated parameters: ${JSON.stringify(search.best.options)}`);
  if (args.dryRun) {
    console.log('[tune] --dry-run: manifest unchanged');
    return;
  }
  const command = `npm run tune:crf -- --data ${path.relative(process.cwd(), args.data) || '.'} --model ${args.model} --method ${args.method} --split ${args.split} --limit ${args.limit} --trials ${args.trials} --iterations ${args.iterations} --seed ${args.seed}${args.startFrom === undefined ? "" : ` --start-from ${path.relative(process.cwd(), path.resolve(args.startFrom))}`}`;
  writeCalibration(path.join(weightsDir, args.model), args.method, {
    crf: {
      options: search.best.options,
      split: args.split,
      images: cases.length,
      trials: args.trials,
      seed: args.seed,
      command,
      date: new Date().toISOString(),
      scores: { none: search.baseline, seed, calibrated: search.best.scores },
    },
    boxThreshold: box,
  });
  console.log(`[tune] wrote calibration.${args.method} into ${path.join(weightsDir, args.model, 'manifest.json')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
