/**
 * Writes a converted model as a folder in tfjs layers format — `model.json` and `weights.bin`
 * (src/convert/writeFolder.ts) — plus `manifest.json` with the SHA-256 of both files, all into a
 * temporary folder renamed into place once complete; and loads such a folder back with every hash
 * checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { LoadModelFolderOptions, checkModelFolder, loadModelFolder } from '../model-folder';
import { ConvertedManifest, ConvertedManifestInput, makeConvertedManifest } from './manifest';
import { applyChannelPreprocessing } from './preprocessing';
import { OpenFile, WeightToWrite, WrittenFile, WrittenModelFiles, openFileSink, replaceFolderAtomically, writeFileThrough, writeLayersModelFiles } from './writeFolder';

export type { WrittenFile } from './writeFolder';

/** Names of the files of a converted model folder. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const MANIFEST_JSON = 'manifest.json';

/** Options of {@link writeConvertedModel} and {@link writeConvertedFolder}. */
export interface WriteConvertedOptions {
  /** Replace an existing model folder at `dir`. @default true for writeConvertedModel, false for writeConvertedFolder */
  readonly force?: boolean;
  /** Opens each file for writing (tests inject failures). @default new files written with `fs` */
  readonly openFile?: OpenFile;
}

/** What {@link writeConvertedFolder} wrote. */
export interface WrittenConvertedFolder extends WrittenModelFiles {
  readonly manifest: ConvertedManifest;
}

/**
 * Writes a model folder from a topology and its weights, streamed one at a time, with the manifest,
 * into `staging` (a folder that exists; see {@link replaceFolderAtomically} for putting it in place).
 */
export function writeConvertedFiles(
  staging: string,
  topology: object,
  weights: readonly WeightToWrite[],
  manifestInput: Omit<ConvertedManifestInput, 'files'>,
  openFile: OpenFile = openFileSink,
): WrittenConvertedFolder {
  const written = writeLayersModelFiles(staging, topology, weights, openFile);
  const manifest = makeConvertedManifest({ ...manifestInput, files: Object.fromEntries(written.files.map((f) => [f.path, f.sha256])) });
  writeFileThrough(openFile, path.join(staging, MANIFEST_JSON), (write) => write(Buffer.from(JSON.stringify(manifest, null, 1) + '\n')));
  return { ...written, manifest };
}

/**
 * Saves `model` into the folder `dir` with its manifest, and returns the manifest and the files
 * written. The folder is written beside `dir` and renamed into place when complete: a failure leaves
 * no partial folder and an existing one untouched. `manifest.files` is filled here.
 *
 * @throws Error naming the file that could not be written; for an existing `dir` that is not a model
 *   folder, or any model folder when `force` is false.
 */
export async function writeConvertedModel(
  model: tf.LayersModel,
  dir: string,
  manifestInput: Omit<ConvertedManifestInput, 'files'>,
  options: WriteConvertedOptions = {},
): Promise<{ manifest: ConvertedManifest; files: WrittenFile[] }> {
  const weights: WeightToWrite[] = model.weights.map((w) => ({
    name: w.originalName,
    shape: w.shape as number[],
    values: () => w.read().dataSync() as Float32Array,
  }));
  const topology = model.toJSON(null, false) as object;
  const { manifest, files } = await replaceFolderAtomically(dir, { force: options.force ?? true }, (staging) =>
    writeConvertedFiles(staging, topology, weights, manifestInput, options.openFile),
  );
  return { manifest, files };
}

/** A converted model loaded by {@link loadConvertedModel}. */
export interface LoadedConvertedModel {
  readonly model: tf.LayersModel;
  readonly manifest: ConvertedManifest;
  /**
   * The manifest's preprocessing ({@link applyChannelPreprocessing}): RGB `[h, w, 3]` or
   * `[n, h, w, 3]` in [0, 255] → the model's input (BGR minus the mean pixel for VGG16). The caller
   * disposes the result.
   */
  preprocess(rgb: tf.Tensor3D | tf.Tensor4D): tf.Tensor4D;
}

/**
 * Loads a folder written by {@link writeConvertedModel}, refusing any file whose SHA-256 differs from
 * the manifest's (`options.checkWeight` also sees each weight's bytes). The caller disposes the model.
 *
 * @example
 * ```ts
 * const { model, manifest, preprocess } = await loadConvertedModel('weights/vgg16-gap-caffe');
 * const probs = tf.tidy(() => model.predict(preprocess(rgbImage)) as tf.Tensor2D);
 * ```
 * @throws Error naming the file that is missing or does not match.
 */
export async function loadConvertedModel(dir: string, options: LoadModelFolderOptions = {}): Promise<LoadedConvertedModel> {
  const manifest = readConvertedManifest(dir);
  const model = await loadModelFolder(dir, manifestHashCheck(dir, manifest), options);
  const preprocess = (rgb: tf.Tensor3D | tf.Tensor4D): tf.Tensor4D =>
    applyChannelPreprocessing(manifest.preprocessing, rgb, manifest.inputSize[0]);
  return { model, manifest, preprocess };
}

/**
 * Checks a converted folder without loading its weights ({@link checkModelFolder}): the hashes of the
 * manifest, that model.json builds and its weights fit, and each weight's SHA-256 through
 * `options.checkWeight`. Returns the manifest.
 *
 * @throws Error naming the file that is missing or does not match.
 */
export async function checkConvertedFolder(dir: string, options: LoadModelFolderOptions = {}): Promise<ConvertedManifest> {
  const manifest = readConvertedManifest(dir);
  await checkModelFolder(dir, manifestHashCheck(dir, manifest), options);
  return manifest;
}

function readConvertedManifest(dir: string): ConvertedManifest {
  const manifestFile = path.join(dir, MANIFEST_JSON);
  if (!fs.existsSync(manifestFile)) throw new Error(`${manifestFile}: no manifest.json (is this a converted model folder?)`);
  try {
    return JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ConvertedManifest;
  } catch (error) {
    throw new Error(`${manifestFile}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function manifestHashCheck(dir: string, manifest: ConvertedManifest): (file: string, actual: string) => void {
  return (file, actual) => {
    const expected = manifest.files?.[file];
    if (expected !== actual) {
      throw new Error(`${path.join(dir, file)}: SHA-256 ${actual} does not match the manifest's ${expected ?? '(not listed)'}`);
    }
  };
}
