/**
 * Trains one of the two default models on the synthetic benchmark and ships it to weights/<name>/.
 *
 *   npm run train -- --model cam|gradcam [--epochs 9] [--epoch-size 4000] [--batch 32] [--lr 0.001]
 *                    [--seed 0] [--threads N] [--fresh] [--val-size 400] [--test-size 1000]
 *                    [--checkpoint DIR (default .cache/train/<name>)] [--ship DIR|none (default weights/<name>)]
 *                    [--minutes M] (cosine over M minutes of training time, --epochs a maximum)
 *                    [--augment [photometric|strong]] [--train-styles eval|all] [--looks natural|varied] [--bn-images 512] [--init-from CHECKPOINT_DIR --data-offset N --checkpoint DIR]
 *                    (a second run continuing from another's weights on new images, N = images it used)
 *                    [--finish]  (train no further: evaluate and ship the last checkpoint of this run,
 *                                 e.g. when the machine is too slow to complete the schedule in time)
 *
 * Data: generated on the fly, never repeated: epoch e uses train samples e·S … (e+1)·S − 1
 * (S = epoch size), so the model never sees an image twice; val and test samples come from
 * photographs never used in training (src/bench/splits.ts).
 * Optimiser: Adam (Kingma & Ba, ICLR 2015), learning rate on a cosine schedule
 * `lr_t = lr_min + ½ (lr − lr_min)(1 + cos(π t / T))`, lr_min = lr / 100, over all T steps.
 * Loss: categorical cross-entropy of the softmax.
 * Checkpoints: after every epoch, to .cache/train/<name>/ (model, Adam moments, state); a run with
 * the same arguments resumes from the last one (--fresh starts over). Reproducible from --seed
 * (data, initial weights, dropout), up to the float round-off of multi-threaded native kernels.
 * Before the final evaluation the batch-norm statistics are recomputed precisely over --bn-images
 * unseen train images (see recalibrateBatchNorm); they replace the moving averages only when they
 * score at least as well on val (with strong augmentation the moving averages, which saw augmented
 * images, can be the better ones). The test split is measured after that choice.
 * Progress: one line every ~10 batches with epoch, loss, accuracy, images/s and time left.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { benchmarkTop1, benchmarkBatch, handfulPredictions } from '../src/bench/accuracy';
import { allStyles, createBenchmark, EVALUATION_STYLES } from '../src/bench/generator';
import { readIconSet } from '../src/bench/assets';
import { assertAugmentLevel, augmentBatch, AugmentLevel } from '../src/bench/augment';
import { BACKGROUND_SPLITS } from '../src/bench/splits';
import { camDefault, CAM_DEFAULT_LAST_CONV, gradcamDefault, GRADCAM_DEFAULT_LAST_CONV } from '../src/models/small';
import { fsSaveHandler, readModelArtifacts, sha256, WeightsManifest } from '../src/weights';

const ROOT = path.resolve(__dirname, '..');
const SCALE = 1 / 255;
const OFFSET = 0;

interface Args {
  model: 'cam' | 'gradcam';
  epochs: number;
  epochSize: number;
  batch: number;
  lr: number;
  seed: number;
  threads?: number;
  fresh: boolean;
  valSize: number;
  testSize: number;
  size: number;
  /** Checkpoint folder. @default .cache/train/<name> */
  checkpoint?: string;
  /** Folder to ship the model to, or 'none'. @default weights/<name> */
  ship?: string;
  /** Stop after the epochs already checkpointed: evaluate and ship the last checkpoint. */
  finish: boolean;
  /** Train images for the precise batch-norm statistics before the final evaluation. */
  bnImages: number;
  /** Start from the weights of this checkpoint folder instead of a fresh initialisation. */
  initFrom?: string;
  /** First train-sample index (a continuation uses images after those of the earlier run). */
  dataOffset: number;
  /** Augmentation of whole training images (src/bench/augment.ts); `--augment` alone is 'photometric'. */
  augment: AugmentLevel;
  /** Art styles of the training images: 'eval' (the evaluation's two) or 'all' of icons.json. */
  trainStyles: 'eval' | 'all';
  /** Recolour the training objects (src/bench/looks.ts). */
  looks: 'natural' | 'varied';
  /**
   * Time budget in minutes of training: the cosine schedule runs over training time instead of
   * steps, and training stops after the first epoch that ends past the budget (`--epochs` is then
   * a maximum). For a shared machine whose speed is not known in advance.
   */
  minutes?: number;
}

