/**
 * The converter's command line, as a function (scripts/convert.ts runs it after starting a backend):
 *
 * ```
 * npm run convert -- --from caffe|keras <file> --arch vgg16|vgg16-gap --out weights/<name>
 *                    [--input-size N] [--mean B,G,R] [--name NAME] [--force]
 * ```
 *
 * It reads the file (size checked before reading), maps its layers onto the architecture and checks
 * every shape and the wiring ({@link planConversion}, {@link matchWeights}), then streams the weights, one tensor at a time, into a tfjs
 * layers folder written beside `--out` ({@link writeConvertedFiles}); it reads that folder back as
 * `load()` does, with every hash checked, the model built from model.json and each weight's bytes
 * compared with those written ({@link checkConvertedFolder}), and only then renames the folder into
 * place ({@link replaceFolderAtomically}): a failure leaves neither a partial folder nor a damaged old
 * one. The whole source file stays in memory, the converted weights never all at once.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ArchModelOptions, ConvertArch, parseConvertArch } from './architectures';
import { describeArchModel, matchWeights, planConversion } from './convertModel';
import { ConvertFrom, readSourceFile } from './convertFile';
import { classNamesFor } from './imagenetClasses';
import { ConvertedManifest } from './manifest';
import type { AutoConvertedManifest } from './convertKerasModel';
import { PreprocessMode, parsePreprocessMode } from './kerasPreprocessing';
import { runAutoConvert } from './autoConvertCli';
import { MAX_MODEL_FILE_BYTES } from './sourceNet';
import { checkConvertedFolder, writeConvertedFiles } from './writeConvertedModel';
import { OpenFile, WrittenFile, replaceFolderAtomically } from './writeFolder';

/** Parsed command-line arguments. */
export interface ConvertCliArgs {
  readonly from: ConvertFrom;
  readonly file: string;
  /** `auto` (the default): the file's own model configuration (Keras `.h5` / `.keras`). */
  readonly arch: ConvertArch | 'auto';
  /** `--arch auto`: the input convention (default: known from a keras.applications name). */
  readonly preprocess?: PreprocessMode;
  /** `--arch auto`: a text file with one class name per line. */
  readonly classesFile?: string;
  readonly out: string;
  readonly name: string;
  readonly inputSize?: number;
  readonly meanBgr?: number[];
  readonly force: boolean;
}

/** The usage text. */
export const CONVERT_USAGE =
  'usage: npm run convert -- [--from keras] <model.h5|model.keras> [--arch auto] --out weights/<name>\n' +
  '                          [--preprocess caffe|tf|torch|none] [--classes names.txt] [--input-size N] [--name NAME] [--force]\n' +
  '       npm run convert -- --from caffe|keras <file> --arch vgg16|vgg16-gap --out weights/<name>\n' +
  '                          [--input-size N] [--mean B,G,R] [--name NAME] [--force]';

const VALUE_FLAGS = ['--from', '--arch', '--out', '--input-size', '--mean', '--name', '--file', '--preprocess', '--classes'];

/**
 * Parses the arguments (after `--`).
 * @throws Error naming the missing or invalid argument, with the usage.
 */
