/**
 * The converter's command line, as a function (scripts/convert.ts runs it after starting a backend):
 *
 * ```
 * npm run convert -- --from caffe|keras <file> --arch vgg16|vgg16-gap --out weights/<name>
 *                    [--input-size N] [--mean B,G,R] [--name NAME] [--force]
 * ```
 *
 * It reads the file (size checked before reading), converts it ({@link convertFile}), writes the tfjs
 * layers folder with its manifest ({@link writeConvertedModel}), loads the folder back with every
 * hash checked and compares the reloaded model's output with the in-memory one, and prints a summary.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ArchModelOptions, ConvertArch, parseConvertArch } from './architectures';
import { ConvertFrom, convertFile } from './convertFile';
import { ConvertedManifest } from './manifest';
import { AutoConvertedManifest } from './convertKerasModel';
import { PreprocessMode, parsePreprocessMode } from './kerasPreprocessing';
import { runAutoConvert } from './autoConvertCli';
import { MAX_MODEL_FILE_BYTES } from './sourceNet';
import { WrittenFile, loadConvertedModel, writeConvertedModel } from './writeConvertedModel';

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
}

/** What {@link runConvertCli} did. */
export interface ConvertCliResult {
  readonly args: ConvertCliArgs;
  readonly manifest: ConvertedManifest | AutoConvertedManifest;
  readonly files: readonly WrittenFile[];
  /** Largest |difference| between the reloaded folder's output and the converted model's, on a fixed input. */
  readonly reloadMaxDiff: number;
}

/**
 * Runs the converter on `argv` (the arguments after `npm run convert --`). The backend must be started.
 *
 * @throws Error for bad arguments, an existing output folder without `--force`, and every error of
 *   reading, mapping and checking the file.
 */
export async function runConvertCli(argv: readonly string[], options: RunConvertCliOptions = {}): Promise<ConvertCliResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const args = parseConvertArgs(argv);
  if (fs.existsSync(path.join(args.out, 'manifest.json')) && !args.force) {
    throw new Error(`${args.out} already holds a model (manifest.json); pass --force to overwrite it`);
  }
  const started = Date.now();
  const bytes = readModelFile(args.file);
  if (args.arch === 'auto') return runAutoConvert(args, bytes, log, started);
  const arch = args.arch;
  const converted = convertFile(bytes, {
    from: args.from,
    arch,
    fileName: path.basename(args.file),
    inputSize: args.inputSize,
    meanBgr: args.meanBgr,
    build: options.build,
  });
  try {
    log(`read ${args.file}: ${args.from} (${converted.net.layout}), ${bytes.length} bytes, sha256 ${converted.source.sha256}`);
    let params = 0;
    for (const layer of converted.weights.layers) {
      params += layer.kernel.data.length + layer.bias.data.length;
      const rename = layer.sourceName === layer.name ? '' : ` ← ${layer.sourceName}`;
      const grouped = layer.groups > 1 ? ` (${layer.groups} groups, expanded)` : '';
      log(`  ${layer.name.padEnd(9)}${rename.padEnd(16)} [${layer.sourceShape.join(', ')}] → kernel [${layer.kernel.shape.join(', ')}], bias [${layer.bias.shape[0]}]${grouped}`);
    }
    if (converted.weights.ignored.length > 0) log(`  ignored (no place in ${args.arch}): ${converted.weights.ignored.join(', ')}`);
    const { manifest, files } = await writeConvertedModel(converted.model, args.out, {
      name: args.name,
      arch,
      classes: converted.classes,
      inputSize: converted.inputSize,
      preprocessing: converted.preprocessing,
      source: converted.source,
    });
    const reloadMaxDiff = await compareReloaded(converted.model, args.out, converted.inputSize);
    if (!(reloadMaxDiff === 0)) throw new Error(`the written folder ${args.out} does not reproduce the converted model (max |Δ| ${reloadMaxDiff})`);
    log(`${args.arch}: ${params} parameters, input ${converted.inputSize}×${converted.inputSize}×3 (${manifest.preprocessing.colorSpace}, offset ${manifest.preprocessing.offset.join(', ')}), ${manifest.classes.length} classes${manifest.classes.length === 1000 ? ' (ImageNet names)' : ''}`);
    for (const f of files) log(`wrote ${path.join(args.out, f.path)}  ${f.bytes} bytes  sha256 ${f.sha256}`);
    log(`wrote ${path.join(args.out, 'manifest.json')}; reloaded with hashes checked, output identical; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { args, manifest, files, reloadMaxDiff };
  } finally {
    converted.model.dispose();
  }
}

/** Loads the written folder back (hashes checked) and returns max |Δ| of its output on a fixed input. */
async function compareReloaded(model: tf.LayersModel, dir: string, inputSize: number): Promise<number> {
  const { model: reloaded } = await loadConvertedModel(dir);
  try {
    return tf.tidy(() => {
      const x = tf.randomUniform([1, inputSize, inputSize, 3], -120, 150, 'float32', 8);
      const a = model.predict(x) as tf.Tensor;
      const b = reloaded.predict(x) as tf.Tensor;
      return a.sub(b).abs().max().dataSync()[0];
    });
  } finally {
    reloaded.dispose();
  }
}