/** `--augment` alone means 'photometric' (as before levels existed); `--augment strong` etc. */
function parseAugment(argv: string[]): AugmentLevel {
  const i = argv.indexOf('--augment');
  if (i < 0) return 'none';
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) return 'photometric';
  assertAugmentLevel(v);
  return v;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (flag: string, dflt: number): number => {
    const v = get(flag);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, got '${v}'`);
    return n;
  };
  const model = get('--model');
  if (model !== 'cam' && model !== 'gradcam') throw new Error(`--model must be 'cam' or 'gradcam', got '${model}'`);
  const threads = get('--threads');
  return {
    model,
    epochs: num('--epochs', 9),
    epochSize: num('--epoch-size', 4000),
    batch: num('--batch', 32),
    lr: num('--lr', 1e-3),
    seed: get('--seed') === undefined ? 0 : Number(get('--seed')),
    threads: threads === undefined ? undefined : num('--threads', 1),
    fresh: argv.includes('--fresh'),
    valSize: num('--val-size', 400),
    testSize: num('--test-size', 1000),
    size: num('--size', 128),
    checkpoint: get('--checkpoint'),
    ship: get('--ship'),
    finish: argv.includes('--finish'),
    bnImages: num('--bn-images', 512),
    initFrom: get('--init-from'),
    dataOffset: get('--data-offset') === undefined ? 0 : num('--data-offset', 0),
    augment: parseAugment(argv),
    trainStyles: get('--train-styles') === 'all' ? 'all' : 'eval',
    looks: get('--looks') === 'varied' ? 'varied' : 'natural',
    minutes: get('--minutes') === undefined ? undefined : num('--minutes', 60),
  };
}

interface State {
  args: Args;
  epochsDone: number;
  seconds: number;
  history: Array<{ epoch: number; loss: number; accuracy: number; valTop1: number; lr: number; seconds: number }>;
}

function cosineLr(lr: number, step: number, total: number): number {
  const min = lr / 100;
  return min + 0.5 * (lr - min) * (1 + Math.cos((Math.PI * Math.min(step, total)) / total));
}

function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Adam reads its (protected) learningRate field at every step.
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * Precise batch-norm statistics (Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021): replaces
 * each BatchNormalization layer's moving mean and variance, in order, by the population mean and
 * variance of its input over `images` train images, computed with the earlier layers in inference
 * mode. The moving averages (momentum 0.99) lag the weights by ~100 steps and still hold part of
 * their initial values (variance 1) early on; this makes inference use the statistics of the
 * final weights. Costs about half a forward pass per image per normalisation layer.
 */
async function recalibrateBatchNorm(model: tf.LayersModel, bench: Awaited<ReturnType<typeof createBenchmark>>, images: number, first: number): Promise<void> {
  const layers = model.layers;
  const batch = 32;
  for (let k = 0; k < layers.length; k++) {
    const bn = layers[k];
    if (bn.getClassName() !== 'BatchNormalization') continue;
    let sum: tf.Tensor1D | undefined;
    let sumSq: tf.Tensor1D | undefined;
    let count = 0;
    for (let start = 0; start < images; start += batch) {
      const n = Math.min(batch, images - start);
      const { x } = benchmarkBatch(bench, 'train', first + start, n, SCALE, OFFSET);
      let rows = 0;
      const [s, q] = tf.tidy(() => {
        let h: tf.Tensor = x;
        for (let j = 0; j < k; j++) h = layers[j].apply(h, { training: false }) as tf.Tensor;
        const flat = h.reshape([-1, h.shape[h.rank - 1]]);
        rows = flat.shape[0];
        return [flat.sum(0) as tf.Tensor1D, flat.square().sum(0) as tf.Tensor1D];
      });
      x.dispose();
      const nextSum = sum === undefined ? s : tf.add(sum, s);
      const nextSq = sumSq === undefined ? q : tf.add(sumSq, q);
      if (sum !== undefined) tf.dispose([sum, sumSq!, s, q]);
      sum = nextSum as tf.Tensor1D;
      sumSq = nextSq as tf.Tensor1D;
      count += rows;
    }
    const [gamma, beta] = bn.getWeights();
    const [mean, variance] = tf.tidy(() => {
      const m = sum!.div(count);
      return [m, sumSq!.div(count).sub(m.square()).relu()];
    });
    bn.setWeights([gamma, beta, mean, variance]);
    tf.dispose([sum!, sumSq!, mean, variance]);
  }
}

/** The weights of every BatchNormalization layer of `model` (copies), in layer order. */
function batchNormWeights(model: tf.LayersModel): tf.Tensor[][] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.getWeights().map((w) => w.clone()));
}

/** Puts back what {@link batchNormWeights} took. */
function restoreBatchNormWeights(model: tf.LayersModel, saved: tf.Tensor[][]): void {
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization').forEach((l, i) => l.setWeights(saved[i]));
}

/**
 * Copies the weights of every layer of `source` into the layer of `target` with the same name
 * and weight shapes (so a changed architecture, e.g. other pooling, still starts from trained
 * convolutions); returns how many were copied and the names of target layers left as built.
 */
function copyWeightsByName(source: tf.LayersModel, target: tf.LayersModel): { copied: number; skipped: string[] } {
  let copied = 0;
  const skipped: string[] = [];
  for (const layer of target.layers) {
    const mine = layer.getWeights();
    if (mine.length === 0) continue;
    const from = source.layers.find((l) => l.name === layer.name);
    const theirs = from?.getWeights() ?? [];
    const same = theirs.length === mine.length && theirs.every((w, i) => w.shape.join() === mine[i].shape.join());
    if (same) {
      layer.setWeights(theirs);
      copied++;
    } else skipped.push(layer.name);
  }
  return { copied, skipped };
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function sameRun(a: Args, b: Args): boolean {
  const keys: Array<keyof Args> = ['model', 'epochs', 'epochSize', 'batch', 'lr', 'seed', 'size', 'initFrom', 'dataOffset', 'augment', 'trainStyles', 'looks', 'minutes'];
  // Checkpoints written before an option existed hold no value for it: compare with its default
  // (`augment` was a boolean before it had levels).
  const defaults: Partial<Args> = { dataOffset: 0, augment: 'none', trainStyles: 'eval', looks: 'natural' };
  const norm = (args: Args, k: keyof Args): unknown => {
    const v = args[k] ?? defaults[k];
    return k === 'augment' && typeof v === 'boolean' ? (v ? 'photometric' : 'none') : v;
  };
  return keys.every((k) => norm(a, k) === norm(b, k));
}

async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: State): Promise<void> {
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await model.save(fsSaveHandler(tmp));
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  fs.writeFileSync(path.join(tmp, 'optimizer.bin'), Buffer.from(data as ArrayBuffer));
  fs.writeFileSync(path.join(tmp, 'optimizer.json'), JSON.stringify(specs));
  fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  // getWeights returns Adam's live moment variables plus a fresh iteration-count scalar: only that is ours.
  named.filter((n) => n.name === 'iter').forEach((n) => n.tensor.dispose());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

async function restoreOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const bytes = fs.readFileSync(path.join(dir, 'optimizer.bin'));
  const specs = JSON.parse(fs.readFileSync(path.join(dir, 'optimizer.json'), 'utf8')) as tf.io.WeightsManifestEntry[];
  const map = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer, specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name] })));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.threads !== undefined) {
    process.env.TF_NUM_INTRAOP_THREADS = String(args.threads);
    process.env.TF_NUM_INTEROP_THREADS = '1';
  }
  const backend = await initBackend();
  const name = `${args.model}-default`;
  const ckptDir = path.resolve(args.checkpoint ?? path.join(ROOT, '.cache', 'train', name));
  console.log(`[train] ${name}: backend ${backend.name} (${backend.reason}), threads ${process.env.TF_NUM_INTRAOP_THREADS ?? 'default'}`);

  // Evaluation images (val, test, batch-norm statistics): the evaluation styles, natural colours.
  const bench = await createBenchmark({ size: args.size, seed: args.seed });
  const trainBench =
    args.trainStyles === 'eval' && args.looks === 'natural'
      ? bench
      : await createBenchmark({ size: args.size, seed: args.seed, styles: args.trainStyles === 'all' ? allStyles(readIconSet()) : undefined, looks: args.looks });
  const classes = bench.classes;
  const build = args.model === 'cam' ? camDefault : gradcamDefault;
  const optimizer = tf.train.adam(args.lr);

  let state: State = { args, epochsDone: 0, seconds: 0, history: [] };
  let model: tf.LayersModel;
  const statePath = path.join(ckptDir, 'state.json');
  const previous = fs.existsSync(statePath) ? (JSON.parse(fs.readFileSync(statePath, 'utf8')) as State) : undefined;
  if (!args.fresh && previous !== undefined && sameRun(previous.args, args)) {
    model = await tf.loadLayersModel(tf.io.fromMemory(readModelArtifacts(ckptDir)));
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await restoreOptimizer(ckptDir, optimizer);
    state = { ...previous, args };
    console.log(`[train] resuming after epoch ${state.epochsDone} from ${ckptDir}`);
  } else {
    if (previous !== undefined && !args.fresh) console.log('[train] checkpoint found with other arguments: starting over');
    model = build({ inputSize: args.size, classes: classes.length, seed: args.seed });
    if (args.initFrom !== undefined) {
      const source = await tf.loadLayersModel(tf.io.fromMemory(readModelArtifacts(path.resolve(args.initFrom))));
      const { copied, skipped } = copyWeightsByName(source, model);
      source.dispose();
      console.log(`[train] starting from the weights in ${args.initFrom}: ${copied} layers copied${skipped.length > 0 ? `, kept fresh: ${skipped.join(', ')}` : ''}`);
    }
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  }

  if (args.finish) {
    if (state.epochsDone === 0) throw new Error(`--finish: no checkpoint of this run in ${ckptDir}`);
    console.log(`[train] --finish: shipping the checkpoint after epoch ${state.epochsDone} of ${args.epochs}`);
  }
  const lastEpoch = args.finish ? state.epochsDone : args.epochs;
  const budget = args.minutes === undefined ? undefined : args.minutes * 60;
  const stepsPerEpoch = Math.ceil(args.epochSize / args.batch);
  const totalSteps = stepsPerEpoch * args.epochs;
  const sessionStart = Date.now();
  let sessionImages = 0;
  for (let epoch = state.epochsDone; epoch < lastEpoch; epoch++) {
    if (budget !== undefined && state.seconds >= budget) {
      console.log(`[train] time budget of ${args.minutes} min used after epoch ${state.epochsDone}: stopping`);
      break;
    }
    const epochStart = Date.now();
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    let lr = args.lr;
    for (let b = 0; b < stepsPerEpoch; b++) {
      const n = Math.min(args.batch, args.epochSize - b * args.batch);
      lr =
        budget === undefined
          ? cosineLr(args.lr, epoch * stepsPerEpoch + b, totalSteps)
          : cosineLr(args.lr, Math.round(state.seconds + (Date.now() - epochStart) / 1000), budget);
      setLearningRate(optimizer, lr);
      const batch = benchmarkBatch(trainBench, 'train', args.dataOffset + epoch * args.epochSize + b * args.batch, n, SCALE, OFFSET);
      const labels = batch.labels;
      const x = augmentBatch(batch.x, args.augment, args.seed, args.dataOffset + epoch * args.epochSize + b);
      if (x !== batch.x) batch.x.dispose();
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes.length));
      const [loss, acc] = (await model.trainOnBatch(x, y)) as number[];
      tf.dispose([x, y]);
      lossSum += loss * n;
      accSum += acc * n;
      seen += n;
      sessionImages += n;
      if (b % 10 === 9 || b === stepsPerEpoch - 1) {
        const rate = sessionImages / ((Date.now() - sessionStart) / 1000);
        const left =
          budget === undefined
            ? ((args.epochs - epoch) * args.epochSize - (b + 1) * args.batch) / rate
            : budget - state.seconds - (Date.now() - epochStart) / 1000;
        console.log(
          `[train] epoch ${epoch + 1}/${args.epochs} batch ${b + 1}/${stepsPerEpoch} loss ${(lossSum / seen).toFixed(4)} ` +
            `acc ${(accSum / seen).toFixed(4)} lr ${lr.toExponential(2)} ${rate.toFixed(1)} img/s, left ~${formatDuration(left)}`,
        );
      }
    }
    const val = await benchmarkTop1(model, bench, 'val', args.valSize, SCALE, OFFSET);
    const seconds = (Date.now() - epochStart) / 1000;
    state.seconds += seconds;
    state.epochsDone = epoch + 1;
    state.history.push({ epoch: epoch + 1, loss: lossSum / seen, accuracy: accSum / seen, valTop1: val.top1, lr, seconds });
    await saveCheckpoint(ckptDir, model, optimizer, state);
    console.log(
      `[train] epoch ${epoch + 1} done: loss ${(lossSum / seen).toFixed(4)} acc ${(accSum / seen).toFixed(4)} ` +
        `val top-1 ${(val.top1 * 100).toFixed(2)}% (${args.valSize} images), ${formatDuration(seconds)}; checkpoint saved`,
    );
  }

  // Batch-norm statistics: the moving averages or precise ones, whichever scores better on val
  // (a choice made on val, like any other; the test split is measured only after it).
  const valMoving = await benchmarkTop1(model, bench, 'val', args.valSize, SCALE, OFFSET);
  const moving = batchNormWeights(model);
  // Train images never used for training: indices after the last epoch's.
  await recalibrateBatchNorm(model, bench, args.bnImages, args.dataOffset + args.epochs * args.epochSize);
  const valPrecise = await benchmarkTop1(model, bench, 'val', args.valSize, SCALE, OFFSET);
  const precise = valPrecise.top1 >= valMoving.top1;
  const change = `val top-1 ${(valMoving.top1 * 100).toFixed(2)} % → ${(valPrecise.top1 * 100).toFixed(2)} %`;
  console.log(
    `[train] precise batch-norm statistics from ${args.bnImages} train images: ${change}` +
      (precise ? ': kept' : ': the moving averages score better on val and are kept instead'),
  );
  if (!precise) restoreBatchNormWeights(model, moving);
  const val = precise ? valPrecise : valMoving;
  tf.dispose(moving.flat());
  const test = await benchmarkTop1(model, bench, 'test', args.testSize, SCALE, OFFSET);
  console.log(`[train] test top-1 ${(test.top1 * 100).toFixed(2)}% on ${args.testSize} images; val ${(val.top1 * 100).toFixed(2)}%`);
  const batchNorm = precise
    ? `moving statistics replaced by precise statistics over ${args.bnImages} unseen train images (${change})`
    : `moving statistics of training kept: precise statistics over ${args.bnImages} unseen train images scored lower (${change})`;
  const handful = handfulPredictions(model, bench, SCALE, OFFSET);
  if (args.ship !== 'none') await ship(name, model, args, state, backend.name, { ...test, handful }, val, classes, batchNorm);
}

/**
 * What the run that --init-from continues recorded: a checkpoint's state.json, or else a shipped
 * model's manifest.json (whose `training` carries its own previousRun chain); undefined if neither.
 */
function readEarlierRun(dir: string): { images: number; record: Record<string, unknown> } | undefined {
  const statePath = path.join(dir, 'state.json');
  if (fs.existsSync(statePath)) {
    const earlier = JSON.parse(fs.readFileSync(statePath, 'utf8')) as State;
    return {
      images: earlier.epochsDone * earlier.args.epochSize,
      record: { args: { ...earlier.args }, history: earlier.history, trainingSeconds: Math.round(earlier.seconds) },
    };
  }
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) return undefined;
  const training = (JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as WeightsManifest).training as Record<string, unknown>;
  const dataOffset = /--data-offset (\d+)/.exec(String(training.command ?? ''));
  const images = (dataOffset === null ? 0 : Number(dataOffset[1])) + Number(training.epochs ?? 0) * Number(training.epochSize ?? 0);
  return { images, record: training };
}

async function ship(
  name: string,
  model: tf.LayersModel,
  args: Args,
  state: State,
  backendName: string,
  test: Awaited<ReturnType<typeof benchmarkTop1>> & { handful: number[] },
  val: Awaited<ReturnType<typeof benchmarkTop1>>,
  classes: readonly string[],
  batchNorm: string,
): Promise<void> {
  const dir = path.resolve(args.ship ?? path.join(ROOT, 'weights', name));
  // Read what --init-from records before saving: it may be the very folder being shipped to.
  const earlier = args.initFrom === undefined ? undefined : readEarlierRun(path.resolve(args.initFrom));
  fs.mkdirSync(dir, { recursive: true });
  const shard = 'group1-shard1of1.bin';
  await model.save(fsSaveHandler(dir, shard));
  const files: Record<string, string> = {};
  for (const f of ['model.json', shard]) files[f] = sha256(new Uint8Array(fs.readFileSync(path.join(dir, f))));
  const manifestPath = path.join(dir, 'manifest.json');
  const trainImages = state.epochsDone * args.epochSize;
  const manifest: WeightsManifest = {
    name,
    description:
      args.model === 'cam'
        ? 'VGG16-GAP (CAM paper) scaled down: VGG-A-style blocks 16-32-64-128 with batch norm, cam_conv 3×3×128, global average pooling, dense softmax over 20 classes.'
        : 'VGG16 scaled down: five VGG-A-style blocks 16-32-64-128-128 with batch norm, 2×2 max pooling after the first three, none after the fourth, 4×4 after the fifth, flatten (4×4×128), fc1 256 + dropout 0.3, dense softmax over 20 classes; Grad-CAM layer conv5_2 (16×16).',
    architecture: args.model === 'cam' ? 'camDefault' : 'gradcamDefault',
    format: 'tfjs-layers',
    classes: [...classes],
    inputSize: [args.size, args.size],
    preprocessing: { colorSpace: 'RGB', layout: 'NHWC', resize: 'bilinear', scale: SCALE, offset: OFFSET },
    layers: { lastConv: args.model === 'cam' ? CAM_DEFAULT_LAST_CONV : GRADCAM_DEFAULT_LAST_CONV, logits: 'fc' },
    training: {
      data:
        `wsol-lab synthetic benchmark (src/bench), ${args.size}×${args.size}, seed ${args.seed}: ${trainImages} train-split images ` +
        `${earlier === undefined ? '' : `(after ${earlier.images} in earlier runs, see previousRun) `}` +
        `each seen once (epoch e = samples ${args.dataOffset} + e·${args.epochSize}…), on the ${BACKGROUND_SPLITS.train.length} train photographs; ` +
        `icon styles ${(args.trainStyles === 'all' ? allStyles(readIconSet()) : EVALUATION_STYLES).join(', ')}` +
        `${args.looks === 'varied' ? ' with recoloured objects (src/bench/looks.ts)' : ''}; val/test photographs never used in training`,
      command:
        `npm run train -- --model ${args.model} --epochs ${args.epochs} --epoch-size ${args.epochSize} --batch ${args.batch} --lr ${args.lr} --seed ${args.seed}` +
        (args.augment === 'none' ? '' : args.augment === 'photometric' ? ' --augment' : ` --augment ${args.augment}`) +
        (args.trainStyles === 'all' ? ' --train-styles all' : '') +
        (args.looks === 'varied' ? ' --looks varied' : '') +
        (args.threads === undefined ? '' : ` --threads ${args.threads}`) +
        (args.minutes === undefined ? '' : ` --minutes ${args.minutes}`) +
        (args.initFrom === undefined ? '' : ` --init-from ${path.relative(ROOT, path.resolve(args.initFrom))} --data-offset ${args.dataOffset}`),
      ...(earlier === undefined ? {} : { previousRun: earlier.record }),
      ...(args.minutes !== undefined
        ? {
            timeBudget:
              `cosine schedule over ${args.minutes} min of training time; stopped after epoch ${state.epochsDone} (of at most ${args.epochs})` +
              (args.finish && state.seconds < args.minutes * 60 ? `, cut with --finish after ${(state.seconds / 60).toFixed(1)} min` : ''),
          }
        : state.epochsDone < args.epochs
        ? { stoppedEarly: `schedule of ${args.epochs} epochs cut after epoch ${state.epochsDone} with --finish` }
        : {}),
      seed: args.seed,
      epochs: state.epochsDone,
      scheduledEpochs: args.epochs,
      epochSize: args.epochSize,
      batchSize: args.batch,
      optimizer: `Adam, lr ${args.lr} cosine-decayed to ${args.lr / 100}`,
      loss: 'categorical cross-entropy',
      augmentation:
        args.augment === 'none'
          ? 'none beyond the generator'
          : args.augment === 'photometric'
            ? 'photometric (src/bench/augment.ts): channel gains 0.9–1.1, contrast 0.8–1.2, brightness ±0.08'
            : 'strong (src/bench/augment.ts): photometric, then greyscale, blur, Gaussian noise and cutout',
      batchNorm,
      backend: backendName,
      threads: process.env.TF_NUM_INTRAOP_THREADS ?? `default (${os.cpus().length} cores)`,
      trainingSeconds: Math.round(state.seconds),
      history: state.history,
      date: new Date().toISOString(),
    },
    metrics: {
      test: { split: 'test', images: test.images, top1: test.top1, perClass: test.perClass, handful: test.handful },
      val: { split: 'val', images: val.images, top1: val.top1 },
    },
    files,
  };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`[train] shipped ${dir} (${Object.keys(files).join(', ')})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