export function parseConvertArgs(argv: readonly string[]): ConvertCliArgs {
  const values = new Map<string, string>();
  const positional: string[] = [];
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--force') force = true;
    else if (VALUE_FLAGS.includes(flag)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value.startsWith('--')) throw usageError(`${flag} needs a value`);
      values.set(flag === '--file' ? 'file' : flag, value);
    } else if (arg.startsWith('--')) throw usageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (values.has('file')) positional.unshift(values.get('file')!);
  if (positional.length !== 1) throw usageError(positional.length === 0 ? 'no input file given' : `more than one input file: ${positional.join(', ')}`);
  const archText = values.get('--arch') ?? 'auto';
  const auto = archText.trim().toLowerCase() === 'auto';
  const from = values.get('--from') ?? (auto ? 'keras' : undefined);
  if (from !== 'caffe' && from !== 'keras') throw usageError(`--from must be caffe or keras, got ${from ?? 'nothing'}`);
  if (auto && from === 'caffe') throw usageError('a .caffemodel holds no model configuration: --from caffe needs --arch vgg16|vgg16-gap');
  if (!auto && (values.has('--preprocess') || values.has('--classes'))) throw usageError('--preprocess and --classes apply to --arch auto only');
  const out = values.get('--out');
  if (out === undefined) throw usageError('--out is required');
  const sizeText = values.get('--input-size');
  const inputSize = sizeText === undefined ? undefined : Number(sizeText);
  if (inputSize !== undefined && (!Number.isInteger(inputSize) || inputSize <= 0)) {
    throw usageError(`--input-size must be a positive integer, got ${sizeText}`);
  }
  const meanText = values.get('--mean');
  const meanBgr = meanText === undefined ? undefined : meanText.split(',').map(Number);
  if (meanBgr !== undefined && (meanBgr.length !== 3 || !meanBgr.every(Number.isFinite))) {
    throw usageError(`--mean must be three numbers B,G,R, got ${meanText}`);
  }
  if (from === 'keras' && meanBgr !== undefined) throw usageError('--mean applies to --from caffe only (Keras fixes its preprocessing)');
  return {
    from,
    file: positional[0],
    arch: auto ? 'auto' : parseConvertArch(archText),
    preprocess: values.has('--preprocess') ? parsePreprocessMode(values.get('--preprocess')!) : undefined,
    classesFile: values.get('--classes'),
    out,
    name: values.get('--name') ?? path.basename(path.resolve(out)),
    inputSize,
    meanBgr,
    force,
  };
}

function usageError(problem: string): Error {
  return new Error(`${problem}\n${CONVERT_USAGE}`);
}

/** Reads a model file after checking that it is a regular file of a supported size (no copy is made). */
export function readModelFile(file: string): Uint8Array {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error(`${file}: not a regular file`);
  if (stat.size > MAX_MODEL_FILE_BYTES) throw new RangeError(`${file}: ${stat.size} bytes is more than the ${MAX_MODEL_FILE_BYTES} bytes supported`);
  // A Node Buffer (a Uint8Array) read once and never copied: protobufjs then hands out blob views into
  // it, and jsfive gets its whole ArrayBuffer.
  return fs.readFileSync(file);
}

/** Options of {@link runConvertCli}. */
export interface RunConvertCliOptions {
  /** Where the summary lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** Builds the empty model (tests: tiny widths). @default vgg16 / vgg16Gap of src/models */
  readonly build?: (arch: ConvertArch, options: ArchModelOptions) => tf.LayersModel;
  /** Opens each output file for writing (tests inject a failing one). @default new files written with `fs` */
  readonly openFile?: OpenFile;
}

/** What {@link runConvertCli} did. */
export interface ConvertCliResult {
  readonly args: ConvertCliArgs;
  readonly manifest: ConvertedManifest | AutoConvertedManifest;
  readonly files: readonly WrittenFile[];
  /** Weights of the written folder whose bytes were read back and found identical to those written (all of them). */
  readonly verifiedWeights: number;
}

/**
 * Runs the converter on `argv` (the arguments after `npm run convert --`). The backend must be started.
 *
 * @throws Error for bad arguments, an existing output folder without `--force` (or one that is not a
 *   model folder), every error of reading, mapping and checking the file, and write errors naming the file.
 */
export async function runConvertCli(argv: readonly string[], options: RunConvertCliOptions = {}): Promise<ConvertCliResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const parsed = parseConvertArgs(argv);
  const started = Date.now();
  if (parsed.arch === 'auto') return runAutoConvert(parsed, readModelFile(parsed.file), log, started);
  const args: FixedArchArgs = { ...parsed, arch: parsed.arch };
  const { manifest, files, verifiedWeights } = await replaceFolderAtomically(args.out, { force: args.force }, async (staging) => {
    const written = convertInto(staging, args, log, options);
    releaseUnreachable();
    const verified = await verifyWritten(staging, written.weightSha256);
    return { ...written, verifiedWeights: verified };
  });
  log(`${args.arch}: input ${manifest.inputSize[0]}×${manifest.inputSize[1]}×3 (${manifest.preprocessing.colorSpace}, offset ${manifest.preprocessing.offset.join(', ')}), ${manifest.classes.length} classes${manifest.classes.length === 1000 ? ' (ImageNet names)' : ''}`);
  for (const f of files) log(`wrote ${path.join(args.out, f.path)}  ${f.bytes} bytes  sha256 ${f.sha256}`);
  log(`wrote ${path.join(args.out, 'manifest.json')}; read back with hashes checked: the model builds and all ${verifiedWeights} weights are identical; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { args, manifest, files, verifiedWeights };
}

/** Arguments naming one of the fixed architectures (not `auto`). */
type FixedArchArgs = ConvertCliArgs & { readonly arch: ConvertArch };

/** What the architecture is built at before the file is read: ImageNet's 1,000 classes, `--input-size` or 224. */
function expectedSize(args: ConvertCliArgs): ArchModelOptions {
  return { inputSize: args.inputSize ?? 224, classes: 1000 };
}

/**
 * Builds the architecture (then disposes it: only its topology and weight names are kept), reads the
 * file, maps and checks it, and streams the converted weights into `staging`. The model is built
 * before the file is read, at the size a real VGG16 file has, so that the two never take memory at
 * the same time (it is rebuilt, with the file in memory, for other sizes). The file's bytes are
 * unreachable once this returns, so the reload that follows does not hold them too.
 */
function convertInto(staging: string, args: FixedArchArgs, log: (line: string) => void, options: RunConvertCliOptions) {
  const expected = expectedSize(args);
  let model = describeArchModel(args.arch, expected, options.build);
  releaseUnreachable(); // the built model's random weights were JS arrays (tfjs' initializers): free them before reading
  const bytes = readModelFile(args.file);
  const { net, source, preprocessing } = readSourceFile(bytes, { from: args.from, fileName: path.basename(args.file), meanBgr: args.meanBgr });
  log(`read ${args.file}: ${args.from} (${net.layout}), ${bytes.length} bytes, sha256 ${source.sha256}`);
  const plan = planConversion(net, args.arch, args.inputSize);
  if (plan.inputSize !== expected.inputSize || plan.weights.classes !== expected.classes) {
    model = describeArchModel(args.arch, { inputSize: plan.inputSize, classes: plan.weights.classes }, options.build);
  }
  const fill = matchWeights(model, plan.weights);
  let params = 0;
  for (const layer of plan.weights.layers) {
    params += layer.kernel.shape.reduce((a, b) => a * b, 1) + layer.bias.shape[0];
    const rename = layer.sourceName === layer.name ? '' : ` ← ${layer.sourceName}`;
    const grouped = layer.groups > 1 ? ` (${layer.groups} groups, expanded)` : '';
    log(`  ${layer.name.padEnd(9)}${rename.padEnd(16)} [${layer.sourceShape.join(', ')}] → kernel [${layer.kernel.shape.join(', ')}], bias [${layer.bias.shape[0]}]${grouped}`);
  }
  log(`${args.arch}: ${params} parameters`);
  return writeConvertedFiles(
    staging,
    model.topology,
    fill,
    {
      name: args.name,
      arch: args.arch,
      classes: classNamesFor(plan.weights.classes),
      inputSize: plan.inputSize,
      preprocessing,
      source,
    },
    options.openFile,
  );
}

/**
 * Checks the written folder as `load()` reads it: the manifest's hashes, that model.json builds the
 * model and its weight specs fit it, and, as weights.bin streams past, that every weight has exactly
 * the bytes written (no weight is held in memory: a reload of a VGG16 would need its 528 MB again).
 * Returns the number of weights checked.
 */
async function verifyWritten(dir: string, written: ReadonlyMap<string, string>): Promise<number> {
  const checked = new Set<string>();
  await checkConvertedFolder(dir, {
    checkWeight(name, sha256) {
      if (written.get(name) !== sha256) throw new Error(`${path.join(dir, 'weights.bin')}: weight ${name} does not hold the bytes written`);
      checked.add(name);
    },
  });
  if (checked.size !== written.size) throw new Error(`the written folder ${dir} holds ${checked.size} of the ${written.size} converted weights`);
  return checked.size;
}

/**
 * Lets V8 free what is unreachable now — the disposed model's initial weights, or the source file's
 * bytes, each about as large as the weights — before the next phase allocates as much again. Only where `gc` is exposed (`npm run convert` runs
 * `tsx --expose-gc`); elsewhere V8 frees it in its own time.
 */
function releaseUnreachable(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
